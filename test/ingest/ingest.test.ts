import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { withWarehouse, type Warehouse } from '../../src/store/index.ts';
import { ensureCanonicalTables, ingest, ingestFlat, loadMapping } from '../../src/ingest/index.ts';
import { ConfigError, DataError, UsageError } from '../../src/errors.ts';
import { leadsCsv, snapshot, tmpDir, write } from './helpers.ts';

const NOW = new Date('2025-01-01T00:00:00Z');
async function inDb<T>(fn: (w: Warehouse, dir: string) => Promise<T>): Promise<T> {
  const dir = tmpDir();
  return withWarehouse(path.join(dir, 'w.duckdb'), (w) => fn(w, dir));
}

describe('ingest', () => {
  it('maps columns and activity types from a mapping file, parses a custom date format', async () => {
    await inDb(async (w, dir) => {
      const leads = write(
        dir,
        'leads.csv',
        'Prospect ID,Created,Employees\nP1,05-03-2024 10:30,12\nP2,31-02-2024 10:30,3\n',
      );
      const acts = write(
        dir,
        'acts.csv',
        'Who,When,What\nP1,06-03-2024 09:00,Email Opened\nP1,06-03-2024 09:05,Webinar\n',
      );
      const map = write(
        dir,
        'map.yaml',
        'leads: {lead_id: "Prospect ID", created_at: "Created", company_size: Employees}\nactivities: {lead_id: ' +
          'Who, occurred_at: When, activity_type: What}\nactivity_types: {"Email Opened": email_open}\n',
      );
      const r = await ingest(w, { leads, activities: acts, map, dateFormat: '%d-%m-%Y %H:%M', now: NOW });
      expect(r.tables.leads).toMatchObject({ read: 2, loaded: 1, rejected: 1 });
      expect(r.samples[0].reason).toBe(
        'created_at: "31-02-2024 10:30" is not a date in format %d-%m-%Y %H:%M (stated); ' +
          'state the format with --date-format or date_format in the mapping',
      );
      const lead = await w.one<{ created_at: Date; company_size: number; extras: string | null }>(
        'SELECT created_at, company_size, extras FROM leads',
      );
      expect(lead?.created_at.toISOString()).toBe('2024-03-05T10:30:00.000Z');
      expect(lead?.company_size).toBe(12);
      expect(lead?.extras).toBeNull(); // every source column was mapped
      expect(await w.all('SELECT activity_type FROM activities ORDER BY occurred_at')).toEqual([
        { activity_type: 'email_open' },
        { activity_type: 'Webinar' },
      ]);
    });
  });

  it('parses ISO 8601 with T, Z and offsets to UTC, and keeps extras with their types', async () => {
    await inDb(async (w, dir) => {
      const leads = write(
        dir,
        'leads.csv',
        'lead_id,created_at,Score,Visits,Zip,Opted ' +
          'In,Notes\nA,2024-01-06T10:00:00+02:00,1.5,3,00123,true,hi\nB,2024-01-06 ' +
          '10:00,2,4,02134,false,\nC,2024-01-06T10:00:00Z,,5,12345,,x\nD,2024-01-06,3,6,99999,true,y\n',
      );
      await ingest(w, { leads, now: NOW });
      const rows = await w.all<{ lead_id: string; created_at: Date; extras: string }>(
        'SELECT lead_id, created_at, extras FROM leads ORDER BY lead_id',
      );
      expect(rows.map((r) => r.created_at.toISOString())).toEqual([
        '2024-01-06T08:00:00.000Z',
        '2024-01-06T10:00:00.000Z',
        '2024-01-06T10:00:00.000Z',
        '2024-01-06T00:00:00.000Z',
      ]);
      expect(JSON.parse(rows[0].extras)).toEqual({
        Score: 1.5,
        Visits: 3,
        Zip: '00123',
        'Opted In': true,
        Notes: 'hi',
      });
      expect(JSON.parse(rows[2].extras)).toEqual({
        Score: null,
        Visits: 5,
        Zip: '12345',
        'Opted In': null,
        Notes: 'x',
      });
    });
  });

  it('rejects activities and outcomes for unknown leads, accepts leads already in the warehouse', async () => {
    await inDb(async (w, dir) => {
      await ingest(w, { leads: write(dir, 'l1.csv', leadsCsv(3)), now: NOW });
      const acts = write(
        dir,
        'a.csv',
        'lead_id,occurred_at,activity_type,value\nL1,2024-02-01,email_open,\nL999,2024-02-01,email_open,\n' +
          'L2,2024-02-01,page_view,abc\n',
      );
      const outs = write(
        dir,
        'o.csv',
        'lead_id,created_at,closed_at,status\nL3,2024-02-01,2024-01-01,won\nL1,2024-02-01,,OPEN\n' +
          'L998,2024-02-01,,won\n',
      );
      const r = await ingest(w, { activities: acts, outcomes: outs, now: NOW, maxRejectRate: 1 });
      expect(r.tables.activities).toMatchObject({ read: 3, loaded: 1, rejected: 2 });
      expect(r.tables.outcomes).toMatchObject({ read: 3, loaded: 1, rejected: 2 });
      const reasons = (
        await w.all<{ reason: string }>('SELECT reason FROM rejected_rows ORDER BY table_name, row_number')
      ).map((x) => x.reason);
      expect(reasons).toEqual([
        'lead_id: "L999" is not a known lead (activities must reference a lead in leads)',
        'value: "abc" is not a number (must be a number)',
        'closed_at: 2024-01-01 00:00:00 is before created_at 2024-02-01 00:00:00',
        'lead_id: "L998" is not a known lead (outcomes must reference a lead in leads)',
      ]);
      expect(await w.all('SELECT lead_id, status FROM outcomes')).toEqual([{ lead_id: 'L1', status: 'open' }]);
    });
  });

  it('an activity of a lead rejected in the same ingest is rejected too (never an orphan)', async () => {
    await inDb(async (w, dir) => {
      const leads = write(dir, 'l.csv', leadsCsv(4, { 2: 'L2,not a date,x,y,1,1,US,API' }));
      const acts = write(dir, 'a.csv', 'lead_id,occurred_at,activity_type\nL1,2024-02-01,x\nL2,2024-02-01,x\n');
      const r = await ingest(w, { leads, activities: acts, now: NOW });
      expect(r.tables.activities).toMatchObject({ loaded: 1, rejected: 1, reasons: { 'lead_id: unknown_lead': 1 } });
      expect(await w.all('SELECT lead_id FROM activities')).toEqual([{ lead_id: 'L1' }]);
    });
  });

  it('upserts: a changed lead replaces the old one, an outcome is replaced by its key', async () => {
    await inDb(async (w, dir) => {
      await ingest(w, { leads: write(dir, 'l.csv', leadsCsv(3)), now: NOW });
      await ingest(w, {
        outcomes: write(
          dir,
          'o1.csv',
          'lead_id,opportunity_id,created_at,status\nL1,O1,2024-03-01,open\nL2,,2024-03-01,open\n',
        ),
        now: NOW,
      });
      const r = await ingest(w, {
        leads: write(dir, 'l2.csv', leadsCsv(4, { 1: 'L1,2024-01-01,new@x.com,Acme,1,1,US,API' })),
        outcomes: write(
          dir,
          'o2.csv',
          'lead_id,opportunity_id,created_at,closed_at,status\nL1,O1,2024-03-01,2024-04-01,won\n' +
            'L2,,2024-03-01,2024-05-01,lost\n',
        ),
        now: NOW,
      });
      expect(r.tables.leads).toMatchObject({ loaded: 4, added: 1 });
      expect(await w.count('leads')).toBe(4);
      expect(await w.one('SELECT email FROM leads WHERE lead_id = $1', ['L1'])).toEqual({ email: 'new@x.com' });
      expect(await w.all('SELECT lead_id, opportunity_id, status FROM outcomes ORDER BY lead_id')).toEqual([
        { lead_id: 'L1', opportunity_id: 'O1', status: 'won' },
        { lead_id: 'L2', opportunity_id: null, status: 'lost' },
      ]);
    });
  });

  it('replaces rejected rows of the same file on re-ingest, and clears them once the file is fixed', async () => {
    await inDb(async (w, dir) => {
      const file = path.join(dir, 'leads.csv');
      write(dir, 'leads.csv', leadsCsv(5, { 2: 'L2,bad,x,y,1,1,US,API' }));
      await ingest(w, { leads: file, now: NOW, runId: 'a' });
      await ingest(w, { leads: file, now: NOW, runId: 'b' });
      expect(await w.all('SELECT run_id, row_number FROM rejected_rows')).toEqual([{ run_id: 'b', row_number: 2 }]);
      write(dir, 'leads.csv', leadsCsv(5));
      await ingest(w, { leads: file, now: NOW, runId: 'c' });
      expect(await w.count('rejected_rows')).toBe(0);
      expect(await w.count('leads')).toBe(5);
    });
  });

  it('reads Parquet and JSON lines sources', async () => {
    await inDb(async (w, dir) => {
      const pq = path.join(dir, 'leads.parquet');
      await w.exportQuery(
        `SELECT 'P' || i AS lead_id, TIMESTAMP '2024-01-01' + INTERVAL (i) DAY AS created_at, i * 2 AS ` +
          `company_size, i % 2 = 0 AS vip FROM range(1, 4) t(i)`,
        pq,
        'parquet',
      );
      const jl = write(
        dir,
        'acts.jsonl',
        '{"lead_id":"P1","occurred_at":"2024-02-01T00:00:00Z","activity_type":"email_open"}\n' +
          '{"lead_id":"P2","occurred_at":"nope","activity_type":"x"}\n',
      );
      const r = await ingest(w, { leads: pq, activities: jl, now: NOW });
      expect(r.tables.leads).toMatchObject({ read: 3, loaded: 3, rejected: 0 });
      expect(r.tables.activities).toMatchObject({ read: 2, loaded: 1, rejected: 1 });
      expect(
        JSON.parse((await w.one<{ extras: string }>(`SELECT extras FROM leads WHERE lead_id = 'P2'`))!.extras),
      ).toEqual({ vip: true });
    });
  });

  it('fatal problems throw a DataError before anything is written', async () => {
    await inDb(async (w, dir) => {
      await ensureCanonicalTables(w);
      const before = await snapshot(w);
      const good = write(dir, 'good.csv', leadsCsv(3));
      await expect(ingest(w, { leads: good, activities: path.join(dir, 'nope.csv') })).rejects.toThrow(
        /activities file not found/,
      );
      await expect(ingest(w, { leads: write(dir, 'empty.csv', '') })).rejects.toThrow(/leads file is empty/);
      await expect(ingest(w, { leads: write(dir, 'header.csv', 'lead_id,created_at\n') })).rejects.toThrow(
        /header but no data rows/,
      );
      await expect(
        ingest(w, { leads: good, outcomes: write(dir, 'o.csv', 'lead_id,created_at,state\nL1,2024-01-01,won\n') }),
      ).rejects.toThrow(/outcomes file .* has no column "status"/);
      await expect(ingest(w, { leads: good, dateFormat: '%d-%' })).rejects.toThrow(UsageError);
      await expect(ingest(w, { leads: good, activities: write(dir, 'e.csv', '') })).rejects.toBeInstanceOf(DataError);
      expect(await snapshot(w)).toEqual(before);
    });
  });

  it('--strict rolls back everything, including rows valid in other files', async () => {
    await inDb(async (w, dir) => {
      await ensureCanonicalTables(w);
      const before = await snapshot(w);
      const leads = write(dir, 'l.csv', leadsCsv(3));
      const acts = write(dir, 'a.csv', 'lead_id,occurred_at,activity_type\nL1,2024-01-01,x\nL7,2024-01-01,x\n');
      await expect(ingest(w, { leads, activities: acts, strict: true })).rejects.toThrow(
        /--strict: 1 row\(s\) rejected[\s\S]*activities row 2/,
      );
      expect(await snapshot(w)).toEqual(before);
    });
  });
});

describe('mapping files', () => {
  it('name the file and key on errors', () => {
    const dir = tmpDir();
    const fails = (file: string) => {
      try {
        loadMapping(file);
      } catch (err) {
        return err as ConfigError;
      }
      throw new Error('expected a ConfigError');
    };
    const e1 = fails(write(dir, 'm.yaml', 'leads: {lead_idd: "Prospect ID"}\n'));
    expect(e1.message).toMatch(/m\.yaml: leads: unknown key "lead_idd"/);
    expect(e1.hint).toMatch(/did you mean "lead_id"\?/);
    const e2 = fails(write(dir, 'm2.yaml', 'lead: {lead_id: x}\n'));
    expect(e2.message).toMatch(/m2\.yaml: unknown key "lead"/);
    expect(e2.hint).toMatch(/did you mean "leads"\?/);
    expect(() => loadMapping(write(dir, 'm3.yaml', 'leads: {lead_id: 3}\n'))).toThrow(ConfigError);
    expect(() => loadMapping(write(dir, 'm4.yaml', 'leads: {lead_id: "x"\n'))).toThrow(/m4\.yaml: not valid YAML/);
  });

  it('a mapped column missing from the file is a DataError naming both', async () => {
    await inDb(async (w, dir) => {
      const leads = write(dir, 'l.csv', leadsCsv(2));
      await expect(ingest(w, { leads, map: { leads: { lead_id: 'Prospect ID' } } })).rejects.toThrow(
        /leads\.lead_id maps to column "Prospect ID", but leads file .* has no such column/,
      );
    });
  });
});

describe('ingestFlat', () => {
  it('loads the bundled X Education dataset with target normalized to 0/1', async () => {
    await inDb(async (w) => {
      const file = path.resolve(import.meta.dirname, '../../data/x_education_leads.csv');
      const opts = { file, idColumn: 'Prospect ID', targetColumn: 'Converted', name: 'x_education', now: NOW };
      const r = await ingestFlat(w, opts);
      expect(r).toMatchObject({ read: 9240, loaded: 9240, rejected: 0, positives: 3561 });
      const cols = await w.tableColumns('x_education');
      expect(cols).toContain('Prospect ID');
      expect(cols).toContain('Converted');
      expect(cols.at(-1)).toBe('target');
      expect(await w.one('SELECT count(*)::INTEGER AS n FROM x_education WHERE target <> "Converted"')).toEqual({
        n: 0,
      });
      expect(await w.one('SELECT name, id_column, target_column, rows FROM flat_tables')).toEqual({
        name: 'x_education',
        id_column: 'Prospect ID',
        target_column: 'Converted',
        rows: 9240,
      });
      await ingestFlat(w, opts); // re-ingest replaces, never duplicates
      expect(await w.count('x_education')).toBe(9240);
      expect(await w.count('flat_tables')).toBe(1);
    });
  });

  it('rejects missing/duplicate ids and unknown targets; custom positive values', async () => {
    await inDb(async (w, dir) => {
      const file = write(dir, 'f.csv', 'id,Outcome,x\n1,Won,a\n2,Lost,b\n2,Won,c\n,Won,d\n3,maybe,e\n4,,f\n');
      await expect(
        ingestFlat(w, { file, idColumn: 'id', targetColumn: 'Outcome', name: 'deals', now: NOW }),
      ).rejects.toThrow(/4 of 6 rows \(67%\) were rejected, more than --max-reject-rate 0\.5, so nothing was written/);
      expect(await w.tableExists('deals')).toBe(false);
      const opts = { file, idColumn: 'id', targetColumn: 'Outcome', name: 'deals', now: NOW, maxRejectRate: 1 };
      const r = await ingestFlat(w, opts);
      expect(r).toMatchObject({ read: 6, loaded: 2, rejected: 4, positives: 1 });
      expect(r.samples.map((s) => s.reason)).toEqual([
        'id: duplicate of row 2 in this file (the first occurrence is kept)',
        'id: missing (an id is required)',
        'Outcome: "maybe" is not one of 1, yes, true, y, won, converted (positive) or 0, no, false, n, lost, ' +
          'not converted (negative)',
        'Outcome: missing (must be one of 1, yes, true, y, won, converted (positive) or 0, no, false, n, lost, ' +
          'not converted (negative))',
      ]);
      const r2 = await ingestFlat(w, { ...opts, positive: ['maybe'] });
      expect(r2).toMatchObject({ loaded: 3, positives: 1 }); // every other non-empty value is negative
      await expect(ingestFlat(w, { file, idColumn: 'ID ', targetColumn: 'Outcome', name: 'deals' })).rejects.toThrow(
        /no column "ID " \(--id\)/,
      );
      await expect(ingestFlat(w, { file, idColumn: 'id', targetColumn: 'Outcome', name: 'leads' })).rejects.toThrow(
        UsageError,
      );
    });
  });
});
