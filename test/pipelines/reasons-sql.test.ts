import { describe, expect, it } from 'vitest';
import { Warehouse } from '../../src/store/index.ts';
import { rankFactors, reasonPhrases, reasonsJson } from '../../src/models/reasons.ts';
import {
  phraseTableDdl,
  reasonColumns,
  reasonColumnTypes,
  reasonsJoinSql,
  reasonsJsonSql,
} from '../../src/pipelines/reasons-sql.ts';

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

describe('reasons JSON assembled by DuckDB', () => {
  it('is byte for byte the text reasonsJson builds in JavaScript, for any k, weights and phrases', async () => {
    let seed = 11;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const rows = 3000;
    const factors = ['a', 'b', 'c "q"', 'd', 'e\\', 'f'];
    const cols = factors.length;
    // weights of every kind the JSON can show: integers (1, -2), exact zeros, 4 decimals, large, tiny
    const scales = [1, 3, 0.0004, 250, 1e6];
    const values = Float64Array.from({ length: rows * cols }, (_, i) =>
      i % 17 === 0 ? Math.round((rand() - 0.5) * 8) : (rand() - 0.5) * 2 * scales[Math.floor(rand() * scales.length)],
    );
    const pool = [0, -0, NaN, null, 1, 2.5, 'x', 'y\n"z"', 'ünïcode ✓'];
    const raw = factors.map(() => Array.from({ length: rows }, () => pool[Math.floor(rand() * pool.length)]));
    const source = {
      text: (f: number, i: number) => {
        const v = raw[f][i];
        return `${factors[f]}: ${Object.is(v, -0) ? 'minus zero' : String(v)} é`;
      },
      key: (f: number, i: number) => (Object.is(raw[f][i], -0) ? '-0' : String(raw[f][i])),
    };
    const w = await Warehouse.open(':memory:');
    try {
      for (const k of [0, 1, 3, 5]) {
        const ranking = rankFactors({ values, rows, factors, k, minAbsWeight: 0 });
        const phrases = reasonPhrases(ranking, rows, source);
        const want = reasonsJson(phrases, rows, r4);
        await w.run(`CREATE OR REPLACE TABLE phrases (id INTEGER, s VARCHAR)`);
        await w.appendColumns('phrases', [
          { name: 'id', type: 'INTEGER', values: Int32Array.from(phrases.phrases, (_, i) => i) },
          { name: 's', type: 'VARCHAR', values: phrases.phrases },
        ]);
        await w.run(phraseTableDdl('phrase_join', 'phrases'));
        const types = [['rn', 'INTEGER'], ...reasonColumnTypes(phrases.slots)];
        await w.run(`CREATE OR REPLACE TABLE staged (${types.map(([c, t]) => `${c} ${t}`).join(', ')})`);
        await w.appendColumns('staged', [
          { name: 'rn', type: 'INTEGER', values: Int32Array.from({ length: rows }, (_, i) => i) },
          ...reasonColumns(phrases, 0, rows, r4),
        ]);
        const got = await w.all<{ j: string }>(
          `SELECT (${reasonsJsonSql(phrases.slots, 's')})::VARCHAR AS j FROM staged s ` +
            `${reasonsJoinSql(phrases.slots, 's', 'phrase_join')} ORDER BY s.rn`,
        );
        expect(got.length).toBe(rows);
        const mismatch = got.findIndex((g, i) => g.j !== want[i]);
        expect(mismatch === -1 ? null : { row: mismatch, got: got[mismatch].j, want: want[mismatch] }).toBeNull();
        for (const g of got.slice(0, 20)) JSON.parse(g.j);
      }
    } finally {
      await w.close();
    }
  });

  it('refuses a weight whose text DuckDB would print differently, instead of writing it', () => {
    const ranking = { factors: ['a'], slots: 2, ids: Int32Array.of(0, -1), weights: Float64Array.of(1e15, 0) };
    const phrases = reasonPhrases(ranking, 1, { text: () => 'a' });
    expect(() => reasonColumns(phrases, 0, 1, r4)).toThrow(/reason weight 1000000000000000 \(row 0\) is out of range/);
  });
});
