/**
 * Reasons JSON assembled by DuckDB. A run stages, per row and reason slot, a phrase id and the rounded
 * weight (numbers, copied as whole blocks), and the run's distinct phrases once; DuckDB concatenates each
 * row's JSON array while it inserts. Building and handing over a million ~500-byte strings from
 * JavaScript cost more than all the models' arithmetic.
 */
import { DataError } from '../errors.ts';
import type { ReasonPhrases } from '../models/reasons.ts';
import { quoteIdent } from '../store/index.ts';
import type { AppendColumn } from '../store/index.ts';

/** Staged column names and types for `slots` reasons per row: phrase id and weight per slot. */
export function reasonColumnTypes(slots: number): [name: string, type: string][] {
  return range(slots).flatMap((s): [string, string][] => [
    [`reason_phrase${s}`, 'INTEGER'],
    [`reason_weight${s}`, 'DOUBLE'],
  ]);
}

/**
 * Rows [from, to) of the reason columns: phrase id (-1: none) and the weight rounded as the JSON shows it (NaN,
 * stored NULL, where there is no reason). `firstRow`: the run's row of the phrases' row 0 (for messages).
 */
export function reasonColumns(
  phrases: ReasonPhrases,
  from: number,
  to: number,
  round: (w: number) => number,
  firstRow = 0,
): AppendColumn[] {
  const { slots, ids, weights } = phrases;
  const n = to - from;
  const out: AppendColumn[] = [];
  for (let s = 0; s < slots; s++) {
    const id = new Int32Array(n);
    const weight = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const at = (from + i) * slots + s;
      id[i] = ids[at];
      if (ids[at] < 0) {
        weight[i] = NaN;
        continue;
      }
      const w = round(weights[at]);
      // DuckDB prints these exactly as JSON.stringify does (tested); beyond, notation differs
      if (!(Math.abs(w) < 1e14))
        throw new DataError(
          `reason weight ${w} (row ${firstRow + from + i}) is out of range`,
          'the model has degenerate coefficients: retrain it',
        );
      weight[i] = w;
    }
    out.push(
      { name: `reason_phrase${s}`, type: 'INTEGER', values: id },
      { name: `reason_weight${s}`, type: 'DOUBLE', values: weight },
    );
  }
  return out;
}

/**
 * DDL of the phrase table the JSON joins: `s` (phrase) and `sc` (`},` + phrase, for the slots after the first), by id.
 */
export function phraseTableDdl(table: string, phrasesTable: string): string {
  return `CREATE OR REPLACE TEMP TABLE ${quoteIdent(table)} AS ${phraseJoinSelect(phrasesTable, 0)}`;
}

/** The phrases from id `fromId` on, added to a phrase table made by phraseTableDdl (a run stages them part by part). */
export function phraseTableAddSql(table: string, phrasesTable: string, fromId: number): string {
  return `INSERT INTO ${quoteIdent(table)} ${phraseJoinSelect(phrasesTable, fromId)}`;
}

function phraseJoinSelect(phrasesTable: string, fromId: number): string {
  return `SELECT id, s, '},' || s AS sc FROM ${quoteIdent(phrasesTable)} WHERE id >= ${Math.trunc(fromId)}`;
}

/**
 * The joins giving staged row `row` its phrases from `table` (made by phraseTableDdl), one per slot, as aliases
 * reasonsJsonSql reads. Hash joins on a few thousand phrases: a list of all phrases on every row instead was copied
 * row by row, and ran out of memory at a million rows.
 */
export function reasonsJoinSql(slots: number, row: string, table: string): string {
  return range(slots)
    .map((s) => `LEFT JOIN ${quoteIdent(table)} ${alias(s)} ON ${alias(s)}.id = ${row}.reason_phrase${s}`)
    .join(' ');
}

/**
 * The JSON text of staged row `row` (its phrases joined by reasonsJoinSql): byte for byte what reasonsJson gives.
 * One concat call (it skips NULLs): absent slots have no phrase and a NULL weight.
 */
export function reasonsJsonSql(slots: number, row: string): string {
  const weight = (c: string) => `CASE WHEN ${c} = trunc(${c}) THEN ${c}::BIGINT::VARCHAR ELSE ${c}::VARCHAR END`;
  if (slots === 0) return `'[]'::JSON`;
  const parts = [
    ...range(slots).flatMap((s) => [`${alias(s)}.${s === 0 ? 's' : 'sc'}`, weight(`${row}.reason_weight${s}`)]),
    `CASE WHEN ${row}.reason_phrase0 >= 0 THEN '}' END`,
  ];
  return `concat('[', ${parts.join(', ')}, ']')::JSON`;
}

const alias = (slot: number) => `_reason${slot}`;

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
