import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Warehouse, quoteIdent, swapTable, withWarehouse } from '../../src/store/index.ts';

function tmpDb(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-store-'));
  return path.join(dir, 'w.duckdb');
}

describe('Warehouse', () => {
  it('runs parameterized SQL and returns numbers, not bigints', async () => {
    await withWarehouse(':memory:', async (w) => {
      const row = await w.one<{ n: number; s: string }>('SELECT ($1 + 1)::BIGINT AS n, $2 AS s', [41, "it's"]);
      expect(row).toEqual({ n: 42, s: "it's" });
    });
  });

  it('rolls back a failed transaction and keeps a committed one', async () => {
    const file = tmpDb();
    await withWarehouse(file, async (w) => {
      await w.run('CREATE TABLE t (x INTEGER)');
      await w.transaction(async (tx) => tx.run('INSERT INTO t VALUES (1)'));
      await expect(
        w.transaction(async (tx) => {
          await tx.run('INSERT INTO t VALUES (2)');
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
    });
    // reopen the file: only the committed row is there
    await withWarehouse(file, async (w) => {
      expect(await w.all('SELECT x FROM t ORDER BY x')).toEqual([{ x: 1 }]);
    });
  });

  it('appendColumns writes data chunks that equal the row-by-row append, across chunk boundaries', async () => {
    await withWarehouse(':memory:', async (w) => {
      const ddl = (t: string) =>
        `CREATE TABLE ${t} (id VARCHAR, ts TIMESTAMP, n BIGINT, i INTEGER, k INTEGER, v DOUBLE, b BOOLEAN, j JSON)`;
      await w.run(ddl('rows_t'));
      await w.run(ddl('chunks_t'));
      const rows = 5000; // three chunks of at most 2048
      const id = Array.from({ length: rows }, (_, r) => (r % 97 === 0 ? null : `lead-${r}-é'"`));
      const ts = Array.from({ length: rows }, (_, r) =>
        r % 101 === 0 ? null : r % 2 ? new Date(Date.UTC(2024, 0, 1) + r * 1000) : Date.UTC(2025, 5, 1) + r,
      );
      const n = Array.from({ length: rows }, (_, r) => (r % 89 === 0 ? null : r * 1_000_003));
      const i = Array.from({ length: rows }, (_, r) => (r % 83 === 0 ? null : r - 2500));
      const k = Int32Array.from({ length: rows }, (_, r) => r * 7919 - 2 ** 30); // typed: appended as a block copy
      const v = Float64Array.from({ length: rows }, (_, r) => (r % 79 === 0 ? NaN : Math.sin(r) / 3));
      const b = Array.from({ length: rows }, (_, r) => (r % 73 === 0 ? null : r % 3 === 0));
      const j = Array.from({ length: rows }, (_, r) =>
        r % 71 === 0 ? null : JSON.stringify({ up: [{ feature: 'f', weight: r / 7 }], down: [] }),
      );
      const cols = (): Parameters<Warehouse['append']>[1] => [
        { name: 'id', type: 'VARCHAR', values: id },
        { name: 'ts', type: 'TIMESTAMP', values: ts },
        { name: 'n', type: 'BIGINT', values: n },
        { name: 'i', type: 'INTEGER', values: i },
        { name: 'k', type: 'INTEGER', values: k },
        { name: 'v', type: 'DOUBLE', values: v },
        { name: 'b', type: 'BOOLEAN', values: b },
        { name: 'j', type: 'JSON', values: j },
      ];
      expect(await w.append('rows_t', cols())).toBe(rows);
      expect(await w.appendColumns('chunks_t', cols())).toBe(rows);
      expect(await w.count('chunks_t')).toBe(rows);
      const diff = await w.one<{ n: number }>(
        `SELECT count(*)::BIGINT AS n FROM ((SELECT * FROM rows_t EXCEPT ALL SELECT * FROM chunks_t) UNION ALL ` +
          `(SELECT * FROM chunks_t EXCEPT ALL SELECT * FROM rows_t))`,
      );
      expect(diff?.n).toBe(0);
      // doubles are bit for bit, NaN is NULL
      const got = await w.float64(`SELECT v FROM chunks_t ORDER BY rowid`);
      for (let r = 0; r < rows; r++) expect(Object.is(got[r], v[r])).toBe(true);
      expect(await w.count('chunks_t', 'j IS NULL')).toBe(Math.ceil(rows / 71));
      await expect(w.appendColumns('chunks_t', cols().slice(1))).rejects.toThrow(/do not match/);
    });
  });

  it('numericColumns reads numeric types bit for bit across chunks, NULL as NaN, and refuses text', async () => {
    await withWarehouse(':memory:', async (w) => {
      await w.run(`CREATE TABLE t AS SELECT i, CASE WHEN i % 13 = 0 THEN NULL ELSE sin(i) / 3 END AS d,
        (i - 2500)::INTEGER AS n,
        (i % 300)::SMALLINT AS s, (i % 2 = 0) AS b, CASE WHEN i % 17 = 0 THEN NULL ELSE i::FLOAT / 8 END AS f
          FROM range(5000) r(i)`);
      const cols = await w.numericColumns('SELECT d, n, s, b, f FROM t ORDER BY i');
      const ref = await w.columns('SELECT d, n, s, b, f FROM t ORDER BY i');
      expect(Object.keys(cols)).toEqual(['d', 'n', 's', 'b', 'f']);
      for (const c of Object.keys(cols)) {
        expect(cols[c].length).toBe(5000);
        for (let r = 0; r < 5000; r++) {
          const want = ref[c][r] === null ? NaN : Number(ref[c][r]);
          expect(Object.is(cols[c][r], want)).toBe(true);
        }
      }
      await expect(w.numericColumns('SELECT i::VARCHAR AS text FROM t')).rejects.toThrow(
        /text is VARCHAR, not a numeric type/,
      );
    });
  });

  it('eachNumericChunk reads every row once, then restores insertion order (after a failure too)', async () => {
    await withWarehouse(':memory:', async (w) => {
      const keepsOrder = async () =>
        (await w.one<{ v: boolean }>(`SELECT current_setting('preserve_insertion_order') AS v`))?.v;
      // several row groups, so DuckDB streams them from more than one thread
      await w.run('CREATE TABLE t AS SELECT range::INTEGER AS rn, (range * 0.5)::DOUBLE AS half FROM range(300000)');
      const seen = new Uint8Array(300000);
      let sum = 0;
      await w.eachNumericChunk('SELECT rn, half FROM t', (cols, rows) => {
        const rn = cols.rn as Int32Array;
        const half = cols.half as Float64Array;
        for (let i = 0; i < rows; i++) {
          seen[rn[i]]++;
          sum += half[i] - rn[i] * 0.5;
        }
      });
      expect(seen.every((c) => c === 1)).toBe(true);
      expect(sum).toBe(0);
      expect(await keepsOrder()).toBe(true);
      await expect(
        w.eachNumericChunk('SELECT rn FROM t', () => {
          throw new Error('reader failed');
        }),
      ).rejects.toThrow('reader failed');
      expect(await keepsOrder()).toBe(true);
      // what the session change must not touch: a plain read still comes in insertion order
      const first = await w.columns('SELECT rn FROM t LIMIT 5');
      expect(first.rn).toEqual([0, 1, 2, 3, 4]);
    });
  });

  it(
    'secondConnection runs a query beside the first, sees committed tables (overlay too), and closing it ' +
      'leaves the first open',
    async () => {
      const file = tmpDb();
      await withWarehouse(file, (w) => w.run('CREATE TABLE big AS SELECT range AS i FROM range(3000000)'));
      for (const overlay of [false, true]) {
        await withWarehouse(
          file,
          async (w) => {
            await w.run('CREATE TABLE mine AS SELECT 7 AS x');
            await w.run('CREATE TEMP TABLE scratch AS SELECT 1 AS y');
            const side = await w.secondConnection();
            // both at once: the side's query is in flight while the first connection answers
            const slow = side.one<{ s: number }>('SELECT sum(i * i % 7)::DOUBLE AS s FROM big');
            expect(await w.one('SELECT x FROM mine')).toEqual({ x: 7 });
            expect((await slow)?.s).toBeGreaterThan(0);
            // the overlay's search path holds on the side too
            expect(await side.one('SELECT x FROM mine')).toEqual({ x: 7 });
            // TEMP tables stay with their connection
            await expect(side.run('SELECT * FROM scratch')).rejects.toThrow(/scratch/);
            await side.close();
            expect(await w.one('SELECT count(*)::INTEGER AS n FROM big')).toEqual({ n: 3000000 });
          },
          overlay ? { overlay: true } : {},
        );
      }
    },
  );

  it('bulk-appends typed columns and exports/imports Parquet and CSV', async () => {
    const file = tmpDb();
    const dir = path.dirname(file);
    await withWarehouse(file, async (w) => {
      await w.run('CREATE TABLE a (id VARCHAR, ts TIMESTAMP, n BIGINT, v DOUBLE)');
      const n = await w.append('a', [
        { name: 'id', type: 'VARCHAR', values: ['x', 'y', null] },
        { name: 'ts', type: 'TIMESTAMP', values: [new Date('2024-01-02T03:04:05Z'), Date.UTC(2024, 0, 1), null] },
        { name: 'n', type: 'BIGINT', values: [1, 2, 3] },
        { name: 'v', type: 'DOUBLE', values: new Float64Array([0.5, NaN, 2]) },
      ]);
      expect(n).toBe(3);
      const rows = await w.all<{ id: string | null; ts: Date | null; n: number; v: number | null }>(
        'SELECT * FROM a ORDER BY n',
      );
      expect(rows[0].ts?.toISOString()).toBe('2024-01-02T03:04:05.000Z');
      expect(rows[1].v).toBeNull();
      expect(rows[2].id).toBeNull();
      await w.exportQuery('SELECT * FROM a', path.join(dir, 'a.parquet'), 'parquet');
      await w.exportQuery('SELECT * FROM a', path.join(dir, 'a.csv'), 'csv');
      await w.importFile('b', path.join(dir, 'a.parquet'), 'parquet');
      await w.importFile('c', path.join(dir, 'a.csv'), 'csv');
      expect(await w.count('b')).toBe(3);
      expect(await w.count('c')).toBe(3);
    });
  });

  it('refuses an append whose columns do not match the table', async () => {
    await withWarehouse(':memory:', async (w) => {
      await w.run('CREATE TABLE a (id VARCHAR, n BIGINT)');
      await expect(
        w.append('a', [
          { name: 'n', type: 'BIGINT', values: [1] },
          { name: 'id', type: 'VARCHAR', values: ['x'] },
        ]),
      ).rejects.toThrow(/do not match/);
    });
  });

  it('quotes identifiers so hostile names stay names', async () => {
    await withWarehouse(':memory:', async (w) => {
      const name = 'evil"; DROP TABLE x; --';
      await w.run(`CREATE TABLE ${quoteIdent(name)} (v INTEGER)`);
      expect(await w.tableExists(name)).toBe(true);
    });
  });

  it('swaps a staging table in atomically', async () => {
    await withWarehouse(':memory:', async (w) => {
      await w.run('CREATE TABLE live AS SELECT 1 AS v');
      await w.run('CREATE TABLE staging AS SELECT 2 AS v');
      await swapTable(w, 'staging', 'live');
      expect(await w.all('SELECT v FROM live')).toEqual([{ v: 2 }]);
      expect(await w.tableExists('staging')).toBe(false);
    });
  });

  it('gives a clear error for a read-only open of a missing file', async () => {
    await expect(
      Warehouse.open(path.join(os.tmpdir(), 'nope-leadscore', 'x.duckdb'), { readOnly: true }),
    ).rejects.toThrow(/not found/);
  });
});

describe('Warehouse overlay', () => {
  it('reads the file, writes scratch tables to memory, and leaves the file untouched', async () => {
    const file = tmpDb();
    await withWarehouse(file, (w) => w.run('CREATE TABLE leads AS SELECT 1 AS x'));
    const a = await Warehouse.open(file, { overlay: true });
    const b = await Warehouse.open(file, { overlay: true }); // two readers at once
    try {
      await a.run('CREATE TABLE scratch AS SELECT x + 1 AS y FROM leads');
      expect(await a.all('SELECT y FROM scratch')).toEqual([{ y: 2 }]);
      expect(await b.count('leads')).toBe(1);
      await expect(a.run('INSERT INTO src.leads VALUES (2)')).rejects.toThrow();
    } finally {
      await a.close();
      await b.close();
    }
    await withWarehouse(file, async (w) => {
      expect(await w.tableExists('scratch')).toBe(false);
      expect(await w.count('leads')).toBe(1);
    });
  });
});
