/**
 * `leadscore score publish`: the Parquet shards of one run (written by `score --shard k/n --out DIR`, side by
 * side, from a read-only warehouse) brought home into lead_scores, lead_score_history and score_runs in one
 * transaction, exactly as if the run had been scored unsharded into the warehouse. Everything is checked
 * before anything is written; a refused set writes nothing.
 */
import { quoteIdent, requireWarehouse, Warehouse } from '../../store/index.ts';
import { HISTORY_COLUMNS, SCORE_COLUMNS } from '../tables.ts';
import { writeRun } from './publish.ts';
import { recordRunStart } from './run-record.ts';
import { checkShardSet, listShardFiles, loadShardRows, readShardFiles } from './shards.ts';
import { stageTrend, TREND_SELECT } from './staging.ts';
import type { FaultPoint } from './types.ts';

/** Options of `score publish`. */
export interface PublishShardsOptions {
  /** the warehouse to write */
  db: string;
  /** folders (or single Parquet files) holding the run's shards */
  from: string[];
  /** the clock, injected: only the CLI reads the wall clock */
  now: () => Date;
  onProgress?: (stage: string) => void;
  /** called at each fault point inside the transaction (tests) */
  atFaultPoint?: (point: FaultPoint) => void;
}

/** What a publish reports. */
export interface PublishSummary {
  run_id: string;
  rows: number;
  shards: number;
  files: string[];
  as_of: string;
  model: string;
  model_version: string;
  bands: Record<string, number>;
  /** runs found still marked running (died part-way), marked failed in the same transaction */
  marked_failed: string[];
  duration_s: number;
  output: string;
}

// TEMP tables live on this connection only, so fixed names cannot collide with another process
const TABLES = { rows: '_ls_publish_rows', ids: '_ls_publish_ids', trend: '_ls_publish_trend' };

/**
 * Publish shards 1..n of one run into the warehouse in one transaction (refusing a missing, duplicated or
 * foreign shard, and then writing nothing); publishing the same run again replaces it, as re-scoring would.
 */
export async function publishShards(opts: PublishShardsOptions): Promise<PublishSummary> {
  const t0 = performance.now();
  const progress = opts.onProgress ?? (() => undefined);
  const files = listShardFiles(opts.from);
  requireWarehouse(opts.db);
  const w = await Warehouse.open(opts.db, { create: false });
  try {
    progress(`checking ${files.length} file${files.length === 1 ? '' : 's'}`);
    const shards = await readShardFiles(w, files);
    const n = checkShardSet(shards);
    progress('loading the shards');
    const rows = await loadShardRows(w, shards, TABLES.rows);
    const id = shards[0].identity;
    const asOf = new Date(id.as_of);
    const r = quoteIdent(TABLES.rows);
    await w.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(TABLES.ids)} AS SELECT rn, lead_id FROM ${r}`);
    // the trend is the warehouse's as it is now, not as it was when the shards were scored
    await stageTrend(w, TABLES, asOf);
    const from = `${r} s JOIN ${quoteIdent(TABLES.ids)} i ON i.rn = s.rn`;
    const list = (cols: readonly string[]) =>
      cols.map((c) => `${TREND_SELECT[c] ?? `s.${quoteIdent(c)}`} AS ${quoteIdent(c)}`).join(', ');
    // the run started when its first shard did
    const startedAt = new Date(Math.min(...shards.map((s) => Date.parse(s.scored_at))));
    progress(`writing run ${id.run_id}: ${rows} rows (one transaction)`);
    const markedFailed = await w.transaction(async (tx) => {
      const run = { runId: id.run_id, model: id.model, modelVersion: id.model_version, asOf, shard: null };
      const dead = await recordRunStart(tx, { ...run, startedAt }, opts.now());
      await writeRun(
        tx,
        {
          ids: TABLES.ids,
          scores: `SELECT ${list(SCORE_COLUMNS)} FROM ${from} LEFT JOIN ${quoteIdent(TABLES.trend)} t ON t.rn = s.rn`,
          history: `SELECT ${list(HISTORY_COLUMNS)} FROM ${from}`,
        },
        { runId: id.run_id, rows, now: opts.now, atFaultPoint: opts.atFaultPoint ?? (() => undefined) },
      );
      return dead;
    });
    const bands = await w.all<{ band: string; n: number }>(
      `SELECT band, count(*)::BIGINT AS n FROM ${r} GROUP BY band ORDER BY band`,
    );
    return {
      run_id: id.run_id,
      rows,
      shards: n,
      files,
      as_of: asOf.toISOString(),
      model: id.model,
      model_version: id.model_version,
      bands: Object.fromEntries(bands.map((b) => [b.band, b.n])),
      marked_failed: markedFailed,
      duration_s: (performance.now() - t0) / 1000,
      output: 'warehouse',
    };
  } finally {
    for (const t of Object.values(TABLES)) await w.run(`DROP TABLE IF EXISTS ${quoteIdent(t)}`).catch(() => undefined);
    await w.close();
  }
}
