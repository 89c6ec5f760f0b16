import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { withWarehouse } from '../../src/store/index.ts';
import { publishShards, scoreLeads, type ScoreOptions } from '../../src/pipelines/score/index.ts';
import { parseShard } from '../../src/cli/commands/score.ts';
import { runLeadscore } from '../cli/run.ts';
import { copyDb, trainedFixture, type TrainedFixture } from './fixture.ts';

const AS_OF = new Date('2025-12-01T00:00:00Z');
const EARLIER = new Date('2025-11-20T00:00:00Z');
const NOW = () => new Date('2026-01-02T00:00:00Z');
let fx: TrainedFixture;

function opts(db: string, extra: Partial<ScoreOptions> = {}): ScoreOptions {
  return { db, model: 'fixture', modelsDir: fx.modelsDir, asOf: AS_OF, leads: 'open', reasons: 3, now: NOW, ...extra };
}

/** Every row of the three score tables, in a fixed order, every column (text for JSON and timestamps). */
async function tables(db: string): Promise<Record<string, unknown[]>> {
  return withWarehouse(db, async (w) => ({
    lead_scores: await w.all(`SELECT * REPLACE (reasons::VARCHAR AS reasons) FROM lead_scores ORDER BY lead_id`),
    lead_score_history: await w.all(`SELECT * FROM lead_score_history ORDER BY run_id, lead_id`),
    score_runs: await w.all(`SELECT * FROM score_runs ORDER BY run_id`),
  }));
}

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Score shards 1..n of run `runId` from `db` (read only) into `dir`, each as its own run of scoreLeads. */
async function scoreShards(db: string, dir: string, runId: string, n = 4): Promise<void> {
  for (let k = 1; k <= n; k++) await scoreLeads(opts(db, { outDir: dir, shard: { k, n }, runId }));
}

beforeAll(async () => {
  fx = await trainedFixture();
}, 300_000);

describe('leadscore score publish', () => {
  it('4 shards scored apart then published equal one unsharded run; publishing again changes nothing', async () => {
    const sharded = copyDb(fx.db, 'publish-sharded.duckdb');
    const whole = copyDb(fx.db, 'publish-whole.duckdb');
    // an earlier run in both, so the trend columns (previous score, change) have something to carry
    for (const db of [sharded, whole]) await scoreLeads(opts(db, { runId: 'earlier', asOf: EARLIER }));
    const dir = path.join(fx.dir, 'publish-shards');
    await scoreShards(sharded, dir, 'nightly');
    expect(fs.readdirSync(dir).sort()).toEqual([1, 2, 3, 4].map((k) => `lead_scores-shard-${k}-of-4.parquet`));
    const published = await publishShards({ db: sharded, from: [dir], now: NOW });
    await scoreLeads(opts(whole, { runId: 'nightly' }));
    const got = await tables(sharded);
    const want = await tables(whole);
    expect(published.rows).toBe(want.lead_scores.filter((r) => (r as { run_id: string }).run_id === 'nightly').length);
    expect(published.shards).toBe(4);
    // not vacuous: many rows, and trends carried from the earlier run
    expect(want.lead_scores.length).toBeGreaterThan(1000);
    const changes = want.lead_scores.filter((r) => (r as { score_change: number | null }).score_change !== null);
    expect(changes.length).toBeGreaterThan(published.rows / 2);
    // every column of every table, timestamps included: the injected clock makes them equal here (with the wall
    // clock, each row's scored_at is its shard's start and the run's started_at the first shard's, see README)
    expect(got.lead_scores).toEqual(want.lead_scores);
    expect(got.lead_score_history).toEqual(want.lead_score_history);
    expect(got.score_runs).toEqual(want.score_runs);

    const again = await publishShards({ db: sharded, from: [dir], now: NOW });
    expect(again.rows).toBe(published.rows);
    expect(await tables(sharded)).toEqual(want);
  });

  it('a missing shard is refused (exit 3, saying which and how to fix it) and nothing is written', async () => {
    const db = copyDb(fx.db, 'publish-missing.duckdb');
    await scoreLeads(opts(db, { runId: 'before' }));
    const dir = path.join(fx.dir, 'publish-missing');
    await scoreShards(db, dir, 'nightly');
    fs.rmSync(path.join(dir, 'lead_scores-shard-3-of-4.parquet'));
    const before = sha(db);
    const snapshot = await tables(db);
    const r = await runLeadscore(['score', 'publish', '--db', db, '--from', dir]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /run nightly has 4 shards but 3\/4 is missing \(found 1, 2, 4 in .*\); nothing was published/,
    );
    expect(r.stderr).toMatch(
      /hint: score the missing shard \(leadscore score .*--run-id nightly --shard 3\/4 --out DIR\)/,
    );
    expect(r.stdout).toBe('');
    expect(sha(db)).toBe(before);
    expect(await tables(db)).toEqual(snapshot);
  });

  it('refuses a shard twice, shards of another run, a renamed shard and a foreign file, writing nothing', async () => {
    const db = copyDb(fx.db, 'publish-refused.duckdb');
    const dir = path.join(fx.dir, 'publish-refused');
    await scoreShards(db, dir, 'r1', 2);
    const before = sha(db);
    const refused = async (from: string[], message: RegExp) => {
      const r = await runLeadscore(['score', 'publish', '--db', db, ...from.flatMap((f) => ['--from', f])]);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(message);
      expect(sha(db)).toBe(before);
    };
    // the same shard in two folders
    const copy = path.join(fx.dir, 'publish-refused-copy');
    fs.mkdirSync(copy);
    fs.copyFileSync(path.join(dir, 'lead_scores-shard-2-of-2.parquet'), path.join(copy, 'shard-2.parquet'));
    await refused([dir, copy], /shard 2\/2 of run r1 is there twice: .*shard-2-of-2.parquet and .*shard-2.parquet/);
    // a stale shard of another run (another run id and as-of) beside this run's
    const other = path.join(fx.dir, 'publish-refused-other');
    await scoreLeads(opts(db, { outDir: other, shard: { k: 2, n: 2 }, runId: 'r0', asOf: EARLIER }));
    fs.copyFileSync(
      path.join(dir, 'lead_scores-shard-1-of-2.parquet'),
      path.join(other, 'lead_scores-shard-1-of-2.parquet'),
    );
    await refused(
      [other],
      /the shards are not from one run: run_id is "r1" in .* \(shard 1\/2\) but "r0" in .* \(shard 2\/2\)/,
    );
    // shards of another shard count
    const four = path.join(fx.dir, 'publish-refused-four');
    await scoreShards(db, four, 'r1', 4);
    fs.copyFileSync(
      path.join(dir, 'lead_scores-shard-1-of-2.parquet'),
      path.join(four, 'lead_scores-shard-1-of-2.parquet'),
    );
    await refused([four], /the files disagree on the shard count/);
    // a file that is not a leadscore shard
    const foreign = path.join(fx.dir, 'publish-refused-foreign');
    fs.mkdirSync(foreign);
    await withWarehouse(':memory:', (w) =>
      w.exportQuery(`SELECT 'L1' AS lead_id`, path.join(foreign, 'x.parquet'), 'parquet'),
    );
    await refused([foreign], /x.parquet is not a file of a leadscore scoring run/);
    // an empty folder, and a missing one
    const empty = path.join(fx.dir, 'publish-refused-empty');
    fs.mkdirSync(empty);
    await refused([empty], /no score shards in .*publish-refused-empty/);
    await refused([path.join(fx.dir, 'nope')], /--from .*nope: no such folder/);
    const usage = await runLeadscore(['score', 'publish', '--db', db]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/score publish needs --from DIR/);
  });

  it('a shard whose rows are not its own (renamed from another shard) is refused', async () => {
    const db = copyDb(fx.db, 'publish-renamed.duckdb');
    const dir = path.join(fx.dir, 'publish-renamed');
    await scoreShards(db, dir, 'r2', 2);
    // shard 1's rows written with shard 2's metadata: what a renamed or hand-merged file looks like
    await withWarehouse(':memory:', async (w) => {
      const meta = await w.all<{ k: string; v: string }>(
        `SELECT decode(key) AS k, decode(value) AS v
         FROM parquet_kv_metadata('${dir}/lead_scores-shard-2-of-2.parquet')`,
      );
      const kv = Object.fromEntries(meta.filter((m) => m.k.startsWith('leadscore.')).map((m) => [m.k, m.v]));
      await w.exportQuery(
        `SELECT * FROM read_parquet('${dir}/lead_scores-shard-1-of-2.parquet')`,
        path.join(dir, 'lead_scores-shard-2-of-2.parquet'),
        'parquet',
        kv,
      );
    });
    const before = sha(db);
    await expect(publishShards({ db, from: [dir], now: NOW })).rejects.toThrow(
      /says it is shard 2\/2 of run r2, but \d+ of its rows .* are not/,
    );
    expect(sha(db)).toBe(before);
  });
});

describe('--shard auto/n', () => {
  it('takes k from JOB_COMPLETION_INDEX (0-based), and says plainly when it is unset or out of range', () => {
    expect(parseShard('auto/4', { JOB_COMPLETION_INDEX: '0' })).toEqual({ k: 1, n: 4 });
    expect(parseShard('auto/4', { JOB_COMPLETION_INDEX: '3' })).toEqual({ k: 4, n: 4 });
    expect(parseShard('2/4', { JOB_COMPLETION_INDEX: '0' })).toEqual({ k: 2, n: 4 });
    expect(() => parseShard('auto/4', {})).toThrow(/takes its shard from JOB_COMPLETION_INDEX, which is not set/);
    expect(() => parseShard('auto/4', { JOB_COMPLETION_INDEX: '4' })).toThrow(
      /JOB_COMPLETION_INDEX is "4", not a shard of --shard auto\/4 \(0 to 3\)/,
    );
    expect(() => parseShard('auto/4', { JOB_COMPLETION_INDEX: 'x' })).toThrow(/JOB_COMPLETION_INDEX is "x"/);
  });

  it('an indexed job’s shards, scored by the CLI with the index in the environment, publish as one run', async () => {
    const db = copyDb(fx.db, 'publish-auto.duckdb');
    const dir = path.join(fx.dir, 'publish-auto');
    const saved = process.env.JOB_COMPLETION_INDEX;
    try {
      for (const index of ['0', '1', '2']) {
        process.env.JOB_COMPLETION_INDEX = index;
        const r = await runLeadscore([
          'score',
          '--db',
          db,
          '--models-dir',
          fx.modelsDir,
          '--model',
          'fixture',
          '--as-of',
          '2025-12-01',
          '--shard',
          'auto/3',
          '--out',
          dir,
        ]);
        expect(r.code, r.stderr).toBe(0);
      }
    } finally {
      if (saved === undefined) delete process.env.JOB_COMPLETION_INDEX;
      else process.env.JOB_COMPLETION_INDEX = saved;
    }
    expect(fs.readdirSync(dir).sort()).toEqual([1, 2, 3].map((k) => `lead_scores-shard-${k}-of-3.parquet`));
    // no --run-id: the shards' default id is named after the as-of, so they agree
    const r = await runLeadscore(['score', 'publish', '--db', db, '--from', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { run_id: string; shards: number; rows: number };
    expect(summary.run_id).toBe('score-asof-20251201T000000Z-of3');
    expect(summary.shards).toBe(3);
    await withWarehouse(db, async (w) => {
      expect(await w.count('lead_scores')).toBe(summary.rows);
      const runs = await w.all(`SELECT run_id, status, rows_scored, shard FROM score_runs`);
      expect(runs).toEqual([{ run_id: summary.run_id, status: 'succeeded', rows_scored: summary.rows, shard: null }]);
    });
  });
});
