import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../errors.ts';
import { LEAD_COLUMNS } from '../schema/index.ts';
import { Warehouse, disableExternalAccess, quoteIdent, type AppendColumn } from '../store/index.ts';
import { activeFeatures, specSource, type FeatureDef, type FeatureSpec } from './spec.ts';

type ExprDef = Extract<FeatureDef, { type: 'expr' }>;

/**
 * The escape hatch: `type: expr` features are DuckDB SQL expressions over a lead's row. They run in a
 * SEPARATE in-memory DuckDB that holds only a copy of the lead columns they mention, with external
 * access disabled and the configuration locked — so an expression cannot read files (read_csv,
 * read_parquet...), attach databases, or see any other table. Results are copied back by lead_id.
 */

/**
 * Evaluate every expr feature once per lead into table `into` (lead_id, one column per feature); returns false if none.
 */
export async function evaluateExpressions(w: Warehouse, spec: FeatureSpec, into: string): Promise<boolean> {
  const exprs = activeFeatures(spec).filter((f): f is ExprDef => f.type === 'expr');
  if (exprs.length === 0) return false;
  const file = specSource(spec);
  const mentioned = LEAD_COLUMNS.map((c) => c.name).filter(
    (c) => c !== 'lead_id' && exprs.some((e) => new RegExp(`\\b${c}\\b`, 'i').test(e.sql)),
  );
  const cols = ['lead_id', ...mentioned];

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-expr-'));
  const copy = path.join(dir, 'leads.parquet');
  const sandbox = await Warehouse.open(':memory:', { threads: 2 });
  try {
    await w.exportQuery(`SELECT ${cols.map(quoteIdent).join(', ')} FROM leads ORDER BY lead_id`, copy, 'parquet');
    await sandbox.run(`CREATE TABLE leads AS SELECT * FROM read_parquet('${copy.replaceAll("'", "''")}')`);
    await disableExternalAccess(sandbox);
    // Rows travel back by position in lead_id order (both sides sort the same ids the same way), so
    // no lead_id strings pass through JS: only the values, tagged with their row number.
    const n = (await sandbox.one<{ n: number }>('SELECT count(*)::BIGINT AS n FROM leads'))?.n ?? 0;
    const out: AppendColumn[] = [
      { name: '_rn', type: 'INTEGER', values: Int32Array.from({ length: n }, (_, i) => i + 1) },
    ];
    for (const f of exprs) {
      const i = spec.features.indexOf(f);
      const type = f.kind === 'numeric' ? 'DOUBLE' : 'VARCHAR';
      let values: ArrayLike<unknown>;
      try {
        const sql = `SELECT CAST((${f.sql}) AS ${type}) AS v FROM leads ORDER BY lead_id`;
        // numbers come back as one typed array (NULL as NaN), which the append copies as a block
        values = type === 'DOUBLE' ? (await sandbox.numericColumns(sql)).v : (await sandbox.columns(sql)).v;
      } catch (err) {
        const msg = (err as Error).message.split('\n')[0];
        throw new ConfigError(
          `${file}: features[${i}] (${f.name}).sql: the expression failed: ${msg}`,
          /external|permission|disabled/i.test(msg)
            ? 'expressions may only use the lead row (columns: ' +
                LEAD_COLUMNS.map((c) => c.name).join(', ') +
                '); file and network functions are disabled'
            : `write one DuckDB expression over the lead columns ` +
                `(${LEAD_COLUMNS.map((c) => c.name).join(', ')}), e.g. "length(company) > 20"`,
        );
      }
      out.push({ name: f.name, type, values });
    }
    const values = `${into}_values`;
    // TEMP: scratch for this connection's feature query, never written to the warehouse file
    await w.run(
      `CREATE OR REPLACE TEMP TABLE ${quoteIdent(values)} ` +
        `(${out.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ')})`,
    );
    try {
      await w.appendColumns(values, out);
      await w.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(into)} AS
        SELECT l.lead_id, ${exprs.map((f) => `v.${quoteIdent(f.name)}`).join(', ')}
        FROM (SELECT lead_id, row_number() OVER (ORDER BY lead_id) AS _rn FROM leads) l JOIN
          ${quoteIdent(values)} v ON v._rn = l._rn`);
    } finally {
      await w.run(`DROP TABLE IF EXISTS ${quoteIdent(values)}`);
    }
    return true;
  } finally {
    await sandbox.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
