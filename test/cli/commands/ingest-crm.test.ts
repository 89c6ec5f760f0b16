import { describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { withWarehouse } from '../../../src/store/index.ts';
import { leadsCsv, tmpDir, write } from '../../ingest/helpers.ts';
import { runLeadscore } from '../run.ts';

const FX = path.resolve(import.meta.dirname, '../../fixtures/crm');
const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('leadscore ingest: real exports', () => {
  it('loads the funnel (dd-mm-yyyy leads, won-only deals at dd-mm-yyyy HH:MM) with one --map call', async () => {
    const db = path.join(tmpDir(), 'w.duckdb');
    const r = await runLeadscore(['ingest', '--db', db, '--map', path.join(FX, 'funnel', 'funnel.yaml'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.tables.leads).toMatchObject({ read: 4000, loaded: 4000, rejected: 0, extras: ['landing_page_id'] });
    expect(report.tables.outcomes).toMatchObject({ rejected: 0, filled: { status: report.tables.outcomes.loaded } });
    await withWarehouse(db, async (w) => {
      expect(await w.all(`SELECT DISTINCT status FROM outcomes`)).toEqual([{ status: 'won' }]);
      // the first won deal, e.g. mql00012,...,22-11-2024 12:35,...: day first, with its time
      const [id, , , , stamp] = fs
        .readFileSync(path.join(FX, 'funnel', 'closed_deals.csv'), 'utf8')
        .split('\n')[1]
        .split(',');
      const [d, m, y, hh, mm] = stamp.split(/[- :]/);
      const won = await w.one<{ closed_at: Date }>(`SELECT closed_at FROM outcomes WHERE lead_id = $1`, [id]);
      expect(won!.closed_at.toISOString()).toBe(`${y}-${m}-${d}T${hh}:${mm}:00.000Z`);
      expect(await w.count('leads', `extras->>'landing_page_id' LIKE 'page-%'`)).toBe(4000);
      expect(await w.count('activities')).toBe(0);
    });
    // the same call again changes nothing
    const again = await runLeadscore(['ingest', '--db', db, '--map', path.join(FX, 'funnel', 'funnel.yaml'), '--json']);
    expect(JSON.parse(again.stdout).tables.outcomes.added).toBe(0);
  });

  it('prints which columns were filled, left empty or kept in extras', async () => {
    const db = path.join(tmpDir(), 'w.duckdb');
    const hs = (f: string) => path.join(FX, 'hubspot', f);
    const r = await runLeadscore(['ingest', '--db', db, '--preset', 'hubspot', '--leads', hs('contacts.csv')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/filled +lead_id 3,000 \("Record ID"\), .*company 3,000 \("Company Name"\)/);
    expect(r.stdout).toMatch(/country 3,000 \("Country\/Region"\), lead_source 3,000 \("Original Source"\)/);
    expect(r.stdout).toMatch(/ranges +company_size: 2800 values were ranges/);
    expect(r.stdout).toMatch(/not loaded .*Lifecycle Stage, Lead Status, Became a Customer Date/);
    expect(r.stdout).toMatch(/skipped +status: not data/);
  });

  it('every row rejected (wrong date format): exit 3, --date-format named, the file byte for byte', async () => {
    const dir = tmpDir();
    const db = path.join(dir, 'w.duckdb');
    expect((await runLeadscore(['ingest', '--db', db, '--leads', write(dir, 'ok.csv', leadsCsv(5))])).code).toBe(0);
    const before = sha(db);
    const lines = ['lead_id,created_at', ...Array.from({ length: 20 }, (_, i) => `X${i},2024-13-${10 + i}`)];
    const bad = write(dir, 'bad.csv', lines.join('\n') + '\n');
    const r = await runLeadscore(['ingest', '--db', db, '--leads', bad]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/every row \(20\) was rejected, so nothing was written/);
    expect(r.stderr).toMatch(/created_at: bad_date: 20 row/);
    expect(r.stderr).toMatch(/--date-format/);
    expect(sha(db)).toBe(before);
    expect(fs.existsSync(`${db}.wal`)).toBe(false);
  });

  it('more than --max-reject-rate rejected exits 3; a higher rate loads the valid rows', async () => {
    const dir = tmpDir();
    const db = path.join(dir, 'w.duckdb');
    const rows = Array.from({ length: 10 }, (_, i) => `L${i},${i < 6 ? 'soon' : '2024-01-02'}`);
    const file = write(dir, 'l.csv', ['lead_id,created_at', ...rows].join('\n') + '\n');
    const r = await runLeadscore(['ingest', '--db', db, '--leads', file]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/6 of 10 rows \(60%\) were rejected, more than --max-reject-rate 0\.5/);
    const ok = await runLeadscore(['ingest', '--db', db, '--leads', file, '--max-reject-rate', '0.7', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).tables.leads).toMatchObject({ loaded: 4, rejected: 6 });
    expect((await runLeadscore(['ingest', '--db', db, '--leads', file, '--max-reject-rate', '2'])).code).toBe(2);
  });

  it('detects day-first dates, and refuses a column that could be either with a hint', async () => {
    const dir = tmpDir();
    const db = path.join(dir, 'w.duckdb');
    const dmy = write(dir, 'a.csv', 'lead_id,created_at\nA,03/04/2024 10:00\nB,25/12/2024\n');
    const r = await runLeadscore(['ingest', '--db', db, '--leads', dmy, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).tables.leads.date_formats.created_at).toMatch(/^dd\/mm\/yyyy .*\(detected\)$/);
    await withWarehouse(db, async (w) =>
      expect((await w.one<{ c: Date }>(`SELECT created_at AS c FROM leads WHERE lead_id = 'A'`))!.c.toISOString()).toBe(
        '2024-04-03T10:00:00.000Z',
      ),
    );
    const either = write(dir, 'b.csv', 'lead_id,created_at\nA,03/04/2024\nB,05/06/2024\n');
    const amb = await runLeadscore(['ingest', '--db', db, '--leads', either]);
    expect(amb.code).toBe(3);
    expect(amb.stderr).toMatch(/could be day-first or month-first/);
    expect(amb.stderr).toMatch(/--date-format dd\/mm\/yyyy or mm\/dd\/yyyy/);
    const stated = await runLeadscore(['ingest', '--db', db, '--leads', either, '--date-format', 'mm/dd/yyyy']);
    expect(stated.code, stated.stderr).toBe(0);
  });
});
