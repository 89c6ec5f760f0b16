import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { withWarehouse } from '../../src/store/index.ts';
import { ingestCli, seeded, tableState, write, writeBytes } from './ingest-helpers.ts';

// Values that are wrong in kind rather than in structure: each is quarantined with a reason (or
// merged and counted), and the tables change by exactly what the report says.

const reasons = (db: string, run: string) =>
  withWarehouse(db, (w) =>
    w.all<{ row_number: number; reason: string }>(
      `SELECT row_number, reason FROM rejected_rows WHERE run_id = $1 ORDER BY row_number`,
      [run],
    ),
  );

describe('hostile values', () => {
  it('one nested JSON value is rejected with its row; every other company is stored without JSON quotes', async () => {
    const { dir, db, before } = await seeded();
    const lines = Array.from({ length: 10 }, (_, i) =>
      JSON.stringify({ lead_id: `J${i}`, created_at: '2024-02-01', company: i === 3 ? { name: 'Nested' } : 'Flat Co' }),
    );
    const file = write(dir, 'l.jsonl', lines.join('\n') + '\n');
    const r = await ingestCli(db, '--leads', file, '--json', '--run-id', 'nested');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).tables.leads).toMatchObject({ read: 10, loaded: 9, rejected: 1 });
    expect(await reasons(db, 'nested')).toEqual([
      {
        row_number: 4,
        reason: 'company: {"name":"Nested"} is a nested value (an object or a list), not a single value',
      },
    ]);
    await withWarehouse(db, async (w) =>
      expect(
        await w.all(`SELECT DISTINCT company, length(company)::INTEGER AS n FROM leads WHERE lead_id LIKE 'J%'`),
      ).toEqual([{ company: 'Flat Co', n: 7 }]),
    );
    expect((await tableState(db)).leads.rows).toBe(before.leads.rows + 9);
  });

  it('wrong types and non-finite numbers are rejected per row naming the column', async () => {
    const { dir, db, before } = await seeded();
    const lines = [
      { lead_id: 'T1', created_at: 1706745600, company_size: 5 },
      { lead_id: 'T2', created_at: true, company_size: 5 },
      { lead_id: 'T3', created_at: '2024-02-01', company_size: 'NaN' },
      { lead_id: 'T4', created_at: '2024-02-01', company_size: 'Infinity' },
      { lead_id: 'T5', created_at: '2024-02-01', annual_revenue: '1e999' },
      { lead_id: 'T6', created_at: '2024-02-01', company_size: 12 },
      { lead_id: 'T7', created_at: '2024-02-01', company_size: 12.5 },
      { lead_id: 'T8', created_at: '2024-02-01', company_size: '1,250' },
      { lead_id: 'T9', created_at: '2024-02-01', annual_revenue: '$2.5M' },
      { lead_id: 'T10', created_at: '2024-02-01', company_size: '-inf' },
    ].map((o) => JSON.stringify(o));
    const file = write(dir, 'types.jsonl', lines.join('\n') + '\n');
    const r = await ingestCli(db, '--leads', file, '--json', '--run-id', 'types', '--max-reject-rate', '1');
    expect(r.code, r.stderr).toBe(0);
    expect((await reasons(db, 'types')).map((x) => [x.row_number, x.reason.split(' (')[0]])).toEqual([
      [1, 'created_at: "1706745600" is not a date in format ISO 8601'],
      [2, 'created_at: "true" is not a date in format ISO 8601'],
      [3, 'company_size: "NaN" is not a number'],
      [4, 'company_size: "Infinity" is not a number'],
      [5, 'annual_revenue: "1e999" is not a number'],
      [7, 'company_size: 12.5 is not a whole number'],
      [10, 'company_size: "-inf" is not a number'],
    ]);
    await withWarehouse(db, async (w) =>
      expect(
        await w.all(
          `SELECT lead_id, company_size, annual_revenue FROM leads WHERE lead_id IN ('T6', 'T8', 'T9') ORDER BY 1`,
        ),
      ).toEqual([
        { lead_id: 'T6', company_size: 12, annual_revenue: null },
        { lead_id: 'T8', company_size: 1250, annual_revenue: null },
        { lead_id: 'T9', company_size: null, annual_revenue: 2_500_000 },
      ]),
    );
    expect((await tableState(db)).leads.rows).toBe(before.leads.rows + 3);
  });

  it('duplicate keys: a lead repeated with other values is rejected, an identical one merged; counted', async () => {
    const { dir, db, before } = await seeded();
    const leads = write(
      dir,
      'd.csv',
      'lead_id,created_at,email\nD1,2024-01-01,a@x.com\nD1,2024-01-01,a@x.com\n' +
        'D1,2024-01-01,b@x.com\nD2,2024-01-02,c@x.com\n',
    );
    const acts = write(
      dir,
      'a.csv',
      'lead_id,occurred_at,activity_type\nD1,2024-02-01 10:00,email_open\n' +
        'D1,2024-02-01 10:00,email_open\nD2,2024-02-01 10:00,page_view\n',
    );
    const r = await ingestCli(db, '--leads', leads, '--activities', acts, '--json', '--run-id', 'dup');
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout).tables;
    expect(rep.leads).toMatchObject({ read: 4, loaded: 3, rejected: 1, merged: 1, added: 2 });
    expect(rep.activities).toMatchObject({ read: 3, loaded: 3, merged: 1, added: 2 });
    expect(await reasons(db, 'dup')).toEqual([
      {
        row_number: 3,
        reason: 'lead_id: duplicate of row 1 in this file with other values (the first occurrence is kept)',
      },
    ]);
    const after = await tableState(db);
    expect(after.leads.rows).toBe(before.leads.rows + 2);
    expect(after.activities.rows).toBe(before.activities.rows + 2);
    const text = await ingestCli(db, '--leads', leads, '--activities', acts);
    expect(text.stdout).toMatch(/merged +1 rows identical to another in the file, stored once/);
  });

  it('dates in 2099 or 1900 are rejected as implausible, naming --min-date and --max-date', async () => {
    const { dir, db, before } = await seeded();
    const file = write(
      dir,
      'f.csv',
      'lead_id,created_at\nF1,2099-01-01\nF2,1900-05-05\nF3,2024-05-05\nF4,2024-06-06\nF5,2024-07-07\n',
    );
    const r = await ingestCli(db, '--leads', file, '--run-id', 'future');
    expect(r.code, r.stderr).toBe(0);
    expect(await reasons(db, 'future')).toEqual([
      {
        row_number: 1,
        reason: expect.stringMatching(
          /^created_at: 2099-01-01 00:00:00 is outside the plausible dates 1970-01-01 to .* \(change them with/,
        ),
      },
      {
        row_number: 2,
        reason: expect.stringMatching(/^created_at: 1900-05-05 00:00:00 is outside the plausible dates/),
      },
    ]);
    expect((await tableState(db)).leads.rows).toBe(before.leads.rows + 3);
    const wide = await ingestCli(db, '--leads', file, '--min-date', '1800-01-01', '--max-date', '2100-01-01', '--json');
    expect(JSON.parse(wide.stdout).tables.leads).toMatchObject({ loaded: 5, rejected: 0 });
  });

  it('SQL in column names and values is data: stored verbatim, nothing else touched', async () => {
    const { dir, db, before } = await seeded();
    const evil = `x"); DROP TABLE leads; --`;
    const text =
      `lead_id,created_at,"${evil.replaceAll('"', '""')}"\n` +
      `"S1'); DROP TABLE leads; --",2024-01-01,"'; DELETE FROM outcomes; --"\n`;
    const file = writeBytes(dir, "evil'; DROP TABLE leads.csv", text);
    const r = await ingestCli(db, '--leads', file, '--json');
    expect(r.code, r.stderr).toBe(0);
    await withWarehouse(db, async (w) => {
      const row = await w.one<{ extras: string }>(`SELECT extras FROM leads WHERE lead_id = $1`, [
        `S1'); DROP TABLE leads; --`,
      ]);
      expect(JSON.parse(row!.extras)).toEqual({ [evil]: `'; DELETE FROM outcomes; --` });
    });
    const after = await tableState(db);
    expect(after.leads.rows).toBe(before.leads.rows + 1);
    expect(path.basename(file)).toContain('DROP');
  });
});
