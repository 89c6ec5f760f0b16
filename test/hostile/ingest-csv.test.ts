import { describe, expect, it } from 'vitest';
import { withWarehouse } from '../../src/store/index.ts';
import { ingestCli, seeded, tableState, write, writeBytes } from './ingest-helpers.ts';

// Malformed CSV: the dialect is stated (or read from the header line), never guessed from a sample;
// a line that does not fit is quarantined with its line number; a file that cannot be read is refused
// with the cause cut to what a person needs.

const header = 'lead_id,created_at,company\n';
const rows = (n: number, at: Record<number, string> = {}) =>
  Array.from({ length: n }, (_, i) => at[i + 1] ?? `Q${i + 1},2024-01-01,Co${i + 1}`).join('\n') + '\n';

describe('hostile CSV', () => {
  it('a quoted comma at row 25,000 of 30,000 loads every row (the quote is not guessed from a sample)', async () => {
    const { dir, db, before } = await seeded();
    const file = write(dir, 'q.csv', header + rows(30_000, { 25_000: 'Q25000,2024-01-01,"Acme, Inc"' }));
    const r = await ingestCli(db, '--leads', file, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).tables.leads).toMatchObject({ read: 30_000, loaded: 30_000, rejected: 0 });
    const after = await tableState(db);
    expect(after.leads.rows).toBe(before.leads.rows + 30_000);
    expect(after.rejected_rows).toEqual(before.rejected_rows);
    await withWarehouse(db, async (w) =>
      expect(await w.one(`SELECT company FROM leads WHERE lead_id = 'Q25000'`)).toEqual({ company: 'Acme, Inc' }),
    );
  });

  it('two ragged lines are quarantined with their line numbers; the rest loads', async () => {
    const { dir, db, before } = await seeded();
    const file = write(dir, 'r.csv', header + rows(20, { 5: 'Q5,2024-01-01,Co,extra', 12: 'Q12,2024-01-01' }));
    const r = await ingestCli(db, '--leads', file, '--json', '--run-id', 'ragged');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).tables.leads).toMatchObject({ read: 20, loaded: 18, rejected: 2 });
    await withWarehouse(db, async (w) => {
      const rej = await w.all<{ row_number: number; reason: string; raw_row: string }>(
        `SELECT row_number, reason, raw_row FROM rejected_rows WHERE run_id = 'ragged' ORDER BY row_number`,
      );
      expect(rej.map((x) => x.row_number)).toEqual([5, 12]);
      expect(rej[0].reason).toBe(
        "line 6: more fields than the header's 3 (a value containing the delimiter must be quoted)",
      );
      expect(rej[1].reason).toBe("line 13: 2 of the header's 3 fields");
      expect(JSON.parse(rej[0].raw_row)).toEqual({ line: 'Q5,2024-01-01,Co,extra' });
      // rows after a skipped line keep their own row numbers
      expect(await w.count('leads', `lead_id IN ('Q6', 'Q13', 'Q20')`)).toBe(3);
    });
    const after = await tableState(db);
    expect(after.leads.rows).toBe(before.leads.rows + 18);
    expect(after.rejected_rows.rows).toBe(before.rejected_rows.rows + 2);
  });

  it('an unbalanced quote in a file with no other quotes refuses the file with the line and a hint', async () => {
    const { dir, db, before } = await seeded();
    const file = write(dir, 'u.csv', header + rows(10, { 5: 'Q5,2024-01-01,"Acme 5' }));
    const r = await ingestCli(db, '--leads', file);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/at line 6 a quoted value does not close properly \(Q5,2024-01-01,"Acme 5\)/);
    expect(r.stderr).toMatch(/pass --quote ''/);
    expect(r.stderr).not.toMatch(/Auto-Detected|looks like a bug|\n\s+at /);
    expect(await tableState(db)).toEqual(before);
    // stated: quote characters are text here
    const ok = await ingestCli(db, '--leads', file, '--quote', '');
    expect(ok.code, ok.stderr).toBe(0);
    await withWarehouse(db, async (w) =>
      expect(await w.one(`SELECT company FROM leads WHERE lead_id = 'Q5'`)).toEqual({ company: '"Acme 5' }),
    );
  });

  it('a 10 MB field quarantines its line with a short reason; the other rows load', async () => {
    const { dir, db, before } = await seeded();
    const file = write(dir, 'h.csv', header + rows(3, { 2: `Q2,2024-01-01,${'X'.repeat(10_000_000)}` }));
    const r = await ingestCli(db, '--leads', file, '--max-reject-rate', '1');
    expect(r.code, r.stderr.slice(0, 500)).toBe(0);
    expect(r.stdout.length + r.stderr.length).toBeLessThan(5000);
    expect(r.stdout).toMatch(/line 3 is 10\.0 MB long; a line may be at most 2\.0 MB/);
    const after = await tableState(db);
    expect(after.leads.rows).toBe(before.leads.rows + 2);
    await withWarehouse(db, async (w) => {
      const raw = await w.one<{ n: number }>(
        `SELECT length(CAST(raw_row AS VARCHAR))::INTEGER AS n FROM rejected_rows WHERE row_number = 2`,
      );
      expect(raw!.n).toBeLessThan(2000);
    });
  });

  it('Latin-1 bytes refuse the file with a hint about --encoding; stated, they load', async () => {
    const { dir, db, before } = await seeded();
    const file = writeBytes(
      dir,
      'l1.csv',
      Buffer.from('lead_id,created_at,company\nQ1,2024-01-01,Caf\xe9 SA\nQ2,2024-01-01,Co\n', 'latin1'),
    );
    const r = await ingestCli(db, '--leads', file);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/1 line\(s\) are not valid utf-8, the first at line 2/);
    expect(r.stderr).toMatch(/--encoding latin-1/);
    expect(r.stderr).not.toMatch(/comma/);
    expect(await tableState(db)).toEqual(before);
    expect((await ingestCli(db, '--leads', file, '--encoding', 'latin-1')).code).toBe(0);
    await withWarehouse(db, async (w) =>
      expect(await w.one(`SELECT company FROM leads WHERE lead_id = 'Q1'`)).toEqual({ company: 'Café SA' }),
    );
  });

  it('a UTF-16 file (its byte order mark says so) loads without --encoding', async () => {
    const { dir, db, before } = await seeded();
    const bom = Buffer.from([0xff, 0xfe]);
    const body = Buffer.from('lead_id,created_at,company\nW1,2024-01-01,Zoë\nW2,2024-01-02,Co\n', 'utf16le');
    const r = await ingestCli(db, '--leads', writeBytes(dir, 'u16.csv', Buffer.concat([bom, body])), '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).tables.leads.dialect).toMatch(/encoding utf-16/);
    await withWarehouse(db, async (w) =>
      expect(await w.one(`SELECT company FROM leads WHERE lead_id = 'W1'`)).toEqual({ company: 'Zoë' }),
    );
    expect((await tableState(db)).leads.rows).toBe(before.leads.rows + 2);
  });

  it('a byte order mark, CRLF line ends and a semicolon delimiter are read as such', async () => {
    const { dir, db, before } = await seeded();
    const text = '\ufefflead_id;created_at;company\r\nB1;2024-01-01;"Dupont; Fils"\r\nB2;2024-01-02;Co\r\n';
    const file = writeBytes(dir, 'bom.csv', Buffer.from(text, 'utf8'));
    const r = await ingestCli(db, '--leads', file, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).tables.leads).toMatchObject({ loaded: 2, extras: [] });
    expect(JSON.parse(r.stdout).tables.leads.dialect).toMatch(/delimiter ';'/);
    await withWarehouse(db, async (w) =>
      expect(await w.all(`SELECT lead_id, company FROM leads WHERE lead_id LIKE 'B%' ORDER BY 1`)).toEqual([
        { lead_id: 'B1', company: 'Dupont; Fils' },
        { lead_id: 'B2', company: 'Co' },
      ]),
    );
    expect((await tableState(db)).leads.rows).toBe(before.leads.rows + 2);
  });
});
