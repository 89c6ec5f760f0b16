/**
 * The tables the pipelines write into the warehouse: scores (latest and history), run bookkeeping,
 * comparisons and monitoring. Created on demand; never dropped by a pipeline.
 */

/**
 * Columns of lead_scores, with their types; lead_score_history has all but the reasons and the trend (previous
 * score and changes), which lead_scores carries for the latest run.
 */
const SCORE_COLUMN_TYPES = [
  ['lead_id', 'VARCHAR NOT NULL'],
  ['as_of', 'TIMESTAMP NOT NULL'],
  ['scored_at', 'TIMESTAMP NOT NULL'],
  ['model', 'VARCHAR NOT NULL'],
  ['model_version', 'VARCHAR NOT NULL'],
  ['run_id', 'VARCHAR NOT NULL'],
  ['probability', 'DOUBLE NOT NULL'],
  ['score', 'INTEGER NOT NULL'],
  ['percentile', 'DOUBLE'],
  ['band', 'VARCHAR NOT NULL'],
  ['grade', 'VARCHAR'],
  ['rule_score', 'DOUBLE'],
  ['rule_band', 'VARCHAR'],
  ['reasons', 'JSON'],
  // the trend, from earlier runs (NULL when there is none to compare with): the score of the latest run before this
  // one's as_of, its date, the change since then, and the change since the latest run 7 to 14 days before
  ['previous_score', 'INTEGER'],
  ['previous_as_of', 'TIMESTAMP'],
  ['score_change', 'INTEGER'],
  ['score_change_7d', 'INTEGER'],
] as const;

/** The trend columns of lead_scores (not in lead_score_history). */
export const TREND_COLUMNS = ['previous_score', 'previous_as_of', 'score_change', 'score_change_7d'] as const;

/** Column order of lead_scores. */
export const SCORE_COLUMNS = SCORE_COLUMN_TYPES.map(([name]) => name);

/**
 * Columns of lead_score_history: the score columns without `reasons`. History is for trends (score,
 * band, grade over runs); copying every lead's reasons text (~0.5 kB) into it on every run would grow
 * it by ~0.5 GB per nightly run of 1M leads and double the cost of publishing. Reasons live in lead_scores.
 */
export const HISTORY_COLUMNS = SCORE_COLUMNS.filter(
  (c) => c !== 'reasons' && !(TREND_COLUMNS as readonly string[]).includes(c),
);

/**
 * DDL for a table with the score columns (`name` must already be quoted); lead_scores keys on lead_id;
 * withReasons false: the history's columns (no reasons, no trend).
 */
export function scoreTableDdl(
  quotedName: string,
  opts: { primaryKey?: boolean; ifNotExists?: boolean; withReasons?: boolean } = {},
): string {
  const history = opts.withReasons === false;
  const cols = SCORE_COLUMN_TYPES.filter(([n]) => !history || (HISTORY_COLUMNS as readonly string[]).includes(n))
    .map(([n, t]) => `  ${n} ${t}`)
    .join(',\n');
  const key = opts.primaryKey ? ',\n  PRIMARY KEY (lead_id)' : '';
  return `CREATE TABLE ${opts.ifNotExists ? 'IF NOT EXISTS ' : ''}${quotedName} (\n${cols}${key}\n)`;
}

/** Latest score per lead, its history (append-only, one row per lead per run) and the runs themselves. */
export const SCORE_DDL = `
CREATE TABLE IF NOT EXISTS score_runs (
  run_id VARCHAR PRIMARY KEY,
  started_at TIMESTAMP NOT NULL,
  ended_at TIMESTAMP,
  status VARCHAR NOT NULL,
  rows_scored BIGINT,
  model VARCHAR NOT NULL,
  model_version VARCHAR NOT NULL,
  as_of TIMESTAMP NOT NULL,
  duration_s DOUBLE,
  shard VARCHAR,
  error_message VARCHAR
);
${scoreTableDdl('lead_scores', { primaryKey: true, ifNotExists: true })};
${scoreTableDdl('lead_score_history', { ifNotExists: true, withReasons: false })};
${SCORE_COLUMN_TYPES.filter(([n]) => (TREND_COLUMNS as readonly string[]).includes(n))
  .map(([n, t]) => `ALTER TABLE lead_scores ADD COLUMN IF NOT EXISTS ${n} ${t};`)
  .join('\n')}
`;

/** Comparison results: one run row, metrics per scorer, conversion by band, the agreement matrix. */
export const COMPARISON_DDL = `
CREATE TABLE IF NOT EXISTS comparison_runs (
  run_id VARCHAR PRIMARY KEY,
  created_at TIMESTAMP NOT NULL,
  as_of TIMESTAMP NOT NULL,
  horizon_days INTEGER NOT NULL,
  model VARCHAR NOT NULL,
  model_version VARCHAR NOT NULL,
  rules_file VARCHAR,
  n_leads BIGINT NOT NULL,
  n_converted BIGINT NOT NULL,
  report_path VARCHAR,
  summary JSON
);
CREATE TABLE IF NOT EXISTS comparison_metrics (
  run_id VARCHAR NOT NULL,
  scorer VARCHAR NOT NULL,
  metric VARCHAR NOT NULL,
  value DOUBLE
);
CREATE TABLE IF NOT EXISTS comparison_bands (
  run_id VARCHAR NOT NULL,
  scorer VARCHAR NOT NULL,
  band VARCHAR NOT NULL,
  leads BIGINT NOT NULL,
  converted BIGINT NOT NULL,
  rate DOUBLE
);
CREATE TABLE IF NOT EXISTS comparison_leads (
  run_id VARCHAR NOT NULL,
  lead_id VARCHAR NOT NULL,
  converted INTEGER NOT NULL,
  rule_score DOUBLE,
  rule_band VARCHAR,
  rule_probability DOUBLE,
  probability DOUBLE,
  predictive_score INTEGER,
  predictive_band VARCHAR
);
CREATE TABLE IF NOT EXISTS comparison_agreement (
  run_id VARCHAR NOT NULL,
  rule_band VARCHAR NOT NULL,
  predictive_band VARCHAR NOT NULL,
  leads BIGINT NOT NULL,
  converted BIGINT NOT NULL,
  rate DOUBLE
);
`;

/** Drift monitoring: one row per run, one row per feature (and the score) per run. */
export const MONITOR_DDL = `
CREATE TABLE IF NOT EXISTS monitor_runs (
  run_id VARCHAR PRIMARY KEY,
  created_at TIMESTAMP NOT NULL,
  model VARCHAR NOT NULL,
  model_version VARCHAR NOT NULL,
  score_run_id VARCHAR,
  score_psi DOUBLE,
  drifted_features INTEGER,
  calibration_ece DOUBLE,
  calibration_rows BIGINT,
  status VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS monitor_features (
  run_id VARCHAR NOT NULL,
  feature VARCHAR NOT NULL,
  psi DOUBLE,
  threshold DOUBLE,
  drifted BOOLEAN
);
`;
