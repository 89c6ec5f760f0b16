/**
 * Tables a command writes where the user names them (`features build --into`, `rules score --out`, and
 * train's own feature table). Such a name must never reach leadscore's own tables (the CRM data, the
 * scores, the run records, the registries) nor a table leadscore did not write: `--into leads` once
 * replaced 5,000 leads with 3,213 feature rows, and exited 0.
 *
 * Rules: a name is letters, digits and underscores; leadscore's own tables and registered flat tables
 * are refused always; a table a command wrote before (recorded in `output_tables`) is replaced; any
 * other existing table or view only with `--replace` (a view never). Names are compared without regard
 * to case, as DuckDB resolves them ("LEADS" is leads).
 */
import { UsageError } from '../errors.ts';
import { quoteLiteral, type Warehouse } from '../store/index.ts';

/** The registry of tables written by --into / --out, so the next run may replace them. */
export const OUTPUT_REGISTRY = 'output_tables';

/** leadscore's own tables: inputs, scores, run records, comparisons, monitoring, registries. */
export const OWN_TABLES: readonly string[] = [
  'leads',
  'activities',
  'outcomes',
  'rejected_rows',
  'flat_tables',
  'ingest_runs',
  'ingest_journal',
  'truth',
  'truth_snapshots',
  'lead_scores',
  'lead_score_history',
  'score_runs',
  'comparison_runs',
  'comparison_metrics',
  'comparison_bands',
  'comparison_leads',
  'comparison_agreement',
  'monitor_runs',
  'monitor_features',
  OUTPUT_REGISTRY,
];

const REGISTRY_DDL = `CREATE TABLE IF NOT EXISTS ${OUTPUT_REGISTRY} (
  name VARCHAR PRIMARY KEY,
  command VARCHAR NOT NULL,
  written_at TIMESTAMP NOT NULL
)`;

/** How a command names its output table, for messages: the flag and the command. */
export interface OutputTarget {
  /** e.g. '--into' */
  flag: string;
  /** e.g. 'features build' */
  command: string;
  /** the user passed --replace: an existing table leadscore did not write may be overwritten */
  replace: boolean;
  /**
   * columns that mark a table this command wrote before output_tables existed (a feature table's
   * lead_id, as_of, _max_event_at): such a table is replaced without --replace
   */
  signature?: readonly string[];
}

/** The columns every feature table leadscore builds has (see buildFeatureTable). */
export const FEATURE_TABLE_SIGNATURE = ['lead_id', 'as_of', '_max_event_at'] as const;

/** Refuse a name that is not a plain identifier or is one of leadscore's internal scratch names. */
export function checkOutputName(name: string, target: Pick<OutputTarget, 'flag'>): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name) || /^_*ls_/i.test(name)) {
    throw new UsageError(
      `${target.flag} "${name.slice(0, 64)}": a table name is letters, digits and underscores, starting with a ` +
        `letter (and not ls_ or _ls_, which leadscore keeps for scratch tables)`,
      `e.g. ${target.flag} feature_table`,
    );
  }
}

/**
 * Check that `name` may be written by this command; throws a UsageError (exit 2) saying why not and what
 * to do. Call before writing; call recordOutputTable after.
 */
export async function claimOutputTable(w: Warehouse, name: string, target: OutputTarget): Promise<void> {
  checkOutputName(name, target);
  const lower = name.toLowerCase();
  if (OWN_TABLES.includes(lower)) {
    throw new UsageError(
      `${target.flag} ${name}: "${lower}" is one of leadscore's own tables; ${target.command} will not write into it ` +
        '(not even with --replace)',
      `pick another name, e.g. ${target.flag} ${target.command.startsWith('rules') ? 'rule_scores' : 'feature_table'}`,
    );
  }
  if (await w.tableExists('flat_tables')) {
    const flat = await w.one(`SELECT 1 AS x FROM flat_tables WHERE lower(name) = ${quoteLiteral(lower)}`);
    if (flat)
      throw new UsageError(
        `${target.flag} ${name}: "${name}" is a flat table loaded by \`leadscore ingest --flat\`; ` +
          `${target.command} will not write into it`,
        `pick another name for ${target.flag}`,
      );
  }
  const existing = await w.one<{ type: string }>(
    `SELECT table_type AS type FROM information_schema.tables
     WHERE table_schema = 'main' AND lower(table_name) = ${quoteLiteral(lower)}`,
  );
  if (!existing) return;
  if (existing.type.toUpperCase().includes('VIEW'))
    throw new UsageError(`${target.flag} ${name}: "${name}" is a view`, `pick another name for ${target.flag}`);
  if (await writtenByLeadscore(w, lower)) return;
  if (target.signature && (await hasColumns(w, lower, target.signature))) return;
  if (target.replace) return;
  throw new UsageError(
    `${target.flag} ${name}: table "${name}" already exists and was not written by leadscore; ` +
      `${target.command} leaves it as it is`,
    `pass --replace to overwrite it, or pick another name for ${target.flag}`,
  );
}

/** Remember that `name` was written by `command`, so the next run may replace it. */
export async function recordOutputTable(w: Warehouse, name: string, command: string, now = new Date()): Promise<void> {
  await w.run(REGISTRY_DDL);
  await w.run(`INSERT OR REPLACE INTO ${OUTPUT_REGISTRY} VALUES ($1, $2, $3::TIMESTAMP)`, [
    name.toLowerCase(),
    command,
    now.toISOString().replace('T', ' ').replace('Z', ''),
  ]);
}

async function hasColumns(w: Warehouse, lower: string, columns: readonly string[]): Promise<boolean> {
  const have = await w.all<{ c: string }>(
    `SELECT lower(column_name) AS c FROM information_schema.columns
     WHERE table_schema = 'main' AND lower(table_name) = ${quoteLiteral(lower)}`,
  );
  const set = new Set(have.map((r) => r.c));
  return columns.every((c) => set.has(c));
}

async function writtenByLeadscore(w: Warehouse, lower: string): Promise<boolean> {
  if (!(await w.tableExists(OUTPUT_REGISTRY))) return false;
  return (await w.one(`SELECT 1 AS x FROM ${OUTPUT_REGISTRY} WHERE name = ${quoteLiteral(lower)}`)) !== undefined;
}
