import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { withWarehouse } from '../../../src/store/index.ts';
import { leadsCsv, snapshot, tmpDir, write } from '../../ingest/helpers.ts';
import { runLeadscore } from '../run.ts';

/** Run the real CLI (in this process). */
async function cli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const r = await runLeadscore(args);
  return { status: r.code, stdout: r.stdout, stderr: r.stderr };
}

// 100 leads, 3 bad: row 10 a bad date, row 20 a negative company_size, row 30 a duplicate of row 12
const BAD = {
  10: 'L10,31/02/2024,u10@x.com,Acme,5,100,US,API',
  20: 'L20,2024-01-05,u20@x.com,Acme,-5,100,US,API',
  30: 'L12,2024-01-05,dup@x.com,Acme,5,100,US,API',
};

describe('leadscore ingest (CLI)', () => {
  it('loads 97 of 100 leads, quarantines 3 with reasons naming the column, exits 0', async () => {
    const dir = tmpDir();
    const db = path.join(dir, 'w.duckdb');
    const leads = write(dir, 'leads.csv', leadsCsv(100, BAD));
    const r = await cli(['ingest', '--db', db, '--leads', leads, '--json', '--run-id', 'run-1']);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.run_id).toBe('run-1');
    expect(report.tables.leads).toMatchObject({ read: 100, loaded: 97, rejected: 3 });
    expect(report.rejected_by_reason).toEqual({ bad_date: 1, negative: 1, duplicate: 1 });
    expect(r.stderr).toMatch(/ingest: leads: validated/);
    await withWarehouse(db, async (w) => {
      expect(await w.count('leads')).toBe(97);
      const rej = await w.all<{
        row_number: number;
        column_name: string;
        reason: string;
        raw_row: string;
        table_name: string;
      }>('SELECT row_number, column_name, reason, raw_row, table_name FROM rejected_rows ORDER BY row_number');
      expect(rej.map((x) => [x.row_number, x.column_name])).toEqual([
        [10, 'created_at'],
        [20, 'company_size'],
        [30, 'lead_id'],
      ]);
      expect(rej[0].reason).toBe(
        'created_at: "31/02/2024" is not a date in format ISO 8601 (YYYY-MM-DD[ HH:MM:SS]) (detected); ' +
          'state the format with --date-format or date_format in the mapping',
      );
      expect(rej[1].reason).toBe(
        'company_size: -5 is negative (must be a whole number >= 0, or a range such as 201-500 or 10,001+)',
      );
      expect(rej[2].reason).toMatch(/^lead_id: duplicate of row 12 in this file/);
      expect(JSON.parse(rej[0].raw_row)).toMatchObject({
        lead_id: 'L10',
        created_at: '31/02/2024',
        'Lead Origin': 'API',
      });
      // the first occurrence of L12 is the one kept
      expect(await w.one('SELECT email FROM leads WHERE lead_id = $1', ['L12'])).toEqual({ email: 'u12@x.com' });
    });
  });

  it('--strict fails with exit 3, prints the reasons and leaves the warehouse unchanged', async () => {
    const dir = tmpDir();
    const db = path.join(dir, 'w.duckdb');
    const good = write(dir, 'good.csv', leadsCsv(5));
    expect((await cli(['ingest', '--db', db, '--leads', good])).status).toBe(0);
    const before = await withWarehouse(db, snapshot);
    const bad = write(dir, 'bad.csv', leadsCsv(100, BAD));
    const r = await cli(['ingest', '--db', db, '--leads', bad, '--strict']);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/--strict: 3 row\(s\) rejected/);
    expect(r.stderr).toMatch(/leads row 20: company_size: -5 is negative/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const after = await withWarehouse(db, snapshot);
    expect(after).toEqual(before);
    expect(before.leads).toHaveLength(5);
  });

  it('a leads file without lead_id exits 3, names the column, lists what was found, no stack trace', async () => {
    const dir = tmpDir();
    const file = write(dir, 'leads.csv', 'Lead Idx,created_at,email\nL1,2024-01-01,a@x.com\n');
    const r = await cli(['ingest', '--db', path.join(dir, 'w.duckdb'), '--leads', file]);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/has no column "lead_id"/);
    expect(r.stderr).toMatch(/Columns found: Lead Idx, created_at, email/);
    expect(r.stderr).toMatch(/closest match: "Lead Idx"/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('ingesting the same files twice gives the same row counts as once', async () => {
    const dir = tmpDir();
    const db = path.join(dir, 'w.duckdb');
    const leads = write(dir, 'leads.csv', leadsCsv(20, { 5: 'L5,not a date,x,y,1,1,US,API' }));
    const acts = write(
      dir,
      'acts.csv',
      'lead_id,occurred_at,activity_type,channel\nL1,2024-02-01 10:00:00,email_open,email\nL1,2024-02-01 ' +
        '10:00:00,email_open,email\nL2,2024-02-02,page_view,\nL99,2024-02-02,page_view,web\n',
    );
    const outs = write(
      dir,
      'outs.csv',
      'lead_id,opportunity_id,created_at,status,amount\nL1,O1,2024-03-01,won,100\nL2,,2024-03-01,lost,\n' +
        'L3,O3,2024-03-01,maybe,\n',
    );
    const args = ['ingest', '--db', db, '--leads', leads, '--activities', acts, '--outcomes', outs];
    const counts = async () =>
      withWarehouse(db, async (w) => ({
        leads: await w.count('leads'),
        activities: await w.count('activities'),
        outcomes: await w.count('outcomes'),
        rejected_rows: await w.count('rejected_rows'),
      }));
    expect((await cli(args)).status).toBe(0);
    const once = await counts();
    expect(once).toEqual({ leads: 19, activities: 2, outcomes: 2, rejected_rows: 3 });
    const r2 = await cli([...args, '--json']);
    expect(r2.status).toBe(0);
    expect(JSON.parse(r2.stdout).tables.activities).toMatchObject({ read: 4, loaded: 3, rejected: 1, added: 0 });
    expect(await counts()).toEqual(once);
  });

  it('--help shows an example', async () => {
    const r = await cli(['ingest', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\$ leadscore ingest --db data\/leadscore.duckdb --leads leads.csv/);
  });
});
