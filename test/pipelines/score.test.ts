import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { withWarehouse } from '../../src/store/index.ts';
import { buildFeatureTable, loadFeatureSpec, readFrame, transform } from '../../src/features/index.ts';
import { openModel } from '../../src/pipelines/trained-model.ts';
import { scoreLeads, type ScoreOptions } from '../../src/pipelines/score/index.ts';
import { alignedRuleScores, loadRules, scoreRules } from '../../src/rules/index.ts';
import type { FeatureSpec } from '../../src/features/index.ts';
import { attributeMembers, attributedLogits, logit } from '../../src/models/index.ts';
import { explainerFor, reasonsFor, reasonsOf } from '../../src/pipelines/explain-rows.ts';
import { explainLeadScore } from '../../src/pipelines/explain.ts';
import { copyDb, trainedFixture, trainFixtureFresh, type TrainedFixture } from './fixture.ts';
import { runLeadscore } from '../cli/run.ts';

const AS_OF = new Date('2025-12-01T00:00:00Z');
let fx: TrainedFixture;

function opts(db: string, extra: Partial<ScoreOptions> = {}): ScoreOptions {
  return {
    db,
    model: 'fixture',
    modelsDir: fx.modelsDir,
    asOf: AS_OF,
    leads: 'open',
    reasons: 3,
    now: () => new Date('2026-01-02T00:00:00Z'),
    ...extra,
  };
}

beforeAll(async () => {
  fx = await trainedFixture();
}, 300_000);

describe('leadscore score', () => {
  it('writes one row per open lead, scores = round(100 p) in [0, 100], reasons as JSON', async () => {
    const db = copyDb(fx.db, 'score-basic.duckdb');
    const summary = await scoreLeads(opts(db, { runId: 'basic' }));
    await withWarehouse(db, async (w) => {
      const open = await w.one<{ n: number }>(
        `SELECT count(*)::BIGINT AS n FROM leads l WHERE created_at < $1::TIMESTAMP
         AND NOT EXISTS (SELECT 1 FROM outcomes o WHERE o.lead_id = l.lead_id AND o.status = 'won' AND
           o.closed_at < $1::TIMESTAMP)`,
        [AS_OF.toISOString()],
      );
      expect(summary.rows).toBe(open!.n);
      expect(await w.count('lead_scores')).toBe(open!.n);
      const bad = await w.one<{ n: number }>(
        `SELECT count(*)::BIGINT AS n FROM lead_scores WHERE score < 0 OR score > 100 OR score <> round(100 * ` +
          `probability)`,
      );
      expect(bad!.n).toBe(0);
      const reasons = await w.all<{ reasons: string }>(`SELECT reasons FROM lead_scores LIMIT 50`);
      for (const r of reasons) {
        const parsed = JSON.parse(r.reasons) as Record<string, unknown>[];
        expect(Array.isArray(parsed)).toBe(true);
        for (const x of parsed) expect(Object.keys(x).sort()).toEqual(['direction', 'factor', 'text', 'weight']);
      }
      const run = await w.one<{ status: string; rows_scored: number }>(
        `SELECT status, rows_scored FROM score_runs WHERE run_id = 'basic'`,
      );
      expect(run).toEqual({ status: 'succeeded', rows_scored: open!.n });
    });
  });

  it('writes exactly the probabilities the model gives the same leads in memory', async () => {
    const db = copyDb(fx.db, 'score-memory.duckdb');
    await scoreLeads(opts(db, { runId: 'mem' }));
    const loaded = await openModel('fixture', fx.modelsDir);
    await withWarehouse(db, async (w) => {
      await w.run(`CREATE TABLE pairs AS SELECT lead_id, as_of FROM lead_scores`);
      await buildFeatureTable(w, loaded.spec as FeatureSpec, {
        asOf: 'pairs',
        withLabels: false,
        leads: 'all',
        into: 'feat',
      });
      const frame = await readFrame(w, 'feat', loaded.spec as FeatureSpec);
      const { matrix } = transform(loaded.encoders, frame);
      const aligned = loaded.rules
        ? await alignedRuleScores(w, loaded.rules, { pairs: 'feat', order: 'as_of, lead_id' })
        : null;
      const rules = aligned ? aligned.total : null;
      const p = loaded.model.predict(matrix, rules).probability;
      const written = new Map(
        (await w.all<{ lead_id: string; probability: number }>(`SELECT lead_id, probability FROM lead_scores`)).map(
          (r) => [r.lead_id, r.probability],
        ),
      );
      expect(frame.ids.length).toBe(written.size);
      frame.ids.forEach((id, i) => expect(written.get(id)).toBe(p[i]));
      // the rest of each row equals what the object path gives: rules via (lead_id, as_of) pairs, reasons via
      // reasonObjects + JSON.stringify
      const explainer = explainerFor(loaded);
      // the two steps one after the other (scoring makes them one pass: the same bits)
      const base = loaded.model.baseOutputs(matrix);
      const members = attributeMembers(loaded.model, matrix, base, explainer.reference, explainer.groups);
      const explained = reasonsOf(reasonsFor(loaded, explainer, members, rules, frame, (i) => i, 3));
      const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
      const rows = new Map(
        (
          await w.all<{
            lead_id: string;
            reasons: string;
            grade: string | null;
            rule_score: number | null;
            rule_band: string | null;
            as_of: Date;
            scored_at: Date;
            model: string;
            run_id: string;
          }>(
            `SELECT lead_id, reasons::VARCHAR AS reasons, grade, rule_score, rule_band, as_of, scored_at, ` +
              `model, run_id FROM lead_scores`,
          )
        ).map((r) => [r.lead_id, r]),
      );
      frame.ids.forEach((id, i) => {
        const row = rows.get(id)!;
        const want = JSON.stringify(explained[i].map((r) => ({ ...r, weight: r4(r.weight) })));
        expect(row.reasons).toBe(want);
        expect(row.rule_score).toBe(aligned ? aligned.total[i] : null);
        expect(row.grade).toBe(aligned ? aligned.grade[i] : null);
        expect(row.rule_band).toBe(aligned ? aligned.band[i] : null);
        expect([row.as_of.toISOString(), row.scored_at.toISOString(), row.model, row.run_id]).toEqual([
          AS_OF.toISOString(),
          '2026-01-02T00:00:00.000Z',
          'fixture',
          'mem',
        ]);
      });
    });
  });

  it('carries each lead’s previous score, its change since the last run and since about a week before', async () => {
    const db = copyDb(fx.db, 'score-trend.duckdb');
    const day = 86_400_000;
    const at = (days: number) => new Date(AS_OF.getTime() - days * day);
    // an older warehouse: lead_scores as it was before the trend columns
    await withWarehouse(db, (w) =>
      w.run(`CREATE TABLE lead_scores (lead_id VARCHAR NOT NULL, as_of TIMESTAMP NOT NULL, scored_at TIMESTAMP NOT NULL,
        model VARCHAR NOT NULL, model_version VARCHAR NOT NULL, run_id VARCHAR NOT NULL, probability DOUBLE NOT NULL,
        score INTEGER NOT NULL, percentile DOUBLE, band VARCHAR NOT NULL, grade VARCHAR, rule_score DOUBLE,
        rule_band VARCHAR, reasons JSON, PRIMARY KEY (lead_id))`),
    );
    await scoreLeads(opts(db, { runId: 't-8', asOf: at(8) }));
    type Row = {
      lead_id: string;
      score: number;
      previous_score: number | null;
      previous_as_of: Date | null;
      score_change: number | null;
      score_change_7d: number | null;
      s1: number | null;
      s8: number | null;
    };
    const rows = () =>
      withWarehouse(
        db,
        (w) =>
          w.all<Row>(`SELECT s.lead_id, s.score, s.previous_score, s.previous_as_of, s.score_change, s.score_change_7d,
                  h1.score AS s1, h8.score AS s8
           FROM lead_scores s
           LEFT JOIN lead_score_history h1 ON h1.lead_id = s.lead_id AND h1.run_id = 't-1'
           LEFT JOIN lead_score_history h8 ON h8.lead_id = s.lead_id AND h8.run_id = 't-8'
           WHERE s.as_of = (SELECT max(as_of) FROM lead_scores)`), // leads won since drop out of later runs
      );
    const first = await rows();
    expect(first.every((r) => r.previous_score === null && r.score_change === null && r.score_change_7d === null)).toBe(
      true,
    );
    await scoreLeads(opts(db, { runId: 't-1', asOf: at(1) }));
    await scoreLeads(opts(db, { runId: 't0', asOf: AS_OF }));
    const check = (list: Row[]) => {
      for (const r of list) {
        expect(r.previous_score).toBe(r.s1);
        expect(r.previous_as_of?.toISOString() ?? null).toBe(r.s1 === null ? null : at(1).toISOString());
        expect(r.score_change).toBe(r.s1 === null ? null : r.score - r.s1);
        // a week before: the run 8 days back (the one a day back is too recent)
        expect(r.score_change_7d).toBe(r.s8 === null ? null : r.score - r.s8);
      }
      expect(list.filter((r) => r.s1 !== null && r.s8 !== null).length).toBeGreaterThan(100);
      expect(list.some((r) => r.score_change !== 0 && r.score_change !== null)).toBe(true);
    };
    check(await rows());
    // scoring the same date again keeps the change since the run before it, not since itself
    await scoreLeads(opts(db, { runId: 't0-again', asOf: AS_OF }));
    check(await rows());
  });

  it('re-running the same run id replaces its history rows instead of duplicating them', async () => {
    const db = copyDb(fx.db, 'score-rerun.duckdb');
    await scoreLeads(opts(db, { runId: 'nightly' }));
    const once = await withWarehouse(db, (w) => w.count('lead_score_history'));
    await scoreLeads(opts(db, { runId: 'nightly' }));
    await withWarehouse(db, async (w) => {
      expect(await w.count('lead_score_history')).toBe(once);
      expect(await w.count('score_runs')).toBe(1);
      // history carries the run's numbers, bands and grades, row for row as lead_scores, but not the reasons text
      expect(await w.tableColumns('lead_score_history')).not.toContain('reasons');
      const mismatch = await w.one<{
        n: number;
      }>(`SELECT count(*)::BIGINT AS n FROM lead_scores s FULL JOIN lead_score_history h USING (lead_id)
        WHERE h.probability IS DISTINCT FROM s.probability OR h.band IS DISTINCT FROM s.band OR h.grade IS
          DISTINCT FROM s.grade OR h.run_id IS DISTINCT FROM s.run_id`);
      expect(mismatch?.n).toBe(0);
      expect(once).toBeGreaterThan(50);
    });
  });

  it(
    'a run over leads partly scored before (one shard) updates those, adds the rest, and equals a run on an ' +
      'empty table',
    async () => {
      const mixed = copyDb(fx.db, 'score-mixed.duckdb');
      const fresh = copyDb(fx.db, 'score-fresh.duckdb');
      await scoreLeads(opts(mixed, { runId: 'half', shard: { k: 1, n: 2 }, asOf: new Date('2025-11-01T00:00:00Z') }));
      const half = await withWarehouse(mixed, (w) => w.count('lead_scores'));
      await scoreLeads(opts(mixed, { runId: 'all' }));
      await scoreLeads(opts(fresh, { runId: 'all' }));
      const rows = (db: string) =>
        withWarehouse(db, (w) =>
          w.all(
            `SELECT lead_id, as_of, run_id, probability, score, percentile, band, grade, rule_score, rule_band, ` +
              `reasons::VARCHAR AS reasons FROM lead_scores ORDER BY lead_id`,
          ),
        );
      const [got, want] = [await rows(mixed), await rows(fresh)];
      expect(half).toBeGreaterThan(20);
      expect(got.filter((r) => r.run_id === 'all')).toEqual(want);
      // the rest: leads open on the earlier date and won since, whose latest score stays the earlier one
      const left = got.filter((r) => r.run_id !== 'all');
      const scored = new Set(want.map((r) => r.lead_id));
      expect(left.every((r) => r.run_id === 'half' && !scored.has(r.lead_id))).toBe(true);
      expect(left.length).toBeLessThan(half / 2);
    },
  );

  it('lead_scores written in parts (reasons worded part by part) equals one part, inserted or upserted', async () => {
    const rows = (db: string) =>
      withWarehouse(db, (w) =>
        w.all(`SELECT * EXCLUDE (scored_at), reasons::VARCHAR AS reasons FROM lead_scores ORDER BY lead_id`),
      );
    const history = (db: string) =>
      withWarehouse(db, (w) => w.all(`SELECT * EXCLUDE (scored_at) FROM lead_score_history ORDER BY lead_id, run_id`));
    const earlier = new Date('2025-11-01T00:00:00Z');
    const written: Record<string, unknown>[][][] = [];
    for (const partRows of [undefined, 50]) {
      const db = copyDb(fx.db, `score-parts-${partRows ?? 'one'}.duckdb`);
      // the first run inserts into an empty table, the second upserts the leads the first scored
      await scoreLeads(opts(db, { runId: 'first', shard: { k: 1, n: 2 }, asOf: earlier, partRows }));
      await scoreLeads(opts(db, { runId: 'second', partRows }));
      written.push([await rows(db), await history(db)]);
    }
    const [one, parts] = written;
    expect(one[0].length).toBeGreaterThan(3 * 50); // several parts

    expect(new Set(one[0].map((r) => r.run_id))).toEqual(new Set(['first', 'second']));
    expect(parts[0]).toEqual(one[0]);
    expect(parts[1]).toEqual(one[1]);
  });

  it('4 shards written as Parquet add up to exactly the unsharded result', async () => {
    const out = path.join(fx.dir, 'shards');
    const whole = path.join(fx.dir, 'whole');
    await scoreLeads(opts(fx.db, { outDir: whole, runId: 'r' }));
    for (let k = 1; k <= 4; k++) await scoreLeads(opts(fx.db, { outDir: out, shard: { k, n: 4 }, runId: 'r' }));
    expect(fs.readdirSync(out).filter((f) => f.endsWith('.parquet')).length).toBe(4);
    await withWarehouse(':memory:', async (w) => {
      const cols = `lead_id, probability, score, percentile, band, grade, rule_score, rule_band, reasons`;
      const diff = await w.one<{ a: number; b: number; n: number }>(`
        WITH a AS (SELECT ${cols} FROM read_parquet('${out}/*.parquet')), b AS (SELECT ${cols} FROM
          read_parquet('${whole}/lead_scores.parquet'))
        SELECT (SELECT count(*) FROM (SELECT * FROM a EXCEPT ALL SELECT * FROM b))::BIGINT AS a,
               (SELECT count(*) FROM (SELECT * FROM b EXCEPT ALL SELECT * FROM a))::BIGINT AS b,
               (SELECT count(*) FROM b)::BIGINT AS n`);
      expect(diff!.n).toBeGreaterThan(100);
      expect([diff!.a, diff!.b]).toEqual([0, 0]);
    });
  });

  it('a run killed with kill -9 mid-publish leaves lead_scores as it was; the next run marks it failed', async () => {
    const db = copyDb(fx.db, 'score-kill.duckdb');
    await scoreLeads(opts(db, { runId: 'before' }));
    const snapshot = () =>
      withWarehouse(db, (w) => w.all(`SELECT lead_id, run_id, probability, score FROM lead_scores ORDER BY lead_id`));
    const before = await snapshot();
    for (const point of ['part-written', 'in-transaction']) {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'test/pipelines/score-child.ts', db, fx.modelsDir, `killed-${point}`, '2025-12-15', point],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      await new Promise<void>((resolve, reject) => {
        let err = '';
        child.stderr.on('data', (d) => {
          err += d;
          if (err.includes(`paused at ${point}`)) {
            child.kill('SIGKILL');
            resolve();
          }
        });
        child.on('exit', () => reject(new Error(`child exited before pausing: ${err}`)));
      });
      await new Promise((r) => child.on('exit', r));
      expect(await snapshot()).toEqual(before);
    }
    // each run marks the dead runs it finds: the second child marked the first, the last run the second
    const next = await scoreLeads(opts(db, { runId: 'after' }));
    expect(next.marked_failed).toEqual(['killed-in-transaction']);
    await withWarehouse(db, async (w) => {
      const runs = await w.all<{ run_id: string; status: string }>(
        `SELECT run_id, status FROM score_runs ORDER BY run_id`,
      );
      expect(runs).toEqual([
        { run_id: 'after', status: 'succeeded' },
        { run_id: 'before', status: 'succeeded' },
        { run_id: 'killed-in-transaction', status: 'failed' },
        { run_id: 'killed-part-written', status: 'failed' },
      ]);
    });
  });

  it(
    'a won outcome with no closed_at counts as won at its created_at: features, rules, labels and scoring ' + 'agree',
    async () => {
      const db = copyDb(fx.db, 'won-no-close.duckdb');
      const wonAt = new Date(AS_OF.getTime() - 10 * 86_400_000);
      const lead = await withWarehouse(db, async (w) => {
        const row = await w.one<{ lead_id: string }>(
          `SELECT lead_id FROM leads l WHERE created_at < $1::TIMESTAMP - INTERVAL 60 DAY
           AND NOT EXISTS (SELECT 1 FROM outcomes o WHERE o.lead_id = l.lead_id) ORDER BY lead_id LIMIT 1`,
          [AS_OF.toISOString()],
        );
        await w.run(`INSERT INTO outcomes VALUES ($1, 'opp-no-close', $2::TIMESTAMP, NULL, 'won', 100)`, [
          row!.lead_id,
          wonAt.toISOString(),
        ]);
        return row!.lead_id;
      });
      const spec = loadFeatureSpec('features/default.yaml');
      const rules = loadRules('models/rules.yaml');
      const before = new Date(wonAt.getTime() - 20 * 86_400_000);
      await withWarehouse(db, async (w) => {
        // after the win: not an open lead for features, rules or scoring
        await buildFeatureTable(w, spec, { asOf: [AS_OF], withLabels: false, leads: 'open', into: 'f_after' });
        expect(await w.count('f_after', `lead_id = '${lead}'`)).toBe(0);
        const ruled = await scoreRules(w, rules, { asOf: AS_OF, leads: 'open' });
        expect(ruled.ids).not.toContain(lead);
        // before it: open, and labelled converted (won within the horizon)
        await buildFeatureTable(w, spec, { asOf: [before], withLabels: true, leads: 'open', into: 'f_before' });
        const label = await w.one<{ label: number }>(`SELECT label FROM f_before WHERE lead_id = $1`, [lead]);
        expect(label?.label).toBe(1);
      });
      await scoreLeads(opts(db, { runId: 'won-no-close' }));
      await withWarehouse(db, async (w) => {
        expect(await w.count('lead_scores', `lead_id = '${lead}'`)).toBe(0);
        expect(await w.count('lead_scores')).toBeGreaterThan(100);
      });
    },
  );

  it(
    'refuses an unknown model (listing the known ones), an empty warehouse and a missing table, changing ' + 'nothing',
    async () => {
      await expect(scoreLeads(opts(fx.db, { model: 'nope' }))).rejects.toThrow(/fixture/);
      const empty = path.join(fx.dir, 'empty.duckdb');
      await withWarehouse(empty, async () => undefined);
      await expect(scoreLeads(opts(empty))).rejects.toThrow(/no "leads" table/);
      await withWarehouse(empty, async (w) => {
        await w.run(`CREATE TABLE leads (lead_id VARCHAR, created_at TIMESTAMP)`);
      });
      await expect(scoreLeads(opts(empty, { runId: 'on-empty' }))).rejects.toThrow(/no open leads created before/);
      await withWarehouse(empty, async (w) => {
        expect(await w.count('lead_scores')).toBe(0);
        const run = await w.one<{ status: string; error_message: string }>(
          `SELECT status, error_message FROM score_runs WHERE run_id = 'on-empty'`,
        );
        expect(run?.status).toBe('failed');
        expect(run?.error_message).toMatch(/no open leads/);
      });
    },
  );
});

describe('reasons a sales rep trusts (issue #18), on a generated warehouse', () => {
  it('each factor once, no feature id in the words, directions agree with an attribution that adds up', async () => {
    const db = copyDb(fx.db, 'score-reasons.duckdb');
    await scoreLeads(opts(db, { runId: 'reasons' }));
    const loaded = await openModel('fixture', fx.modelsDir);
    const spec = loaded.spec as FeatureSpec;
    await withWarehouse(db, async (w) => {
      await w.run(`CREATE TABLE pairs AS SELECT lead_id, as_of FROM lead_scores`);
      await buildFeatureTable(w, spec, { asOf: 'pairs', withLabels: false, leads: 'all', into: 'feat' });
      const frame = await readFrame(w, 'feat', spec);
      const { matrix } = transform(loaded.encoders, frame);
      const rules = loaded.rules
        ? (await alignedRuleScores(w, loaded.rules, { pairs: 'feat', order: 'as_of, lead_id' })).total
        : null;
      const explainer = explainerFor(loaded);
      const base = loaded.model.baseOutputs(matrix);
      const explained = reasonsFor(
        loaded,
        explainer,
        attributeMembers(loaded.model, matrix, base, explainer.reference, explainer.groups),
        rules,
        frame,
        (i) => i,
        3,
      );
      const a = explained.attribution;
      // the grouped contributions reproduce the uncalibrated blend logit
      const blend = loaded.model.combine(base, rules).blend;
      const sums = attributedLogits(a);
      let worst = 0;
      for (let i = 0; i < a.rows; i++) worst = Math.max(worst, Math.abs(sums[i] - logit(blend[i], 1e-300)));
      expect(worst).toBeLessThan(1e-6);
      // residuals of the members the blend took (one it gave no weight is left out of both)
      const taken = Object.keys(loaded.model.blendWeights()).filter((k) => k !== 'rules');
      expect(Object.keys(a.residual).sort()).toEqual([...taken].sort());
      const tolerance: Record<string, number> = { logistic: 2e-6, gbdt: 2e-6, neural: 1e-3 };
      for (const name of taken) expect(a.residual[name]).toBeLessThan(tolerance[name]);

      const stored = new Map(
        (
          await w.all<{ lead_id: string; reasons: string }>(
            `SELECT lead_id, reasons::VARCHAR AS reasons FROM lead_scores`,
          )
        ).map((r) => [
          r.lead_id,
          JSON.parse(r.reasons) as { factor: string; direction: string; text: string; weight: number }[],
        ]),
      );
      const ids = spec.features.map((f) => f.name);
      const human = (id: string) => id.replaceAll('_', ' ');
      let reasons = 0;
      const factors = new Set<string>();
      const problems: string[] = []; // collected, so one failure shows every bad reason at once
      const wordy = ids.filter((f) => f.split('_').length >= 3).map(human);
      frame.ids.forEach((id, i) => {
        const list = stored.get(id)!;
        // one factor once per lead
        if (new Set(list.map((r) => r.factor)).size !== list.length) problems.push(`${id}: a factor twice`);
        for (const r of list) {
          reasons++;
          factors.add(r.factor);
          // words, not ids: no underscore (so no id like page_view_all), and no id of three or more words spelt
          // out ("page view all", "first touch age days"); one-word ids (industry, region) are plain English
          if (/_/.test(r.text) || / per /.test(r.text)) problems.push(`${id}: "${r.text}"`);
          const spelt = wordy.find((f) => r.text.toLowerCase().includes(f));
          if (spelt) problems.push(`${id}: "${r.text}" spells out a feature id (${spelt})`);
          // up reasons push up and down reasons down, by what the attribution says
          const g = a.groups.indexOf(r.factor);
          const contribution = g < 0 ? NaN : a.values[i * a.groups.length + g];
          if (r.direction !== (contribution > 0 ? 'up' : 'down') || Math.sign(r.weight) !== Math.sign(contribution))
            problems.push(`${id}: ${r.factor} is ${r.direction} (${r.weight}) but contributes ${contribution}`);
          if (!(Math.abs(r.weight - Math.round(contribution * 1e4) / 1e4) < 1e-9))
            problems.push(`${id}: ${r.factor} weight ${r.weight} is not its contribution ${contribution}`);
        }
      });
      expect(problems.slice(0, 20)).toEqual([]);
      expect(reasons).toBeGreaterThan(3 * frame.ids.length); // not a vacuous check
      expect(factors.size).toBeGreaterThan(6);
    });
  });
});

describe('leadscore explain --lead', () => {
  it('shows both scores and their reasons; its JSON row is the lead_scores row of that date', async () => {
    const db = copyDb(fx.db, 'score-explain.duckdb');
    await scoreLeads(opts(db, { runId: 'explain' }));
    const cols =
      'lead_id, as_of, model, model_version, probability, score, percentile, band, grade, rule_score, rule_band';
    const stored = await withWarehouse(db, (w) =>
      w.all<Record<string, unknown> & { reasons: string; as_of: Date }>(
        `SELECT ${cols}, reasons::VARCHAR AS reasons FROM (
           (SELECT * FROM lead_scores ORDER BY score DESC, lead_id LIMIT 2)
           UNION ALL (SELECT * FROM lead_scores ORDER BY score, lead_id LIMIT 1)
           UNION ALL (SELECT * FROM lead_scores WHERE rule_band = 'excluded' ORDER BY lead_id LIMIT 1))`,
      ),
    );
    expect(stored.length).toBe(4);
    for (const row of stored) {
      const ex = await explainLeadScore({ db, model: 'fixture', modelsDir: fx.modelsDir, leadId: String(row.lead_id) });
      expect(ex.row).toEqual({ ...row, as_of: row.as_of.toISOString(), reasons: JSON.parse(row.reasons) });
      // the factors add up to the lead's blend log-odds; the rules' parts to its points
      const sum = ex.predictive.factors.reduce((a, f) => a + f.contribution, ex.predictive.reference.logit);
      expect(sum).toBeCloseTo(ex.predictive.logit, 9);
      expect(ex.rules!.total).toBe(row.rule_score);
      expect(ex.predictive.factors.map((f) => f.factor)).toContain('rules');
    }
    // through the CLI: the JSON row, and the text naming both scores' reasons
    const lead = String(stored[0].lead_id);
    const run = (...args: string[]) => runLeadscore(['explain', '--db', db, '--models-dir', fx.modelsDir, ...args]);
    const json = await run('--model', 'fixture', '--lead', lead, '--json');
    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout) as { row: unknown; rules: { rules: { rule: string }[] } };
    expect(parsed.row).toEqual({
      ...stored[0],
      as_of: stored[0].as_of.toISOString(),
      reasons: JSON.parse(stored[0].reasons),
    });
    const text = await run('--model', 'fixture', '--lead', lead);
    expect(text.code, text.stderr).toBe(0);
    for (const r of JSON.parse(stored[0].reasons) as { text: string }[]) expect(text.stdout).toContain(r.text);
    for (const r of parsed.rules.rules) expect(text.stdout).toContain(r.rule);
    expect(text.stdout).toMatch(/Points score: the rules that fired/);
    await expect(explainLeadScore({ db, model: 'fixture', modelsDir: fx.modelsDir, leadId: 'L9x' })).rejects.toThrow(
      /lead L9x has no score from model fixture/,
    );
    await expect(
      explainLeadScore({ db, model: 'fixture', modelsDir: fx.modelsDir, leadId: 'L9x', asOf: AS_OF }),
    ).rejects.toThrow(/no lead with id "L9x"/);
  });
});

describe('model artifacts', () => {
  it('save, load and predict gives bit-identical probabilities; the same seed trains the same model', async () => {
    const a = await openModel(`fixture@${fx.report.model.version}`, fx.modelsDir);
    const again = await trainFixtureFresh(3000, 7);
    const b = await openModel(`fixture@${again.report.model.version}`, again.modelsDir);
    await withWarehouse(fx.db, async (w) => {
      await buildFeatureTable(w, a.spec as FeatureSpec, { asOf: [AS_OF], withLabels: false, into: 'feat_cmp' });
      const frame = await readFrame(w, 'feat_cmp', a.spec as FeatureSpec);
      const rules = a.rules
        ? (await alignedRuleScores(w, a.rules, { pairs: 'feat_cmp', order: 'as_of, lead_id' })).total
        : null;
      const pa = a.model.predict(transform(a.encoders, frame).matrix, rules).probability;
      const pb = b.model.predict(transform(b.encoders, frame).matrix, rules).probability;
      expect(Array.from(pb)).toEqual(Array.from(pa));
      expect(fx.report.metrics).toEqual(again.report.metrics);
    });
  }, 300_000);
});
