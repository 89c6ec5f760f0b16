/**
 * Reasons JSON assembled by DuckDB. A run stages, per row and reason slot, a phrase id and the rounded
 * weight (numbers, copied as whole blocks), and the run's few thousand distinct phrases once; DuckDB
 * concatenates each row's JSON while it inserts. Building and handing over a million ~500-byte strings
 * from JavaScript cost more than all the models' arithmetic.
 */
import { DataError } from '../errors.ts';
import type { ReasonPhrases, ReasonRanking } from '../models/reasons.ts';
import { quoteIdent } from '../store/index.ts';
import type { AppendColumn } from '../store/index.ts';

const SIDES = [
  ['up', 'upWeight'],
  ['down', 'downWeight'],
] as const;

/** Staged column names and types for k reasons each way: phrase id and weight per slot. */
export function reasonColumnTypes(k: number): [name: string, type: string][] {
  return SIDES.flatMap(([side]) =>
    range(k).flatMap((s): [string, string][] => [
      [`${side}_phrase${s}`, 'INTEGER'],
      [`${side}_weight${s}`, 'DOUBLE'],
    ]),
  );
}

/**
 * Rows [from, to) of the reason columns: phrase id (-1: none) and the weight rounded as the JSON
 * shows it (NaN, stored NULL, where there is no reason).
 */
export function reasonColumns(
  phrases: ReasonPhrases,
  ranking: ReasonRanking,
  from: number,
  to: number,
  round: (w: number) => number,
): AppendColumn[] {
  const { k } = phrases;
  const n = to - from;
  const out: AppendColumn[] = [];
  for (const [side, weightKey] of SIDES) {
    const ids = phrases[side];
    const weights = ranking[weightKey];
    for (let s = 0; s < k; s++) {
      const id = new Int32Array(n);
      const weight = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const at = (from + i) * k + s;
        id[i] = ids[at];
        if (ids[at] < 0) {
          weight[i] = NaN;
          continue;
        }
        const w = round(weights[at]);
        // DuckDB prints these exactly as JSON.stringify does (tested); beyond, notation differs
        if (!(Math.abs(w) < 1e14))
          throw new DataError(
            `reason weight ${w} (row ${from + i}) is out of range`,
            'the model has degenerate coefficients: retrain it',
          );
        weight[i] = w;
      }
      out.push(
        { name: `${side}_phrase${s}`, type: 'INTEGER', values: id },
        { name: `${side}_weight${s}`, type: 'DOUBLE', values: weight },
      );
    }
  }
  return out;
}

/**
 * DDL of the phrase table the JSON joins: `s` (phrase) and `sc` (`},` + phrase, for the slots after the first), by id.
 */
export function phraseTableDdl(table: string, phrasesTable: string): string {
  return `CREATE OR REPLACE TEMP TABLE ${quoteIdent(table)} AS SELECT id, s, '},' || s AS sc FROM ${quoteIdent(phrasesTable)}`;
}

/**
 * The joins giving staged row `row` its phrases from `table` (made by phraseTableDdl), one per slot,
 * as aliases reasonsJsonSql reads. Hash joins on a few thousand phrases: a list of all phrases on
 * every row instead was copied row by row, and ran out of memory at a million rows.
 */
export function reasonsJoinSql(k: number, row: string, table: string): string {
  return ['up', 'down']
    .flatMap((side) =>
      range(k).map(
        (s) => `LEFT JOIN ${quoteIdent(table)} ${alias(side, s)} ON ${alias(side, s)}.id = ${row}.${side}_phrase${s}`,
      ),
    )
    .join(' ');
}

/**
 * The JSON text of staged row `row` (its phrases joined by reasonsJoinSql): byte for byte what
 * reasonsJson gives. One concat call (it skips NULLs): absent slots have no phrase and a NULL weight.
 */
export function reasonsJsonSql(k: number, row: string): string {
  const weight = (c: string) => `CASE WHEN ${c} = trunc(${c}) THEN ${c}::BIGINT::VARCHAR ELSE ${c}::VARCHAR END`;
  const side = (name: string) =>
    k === 0
      ? []
      : [
          ...range(k).flatMap((s) => [
            `${alias(name, s)}.${s === 0 ? 's' : 'sc'}`,
            weight(`${row}.${name}_weight${s}`),
          ]),
          `CASE WHEN ${row}.${name}_phrase0 >= 0 THEN '}' END`,
        ];
  return `concat('{"up":[', ${[...side('up'), `'],"down":['`, ...side('down')].join(', ')}, ']}')::JSON`;
}

const alias = (side: string, slot: number) => `_reason_${side}${slot}`;

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
