import { DataError } from '../errors.ts';
import { quoteIdent, swapTable, type Warehouse } from '../store/index.ts';
import { activityPlan, compileFeatureQuery, type FeatureInputs } from './compile.ts';
import { evaluateExpressions } from './expr.ts';
import { featureInputsSql } from './inputs.ts';
import { createDatePairs } from './snapshots.ts';
import { validateActivityNames, type FeatureSpec } from './spec.ts';

/**
 * Aggregate states (pairs x activity features) per chunk of the feature query: about 615k pairs for the default
 * features, fewer for wide specs, so a chunk's join, sort and hash aggregate stay bounded however many leads there
 * are. The 3.8M snapshot rows of 1M leads (a table in the file) took 29.2-31.0 s in chunks of 153k pairs and
 * 21.2-23.7 s in chunks of 600k, at 2.8 instead of 4.5 GB peak, with the same rows; scoring's 950k (a TEMP table)
 * took 8.1 s either way.
 */
const CHUNK_CELLS = 16_000_000;

/** Options for buildFeatureTable. */
export interface BuildOptions {
  /** as_of dates (every lead created before each), or the name of a table of (lead_id, as_of) pairs */
  asOf: Date[] | string;
  /** label horizon in days (default: the spec's horizon_days) */
  horizonDays?: number;
  withLabels: boolean;
  /** 'open' (default): leave out leads already won before as_of; 'all': keep them */
  leads?: 'open' | 'all';
  /** output table (replaced atomically) */
  into: string;
  /** make `into` a TEMP table: scratch for this connection only, never written to the warehouse file (scoring) */
  temp?: boolean;
  /**
   * the pairs table (asOf as a table name) has an INTEGER `rn` per pair, kept as the output's `rn` column (see
   * CompileOptions.rowNumbers)
   */
  rowNumbers?: boolean;
  /** snapshot pairs per chunk of the feature query (default from CHUNK_CELLS; tests use small chunks) */
  pairsPerChunk?: number;
  /** called after each stage with its wall time in seconds (for progress and benchmarks) */
  onStage?: (stage: string, seconds: number) => void;
}

/**
 * Build a point-in-time feature table: lead_id, as_of, one column per feature (numeric DOUBLE with
 * NULL = missing, categorical VARCHAR), label (0/1, with labels) and `_max_event_at` (the latest
 * activity time that fed the row; always < as_of, checked here and by the audit).
 */
export async function buildFeatureTable(
  w: Warehouse,
  spec: FeatureSpec,
  opts: BuildOptions,
): Promise<{ rows: number; table: string }> {
  for (const t of ['leads', 'activities', 'outcomes']) {
    if (!(await w.tableExists(t)))
      throw new DataError(
        `warehouse ${w.path} has no "${t}" table`,
        'run `leadscore ingest` or `leadscore generate` first',
      );
  }
  let t0 = performance.now();
  const stage = (name: string) => {
    opts.onStage?.(name, (performance.now() - t0) / 1000);
    t0 = performance.now();
  };
  const present = (await w.all<{ t: string }>('SELECT DISTINCT activity_type AS t FROM activities')).map((r) => r.t);
  validateActivityNames(spec, present);
  stage('check activity names');

  const tag = opts.into.replace(/[^A-Za-z0-9_]/g, '_');
  const pairs = typeof opts.asOf === 'string' ? opts.asOf : `_ls_pairs_${tag}`;
  const exprTable = `_ls_expr_${tag}`;
  const staging = `_ls_staging_${tag}`;
  const inputs: FeatureInputs = {
    leads: `_ls_leads_${tag}`,
    pairs: `_ls_kept_${tag}`,
    activities: `_ls_acts_${tag}`,
    won: `_ls_won_${tag}`,
  };
  const cleanup = async () => {
    for (const t of [exprTable, staging, ...Object.values(inputs)])
      await w.run(`DROP TABLE IF EXISTS ${quoteIdent(t)}`);
    if (typeof opts.asOf !== 'string') await w.run(`DROP TABLE IF EXISTS ${quoteIdent(pairs)}`);
  };
  try {
    if (typeof opts.asOf === 'string') {
      // duckdb_columns() also sees temp tables, which information_schema filtered to main does not
      const cols = (
        await w.all<{ c: string }>(`SELECT column_name AS c FROM duckdb_columns() WHERE table_name = $1`, [opts.asOf])
      ).map((r) => r.c);
      if (!(cols.includes('lead_id') && cols.includes('as_of'))) {
        throw new DataError(
          `snapshot pairs table "${opts.asOf}" needs columns lead_id and as_of`,
          'create it with createDatePairs / createLeadAgePairs, or pass dates',
        );
      }
      if (opts.rowNumbers && !cols.includes('rn'))
        throw new DataError(
          `snapshot pairs table "${opts.asOf}" has no rn column, but rowNumbers was asked for`,
          'add an INTEGER rn (distinct per pair), or leave rowNumbers out',
        );
    } else if (opts.rowNumbers) {
      throw new DataError(
        'rowNumbers needs a pairs table with an rn column, not dates',
        'pass asOf as the name of a (lead_id, as_of, rn) table',
      );
    } else {
      await createDatePairs(w, opts.asOf, pairs);
    }
    stage('snapshot pairs');
    const hasExpr = await evaluateExpressions(w, spec, exprTable);
    stage('expressions (sandbox)');
    const compileOpts = {
      pairs,
      withLabels: opts.withLabels,
      horizonDays: opts.horizonDays ?? spec.horizon_days,
      leads: opts.leads ?? 'open',
      exprTable: hasExpr ? exprTable : undefined,
      activitySource: 'activities',
      rowNumbers: opts.rowNumbers,
    } as const;
    for (const sql of featureInputsSql(spec, compileOpts, inputs)) await w.run(sql);
    stage('feature inputs');
    const n = await w.one<{ pairs: number; leads: number }>(
      `SELECT count(*)::BIGINT AS pairs, coalesce(max(li), 0)::BIGINT AS leads FROM ${quoteIdent(inputs.pairs)}`,
    );
    // Chunks of leads by li range, each about pairsPerChunk pairs, so the per-chunk join, window sort and
    // aggregate stay the same size however many leads there are (one query over 1M leads grew 12x per 10x).
    const perChunk =
      opts.pairsPerChunk ?? Math.max(1000, Math.floor(CHUNK_CELLS / (activityPlan(spec).features.length + 1)));
    const chunks = Math.max(1, Math.ceil((n?.pairs ?? 0) / perChunk));
    const step = Math.max(1, Math.ceil((n?.leads ?? 0) / chunks));
    const writeChunks = async () => {
      for (let k = 0; k < chunks; k++) {
        // A chunk for the file is sorted by pair: sorted rows go through DuckDB's batch insert, which packs them into
        // full row groups but the last. Unsorted, each thread left a part-filled group per chunk, which the next
        // checkpoint merged by rewriting them: the close after a build at 1M leads took 4.3-4.6 s, and 0.4 s sorted.
        const sql =
          compileFeatureQuery(spec, compileOpts, inputs, { lo: k * step + 1, hi: (k + 1) * step }) +
          (opts.temp ? '' : '\nORDER BY b.bid');
        await w.run(
          k === 0
            ? `CREATE OR REPLACE ${opts.temp ? 'TEMP ' : ''}TABLE ${quoteIdent(staging)} AS ${sql}`
            : `INSERT INTO ${quoteIdent(staging)} ${sql}`,
        );
      }
    };
    // A table in the file gets its chunks in one transaction. Committed one by one, each chunk left partly filled row
    // groups that the next command to checkpoint the warehouse merged, rewriting the whole table (scoring paid 2.1 s
    // for training's 876k rows at 100k leads).
    if (opts.temp) await writeChunks();
    else await w.transaction(writeChunks);
    stage('feature query');
    // Point-in-time guard: no activity at or after as_of may have fed any row.
    const leak = await w.one<{ n: number }>(
      `SELECT count(*)::BIGINT AS n FROM ${quoteIdent(staging)} WHERE _max_event_at >= as_of`,
    );
    if ((leak?.n ?? 0) > 0) {
      throw new Error(`internal error: ${leak!.n} feature rows used activities at or after as_of`);
    }
    // built in chunks into staging (TEMP for a temp table), so a failed chunk leaves `into` as it was
    await swapTable(w, staging, opts.into);
    stage('point-in-time check + swap');
    return { rows: await w.count(opts.into), table: opts.into };
  } finally {
    await cleanup();
  }
}

/**
 * The time-travel check for a built table: rows whose features used an activity at or after their as_of (must be 0).
 */
export async function countFutureEvents(w: Warehouse, table: string): Promise<number> {
  const row = await w.one<{ n: number }>(
    `SELECT count(*)::BIGINT AS n FROM ${quoteIdent(table)} WHERE _max_event_at >= as_of`,
  );
  return row?.n ?? 0;
}
