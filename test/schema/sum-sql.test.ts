import { describe, expect, it } from 'vitest';
import { Warehouse } from '../../src/store/index.ts';
import { orderFreeSumSql } from '../../src/schema/index.ts';

describe('orderFreeSumSql', () => {
  it('gives the same bits whatever order the rows are added in, within 1e-12 per term of the exact sum', async () => {
    const w = await Warehouse.open(':memory:');
    try {
      // values like decayed weights, in groups; the same rows stored in three different orders
      await w.run(
        `CREATE TABLE v AS SELECT (i % 7) AS g, pow(0.5, (hash(i) % 100000) / 1000.0) AS x FROM range(300000) r(i)`,
      );
      for (const [t, order] of [
        ['a', 'i'],
        ['b', 'hash(i * 31)'],
        ['c', '-i'],
      ]) {
        await w.run(
          `CREATE TABLE ${t} AS SELECT g, x FROM (SELECT row_number() OVER () - 1 AS i, g, x FROM v) ORDER BY ${order}`,
        );
      }
      const sums = (t: string, sum: string) =>
        w.all<{ g: number; s: number }>(`SELECT g, ${sum} AS s FROM ${t} GROUP BY g ORDER BY g`);
      const exact = await sums('a', orderFreeSumSql('x'));
      expect(await sums('b', orderFreeSumSql('x'))).toEqual(exact);
      expect(await sums('c', orderFreeSumSql('x'))).toEqual(exact);
      const plain = await sums('a', 'sum(x)');
      for (let g = 0; g < 7; g++) expect(Math.abs(exact[g].s - plain[g].s)).toBeLessThan((300000 / 7) * 1e-12);
      // with a filter, and over no rows: NULL, as sum
      const filtered = await w.one<{ s: number | null; none: number | null }>(
        `SELECT ${orderFreeSumSql('x', 'FILTER (WHERE g = 1)')} AS s, ` +
          `${orderFreeSumSql('x', 'FILTER (WHERE g = 99)')} AS none FROM b`,
      );
      expect(filtered!.s).toBe(exact[1].s);
      expect(filtered!.none).toBeNull();
    } finally {
      await w.close();
    }
  });
});
