import { describe, expect, it } from 'vitest';
import { withWarehouse } from '../../src/store/index.ts';
import { bandSql, numberPartsSql, numberSql } from '../../src/ingest/numbers.ts';

async function read(
  values: string[],
  ranges: boolean,
): Promise<Array<{ v: string; n: number | null; band: string | null }>> {
  return withWarehouse(':memory:', (w) =>
    w.all(
      `SELECT v, ${numberSql('v', 'p', ranges)} AS n, ${bandSql('v', 'p')} AS band
       FROM (SELECT v, ${numberPartsSql('v')} AS p FROM (SELECT unnest($1::VARCHAR[]) AS v))`,
      [`[${values.map((x) => `"${x.replaceAll('"', '\\"')}"`).join(', ')}]`],
    ),
  );
}

describe('numbers as exports write them', () => {
  it('ranges load as their lower bound and keep the band', async () => {
    const rows = await read(
      ['201-500', '10,001+', '1K-5K', '$1M - $5M', '<$1M', 'under 10', '1–10', '5,001-10,000'],
      true,
    );
    expect(rows.map((r) => [r.n, r.band])).toEqual([
      [201, '201-500'],
      [10001, '10,001+'],
      [1000, '1K-5K'],
      [1_000_000, '$1M - $5M'],
      [0, '<$1M'],
      [0, 'under 10'],
      [1, '1–10'],
      [5001, '5,001-10,000'],
    ]);
  });

  it('plain numbers with separators, currency and suffixes; not booleans, decimal commas or words', async () => {
    const rows = await read(['1,250', '$2.5M', '12', '-3.5', 'true', '1,5', 'lots', '1,2345', '10 employees'], true);
    expect(rows.map((r) => r.n)).toEqual([1250, 2_500_000, 12, -3.5, null, null, null, null, null]);
    expect(rows.every((r) => r.band === null)).toBe(true);
  });

  it('where ranges are not allowed, a range is not a number', async () => {
    const rows = await read(['201-500', '1,250', '10+'], false);
    expect(rows.map((r) => r.n)).toEqual([null, 1250, null]);
  });
});
