import path from 'node:path';
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { withWarehouse } from '../../src/store/index.ts';
import { modelSummary } from '../../src/models/model-summary.ts';
import { compareScores } from '../../src/pipelines/compare.ts';
import { featureDrift, monitorModel } from '../../src/pipelines/monitor.ts';
import { scoreLeads } from '../../src/pipelines/score/index.ts';
import { crmSpecOf, openModel } from '../../src/pipelines/trained-model.ts';
import { featureProfiles } from '../../src/pipelines/train-fit.ts';
import { buildFeatureTable, readFrame, loadFeatureSpec } from '../../src/features/index.ts';
import { DATA_END_SQL } from '../../src/schema/index.ts';
import { registry } from '../../src/models/index.ts';
import { copyDb, trainedFixture, type TrainedFixture } from './fixture.ts';
import { runLeadscore } from '../cli/run.ts';

let fx: TrainedFixture;

beforeAll(async () => {
  fx = await trainedFixture();
}, 300_000);

/** Mann-Whitney AUC by brute force over all pairs: the reference the pipeline's AUC must equal. */
function naiveAuc(y: number[], s: number[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 1) continue;
    for (let j = 0; j < y.length; j++) {
      if (y[j] !== 0) continue;
      pairs++;
      wins += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

describe('leadscore compare', () => {
  it('writes the tables and the report, and its rule-score AUC equals a brute-force computation', async () => {
    const db = copyDb(fx.db, 'compare.duckdb');
    const out = path.join(fx.dir, 'reports', 'compare.html');
    const { result, report_path } = await compareScores({
      db,
      model: 'fixture',
      modelsDir: fx.modelsDir,
      asOf: new Date('2025-08-01T00:00:00Z'),
      out,
      seed: 3,
      runId: 'c1',
      now: new Date('2026-01-01T00:00:00Z'),
    });
    expect(report_path).toBe(out);
    expect(fs.readFileSync(out, 'utf8')).toContain('data-metric');
    // independent check: rebuild the evaluation rows from the warehouse tables and count pairs
    await withWarehouse(db, async (w) => {
      const metrics = await w.all<{ scorer: string; metric: string; value: number }>(
        `SELECT scorer, metric, value FROM comparison_metrics WHERE run_id = 'c1'`,
      );
      expect(metrics.find((m) => m.scorer === 'rules' && m.metric === 'auc')!.value).toBe(result.metrics.rules.auc);
      const bands = await w.one<{ leads: number }>(
        `SELECT sum(leads)::BIGINT AS leads FROM comparison_bands WHERE run_id = 'c1' AND scorer = 'rules'`,
      );
      expect(bands!.leads).toBe(result.n_leads);
      const agree = await w.one<{ leads: number; conv: number }>(
        `SELECT sum(leads)::BIGINT AS leads, sum(converted)::BIGINT AS conv FROM comparison_agreement WHERE ` +
          `run_id = 'c1'`,
      );
      expect(agree).toEqual({ leads: result.n_leads, conv: result.n_converted });
      // its scratch tables (the features, the pairs the rules read) are gone
      const scratch = await w.all(
        `SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '\\_ls\\_%' ESCAPE '\\'`,
      );
      expect(scratch).toEqual([]);
    });
    // independent computation on exactly the evaluated rows, read back from the warehouse
    const rows = await withWarehouse(db, (w) =>
      w.all<{ converted: number; rule_score: number; probability: number }>(
        `SELECT converted, rule_score, probability FROM comparison_leads WHERE run_id = 'c1'`,
      ),
    );
    expect(rows.length).toBe(result.n_leads);
    expect(rows.reduce((a, r) => a + r.converted, 0)).toBe(result.n_converted);
    const y = rows.map((r) => r.converted);
    expect(result.metrics.rules.auc).toBeCloseTo(
      naiveAuc(
        y,
        rows.map((r) => r.rule_score),
      ),
      12,
    );
    expect(result.metrics.predictive.auc).toBeCloseTo(
      naiveAuc(
        y,
        rows.map((r) => r.probability),
      ),
      12,
    );
    // lift at 10%: conversion in the top decile by predictive score over the base rate, by hand
    const top = [...rows]
      .map((r, i) => ({ ...r, i }))
      .sort((a, b) => b.probability - a.probability || a.i - b.i)
      .slice(0, Math.ceil(rows.length * 0.1));
    const lift = top.reduce((a, r) => a + r.converted, 0) / top.length / (result.n_converted / result.n_leads);
    expect(result.metrics.predictive.lift_at_10pct).toBeCloseTo(lift, 12);
  }, 120_000);

  it("an analyst's --rules file is only the yardstick: the model blends the rules it was trained with", async () => {
    const db = copyDb(fx.db, 'compare-rules.duckdb');
    const opts = {
      db,
      model: 'fixture',
      modelsDir: fx.modelsDir,
      asOf: new Date('2025-08-01T00:00:00Z'),
      seed: 3,
      now: new Date('2026-01-01T00:00:00Z'),
    };
    const own = await compareScores({ ...opts, runId: 'own' });
    // every point value times three: another yardstick, the same model
    const other = path.join(fx.dir, 'other-rules.yaml');
    const text = fs.readFileSync(path.resolve('models/rules.yaml'), 'utf8');
    fs.writeFileSync(
      other,
      text.replace(/points: (\d+)/g, (_, p) => `points: ${Number(p) * 3}`),
    );
    const theirs = await compareScores({ ...opts, runId: 'theirs', rulesFile: other });
    expect(theirs.result.metrics.predictive).toEqual(own.result.metrics.predictive);
    expect(theirs.leads.map((l) => l.rule_score)).not.toEqual(own.leads.map((l) => l.rule_score));
  }, 120_000);
});

describe('leadscore monitor', () => {
  it('reports PSI of exactly 0 for the training rows themselves and flags a feature shifted on purpose', async () => {
    const loaded = await openModel('fixture', fx.modelsDir);
    const spec = loadFeatureSpec('features/default.yaml');
    await withWarehouse(fx.db, async (w) => {
      const frame = await readFrame(w, 'training_features', crmSpecOf(loaded, 'test') ?? spec);
      const rows = Int32Array.from(frame.ids.keys());
      const profiles = featureProfiles(frame, rows);
      const same = featureDrift(frame, profiles, 0.2);
      expect(Math.max(...same.map((f) => f.psi))).toBeLessThan(1e-9);
      const shifted = {
        ...frame,
        columns: frame.columns.map((c) =>
          c.name === 'company_size' && c.kind === 'numeric' ? { ...c, values: c.values.map((v) => v * 50) } : c,
        ),
      };
      const drift = featureDrift(shifted, profiles, 0.2);
      expect(drift.filter((f) => f.drifted).map((f) => f.feature)).toEqual(['company_size']);
    });
  });

  it('scored as of the last day of its data the model raises no alarm; company sizes x50 are flagged', async () => {
    const db = copyDb(fx.db, 'monitor.duckdb');
    // the day it was trained: the end of the data, long after its first training snapshots
    const end = (await withWarehouse(db, (w) => w.one<{ last: Date }>(`SELECT ${DATA_END_SQL} AS last`)))!.last;
    await scoreLeads({
      db,
      model: 'fixture',
      modelsDir: fx.modelsDir,
      asOf: end,
      leads: 'open',
      reasons: 1,
      runId: 's1',
      now: () => new Date('2026-01-01T00:00:00Z'),
    });
    const before = await monitorModel({
      db,
      model: 'fixture',
      modelsDir: fx.modelsDir,
      threshold: 0.2,
      runId: 'm1',
      now: new Date('2026-01-02T00:00:00Z'),
    });
    expect(before.reference.kind).toBe('snapshot');
    expect(before.reference.binned_in_days).toEqual(
      expect.arrayContaining(['lead_age_days', 'first_touch_age_days', 'days_since_last_activity']),
    );
    expect(before.drifted).toEqual([]);
    expect(before.status).toBe('ok');
    // against the training rows themselves, ages alone would have alarmed: the check is not vacuous
    const loaded = await openModel('fixture', fx.modelsDir);
    await withWarehouse(db, async (w) => {
      await w.run(`CREATE TABLE pairs AS SELECT lead_id, as_of FROM lead_score_history WHERE run_id = 's1'`);
      await buildFeatureTable(w, crmSpecOf(loaded, 'test'), {
        asOf: 'pairs',
        withLabels: false,
        leads: 'all',
        into: 'f',
      });
      const frame = await readFrame(w, 'f', crmSpecOf(loaded, 'test'));
      const naive = featureDrift(frame, loaded.profiles, 0.2);
      expect(naive.find((f) => f.feature === 'lead_age_days')!.drifted).toBe(true);
    });
    await withWarehouse(db, (w) => w.run(`UPDATE leads SET company_size = company_size * 50`));
    await scoreLeads({
      db,
      model: 'fixture',
      modelsDir: fx.modelsDir,
      asOf: end,
      leads: 'open',
      reasons: 1,
      runId: 's2',
      now: () => new Date('2026-01-03T00:00:00Z'),
    });
    const after = await monitorModel({
      db,
      model: 'fixture',
      modelsDir: fx.modelsDir,
      threshold: 0.2,
      runId: 'm2',
      now: new Date('2026-01-04T00:00:00Z'),
    });
    expect(after.score_run_id).toBe('s2');
    expect(after.drifted).toContain('company_size');
    expect(after.status).toBe('drift');
    await withWarehouse(db, async (w) => {
      expect(await w.count('monitor_runs')).toBe(2);
      const f = await w.one<{ drifted: boolean }>(
        `SELECT drifted FROM monitor_features WHERE run_id = 'm2' AND feature = 'company_size'`,
      );
      expect(f?.drifted).toBe(true);
    });
  }, 120_000);
});

describe('leadscore models show', () => {
  it('lists the band cut-offs, the blend weights and the largest coefficients', async () => {
    const a = registry.show('fixture', fx.modelsDir);
    const loaded = await openModel('fixture', fx.modelsDir);
    const s = modelSummary(a);
    expect(s.bands).toEqual(loaded.model.bands);
    expect(s.blend_weights).toEqual(loaded.model.blendWeights());
    const coef = loaded.model.linearCoefficients()!;
    expect(s.coefficients).toHaveLength(15);
    expect(Math.abs(s.coefficients[0].value)).toBe(Math.max(...Array.from(coef, Math.abs)));
    expect(s.coefficients.map((c) => c.column).every((c) => a.card.features.columns.includes(c))).toBe(true);
  });
});

const CHROMIUM = '/usr/bin/chromium';

describe('leadscore compare, from the CLI to the browser', () => {
  it.skipIf(!fs.existsSync(CHROMIUM))(
    'the real report opens offline with every chart drawn, and its summary numbers equal `compare --json`',
    async () => {
      const db = copyDb(fx.db, 'compare-cli.duckdb');
      const out = path.join(fx.dir, 'cli', 'compare.html');
      const r = await runLeadscore([
        'compare',
        '--db',
        db,
        '--model',
        'fixture',
        '--models-dir',
        fx.modelsDir,
        '--as-of',
        '2025-08-01',
        '--out',
        out,
        '--json',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const json = JSON.parse(r.stdout);
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
        const problems: string[] = [];
        page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
        page.on('pageerror', (e) => problems.push(e.message));
        await page.goto(`file://${out}`, { waitUntil: 'load' });
        expect(problems).toEqual([]);
        const charts = await page.$$eval('figure.chart svg', (svgs) =>
          svgs.map((s) => ({
            w: s.getBoundingClientRect().width,
            marks: s.querySelectorAll('path, rect, line, circle').length,
          })),
        );
        expect(charts.length).toBe(6);
        for (const c of charts) expect(c.w > 200 && c.marks > 5).toBe(true);
        const shown = await page.$$eval('ul.summary [data-metric]', (els) =>
          els.map((e) => ({ metric: e.getAttribute('data-metric')!, text: (e.textContent ?? '').trim() })),
        );
        expect(shown.length).toBeGreaterThan(5);
        for (const { metric, text } of shown) {
          const expected =
            metric === 'derived.top10_ratio'
              ? json.metrics.predictive.gains_at_10pct / json.metrics.rules.gains_at_10pct
              : (metric
                  .split('.')
                  .reduce(
                    (o: Record<string, unknown>, k: string) => o[k] as Record<string, unknown>,
                    json,
                  ) as unknown as number);
          const m = /^(-?[\d,]+)(?:\.(\d+))?(%|x)?$/.exec(text)!;
          const scale = m[3] === '%' ? 0.01 : 1;
          const value = Number(`${m[1].replace(/,/g, '')}.${m[2] ?? '0'}`) * scale;
          expect(Math.abs(value - expected), `${metric} shows ${text}`).toBeLessThanOrEqual(
            (0.5 * 10 ** -(m[2]?.length ?? 0) + 1e-9) * scale,
          );
        }
        const png = path.join(fx.dir, 'cli', 'compare.png');
        await page.screenshot({ path: png, fullPage: true });
        expect(fs.statSync(png).size).toBeGreaterThan(50_000);
      } finally {
        await browser.close();
      }
    },
    120_000,
  );
});
