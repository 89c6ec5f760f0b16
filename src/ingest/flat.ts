import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { closestName, DataError, UsageError } from '../errors.ts';
import { formatOf, quoteIdent, quoteLiteral, readFileSql, type Warehouse } from '../store/index.ts';
import { NEGATIVE_LABELS, POSITIVE_LABELS } from '../schema/index.ts';
import { ensureCanonicalTables, ensureFlatRegistry } from './canonical.ts';
import { problemsSql, shown, type Check } from './checks.ts';
import { endQuarantine, reasonKinds, reasonsFor, rejectSamples, startQuarantine, writeRejects } from './quarantine.ts';
import { checkSourceFile, cleanTextSql, readError, type Source } from './source.ts';
import { checkRejectRate, checkRejects } from './limits.ts';
import type { FlatIngestOptions, FlatIngestReport } from './types.ts';

const RESERVED = new Set(['leads', 'activities', 'outcomes', 'rejected_rows', 'flat_tables']);
const HELPERS = ['__ls_row', '__ls_id', '__ls_t', '__ls_first', '__ls_target', '__ls_bad'];

/** SQL: does lower-cased text `v` equal one of `values` (numerically too, so 1.0 matches "1")? */
function matchesSql(v: string, values: string[]): string {
  const texts = values.map((x) => quoteLiteral(x.toLowerCase()));
  const nums = values.map(Number).filter((n, i) => values[i].trim() !== '' && Number.isFinite(n));
  const parts = [`${v} IN (${texts.join(', ')})`];
  if (nums.length) parts.push(`TRY_CAST(${v} AS DOUBLE) IN (${nums.join(', ')})`);
  return `(${parts.join(' OR ')})`;
}

/**
 * Load a flat table (one row per lead, an id column, a target column) as table `name`: every
 * original column kept (types inferred by DuckDB), plus `target` normalized to 1/0. Rows with a
 * missing or duplicate id (first occurrence wins) or a target that is neither positive nor negative
 * go to rejected_rows. The table is replaced whole (re-ingesting gives the same rows) and recorded in
 * `flat_tables`, all in one transaction.
 */
export async function ingestFlat(w: Warehouse, opts: FlatIngestOptions): Promise<FlatIngestReport> {
  const say = opts.onProgress ?? (() => undefined);
  const runId = opts.runId ?? randomUUID();
  const now = opts.now ?? new Date();
  const name = opts.name;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || name.startsWith('__ls_')) {
    throw new UsageError(
      `table name "${name}" must be letters, digits and underscores, starting with a letter`,
      'e.g. --name x_education',
    );
  }
  if (RESERVED.has(name.toLowerCase()))
    throw new UsageError(`table name "${name}" is reserved for leadscore's own tables`, 'choose another --name');
  const positive = (opts.positive ?? [...POSITIVE_LABELS]).map((s) => s.trim()).filter(Boolean);
  const negative = opts.negative ?? (opts.positive ? undefined : [...NEGATIVE_LABELS]);
  if (positive.length === 0)
    throw new UsageError('--positive needs at least one value, e.g. --positive yes,1,true,won');

  // fatal checks first
  checkSourceFile(opts.file, 'flat');
  const format = formatOf(opts.file);
  const src: Source = {
    file: path.resolve(opts.file),
    shown: opts.file,
    format,
    columns: [],
    tag: 'flat',
    skipped: [],
  };
  const reader = readFileSql(src.file, format);
  let read: number;
  try {
    const desc = await w.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${reader}`);
    src.columns = desc.map((r) => ({ name: r.column_name, type: r.column_type }));
    read = Number((await w.one<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM ${reader}`))?.n ?? 0);
  } catch (err) {
    throw readError(err, src, 'flat');
  }
  const found = src.columns.map((c) => c.name);
  for (const [flag, col] of [
    ['--id', opts.idColumn],
    ['--target', opts.targetColumn],
  ] as const) {
    if (!found.includes(col)) {
      const near = closestName(col, found);
      throw new DataError(
        `flat file ${opts.file} has no column "${col}" (${flag}). Columns found: ${found.join(', ')}`,
        near ? `did you mean ${flag} "${near}"?` : `pass ${flag} with one of the columns above`,
      );
    }
  }
  const clash = found.find((c) => c.toLowerCase() === 'target' && c !== opts.targetColumn);
  if (clash)
    throw new DataError(
      `flat file ${opts.file} already has a column "${clash}" that is not the target`,
      'rename it in the file: the normalized 0/1 label is written to a column called target',
    );
  const helperClash = found.find((c) => HELPERS.includes(c.toLowerCase()));
  if (helperClash)
    throw new DataError(
      `flat file ${opts.file} has a column named "${helperClash}", which leadscore uses internally`,
      'rename that column',
    );
  if (read === 0) throw new DataError(`flat file ${opts.file} has a header but no data rows`, 'export the data again');
  say(`${name}: ${read} rows in ${opts.file} (${format})`);

  const id = quoteIdent(opts.idColumn);
  const tgt = quoteIdent(opts.targetColumn);
  const pos = matchesSql('__ls_t', positive);
  const neg = negative ? matchesSql('__ls_t', negative) : '__ls_t IS NOT NULL';
  const expected = `one of ${positive.join(', ')} (positive)${negative ? ` or ${negative.join(', ')} (negative)` : ''}`;
  const checks: Check[] = [
    {
      column: opts.idColumn,
      kind: 'missing',
      when: `__ls_id IS NULL`,
      message: quoteLiteral(`${opts.idColumn}: missing (an id is required)`),
    },
    {
      column: opts.idColumn,
      kind: 'duplicate',
      when: `__ls_first < __ls_row`,
      message:
        `${quoteLiteral(`${opts.idColumn}: duplicate of row `)} || __ls_first || ' in this file (the ` +
        `first occurrence is kept)'`,
    },
    {
      column: opts.targetColumn,
      kind: 'missing',
      when: `__ls_t IS NULL`,
      message: quoteLiteral(`${opts.targetColumn}: missing (must be ${expected})`),
    },
    {
      column: opts.targetColumn,
      kind: 'not_allowed',
      when: `__ls_t IS NOT NULL AND __ls_target IS NULL`,
      message:
        `${quoteLiteral(`${opts.targetColumn}: `)} || ${shown(`CAST(${tgt} AS VARCHAR)`)} || ` +
        `${quoteLiteral(` is not ${expected}`)}`,
    },
  ];
  const bad = checks.map((k) => `coalesce(${k.when}, false)`).join(' OR ');
  const checked = `(SELECT *, (${bad}) AS __ls_bad FROM (
    SELECT *, CASE WHEN __ls_id IS NOT NULL THEN min(__ls_row) OVER (PARTITION BY __ls_id) END AS __ls_first,
      CASE WHEN ${pos} THEN 1 WHEN ${neg} THEN 0 END AS __ls_target FROM (
      SELECT *, ${cleanTextSql(`CAST(${id} AS VARCHAR)`)} AS __ls_id,
        lower(${cleanTextSql(`CAST(${tgt} AS VARCHAR)`)}) AS __ls_t
      FROM (SELECT row_number() OVER () AS __ls_row, * FROM ${reader}))))`;
  const rawPairs = src.columns.map((c) => `${quoteLiteral(c.name)}, CAST(${quoteIdent(c.name)} AS VARCHAR)`);
  const rawRow = `json_object(${rawPairs.join(', ')})`;
  const exclude = `EXCLUDE (${HELPERS.join(', ')})`;
  const keep =
    opts.targetColumn === 'target'
      ? `* ${exclude} REPLACE (__ls_target::INTEGER AS target)`
      : `* ${exclude}, __ls_target::INTEGER AS target`;

  await startQuarantine(w);
  try {
    return await w.transaction(async (tx) => {
      await ensureCanonicalTables(tx);
      await ensureFlatRegistry(tx);
      const registered = await tx.one(`SELECT 1 AS x FROM flat_tables WHERE name = $1`, [name]);
      if (!registered && (await tx.tableExists(name))) {
        throw new DataError(
          `table "${name}" already exists in the warehouse and was not written by a flat ingest`,
          'choose another --name; leadscore will not overwrite it',
        );
      }
      await tx.run(
        `INSERT INTO __ls_rejects SELECT ${quoteLiteral(name)}, ${quoteLiteral(src.file)}, __ls_row, ` +
          `${problemsSql(checks)}, ${rawRow} FROM ${checked} WHERE __ls_bad`,
      );
      const rejected = await tx.count('__ls_rejects');
      say(`${name}: validated, ${rejected} rejected`);
      const report: FlatIngestReport = {
        run_id: runId,
        table: name,
        source_file: src.file,
        read,
        loaded: read - rejected,
        rejected,
        positives: 0,
        reasons: await reasonsFor(tx, name),
        rejected_by_reason: await reasonKinds(tx),
        samples: await rejectSamples(tx, 10),
      };
      checkRejects({ ...report, table: name, skipped: {} }, checkRejectRate(opts.maxRejectRate), report.samples);
      if (opts.strict && rejected > 0) {
        const lines = report.samples.map((s) => `  row ${s.row_number}: ${s.reason}`);
        throw new DataError(
          `--strict: ${rejected} row(s) rejected, so nothing was written:\n${lines.join('\n')}`,
          'fix these rows, or run without --strict',
        );
      }
      const staging = `__ls_flat_${name}`;
      await tx.run(
        `CREATE OR REPLACE TABLE ${quoteIdent(staging)} AS SELECT ${keep} FROM ${checked} WHERE NOT __ls_bad ` +
          `ORDER BY __ls_row`,
      );
      await tx.run(`DROP TABLE IF EXISTS ${quoteIdent(name)}`);
      await tx.run(`ALTER TABLE ${quoteIdent(staging)} RENAME TO ${quoteIdent(name)}`);
      report.positives = await tx.count(name, 'target = 1');
      await tx.run(
        `INSERT OR REPLACE INTO flat_tables VALUES ($1, $2, $3, ` +
          `${`[${positive.map(quoteLiteral).join(', ')}]`}, $4, $5, $6, $7::TIMESTAMP)`,
        [
          name,
          opts.idColumn,
          opts.targetColumn,
          src.file,
          report.loaded,
          runId,
          now.toISOString().replace('T', ' ').replace('Z', ''),
        ],
      );
      await writeRejects(tx, runId, now, [{ file: src.file, table: name }]);
      say(`${name}: ${report.loaded} rows written (${report.positives} positive), ${rejected} rejected`);
      return report;
    });
  } finally {
    await endQuarantine(w);
  }
}
