import { describe, expect, it } from 'vitest';
import { withWarehouse } from '../../src/store/index.ts';
import { cleanTextSql } from '../../src/ingest/source.ts';

// Every code point DuckDB's trim strips (found by trying all of them), a few it keeps, and text around them.
const STRIPPED = [0x20, 0xa0, 0x1680, ...Array.from({ length: 11 }, (_, k) => 0x2000 + k), 0x202f, 0x205f, 0x3000];
const KEPT = [0x09, 0x0a, 0x0d, 0x0b, 0x0c, 0x85, 0x200b, 0xfeff, 0x00];

function samples(): string[] {
  const out = ['', 'a', 'Acme Corp', 'a b', 'ünïcödé', '日本', '🚀 launch', 'e\u0301', 'x\r\ny'];
  for (const cp of [...STRIPPED, ...KEPT]) {
    const c = String.fromCodePoint(cp);
    out.push(c, `${c}a`, `a${c}`, `${c}a${c}`, `${c}${c}`, `${c}ünï${c}`, `a${c}b`);
  }
  return out;
}

describe('cleanTextSql', () => {
  it("is nullif(trim(v), '') exactly, on every space DuckDB trims and on those it keeps", async () => {
    const values = samples();
    const rows = await withWarehouse(':memory:', (w) =>
      w.all<{ v: string | null; fast: string | null; slow: string | null }>(
        `SELECT v, ${cleanTextSql('v')} AS fast, nullif(trim(v), '') AS slow
         FROM (SELECT unnest($1::VARCHAR[]) AS v UNION ALL SELECT NULL)`,
        [JSON.stringify(values)],
      ),
    );
    expect(rows.length).toBe(values.length + 1);
    for (const r of rows) expect(r.fast).toBe(r.slow);
    // the samples reach both sides: values trim changes (every stripped space, at either end) and values it keeps
    const changed = rows.filter((r) => r.v !== null && r.slow !== r.v);
    expect(changed.length).toBeGreaterThan(3 * STRIPPED.length);
    expect(rows.length - changed.length).toBeGreaterThan(3 * KEPT.length);
    expect(rows.find((r) => r.v === '\u3000a\u3000')?.fast).toBe('a');
  });
});
