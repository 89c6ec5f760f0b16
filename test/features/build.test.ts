import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { Warehouse } from '../../src/store/index.ts';
import { ConfigError } from '../../src/errors.ts';
import {
  buildFeatureTable,
  countFutureEvents,
  createLeadAgePairs,
  loadFeatureSpec,
  parseFeatureSpec,
  readFrame,
  snapshotDates,
} from '../../src/features/index.ts';
import { canonicalWarehouse, insertCrm } from './helpers.ts';
import { runLeadscore } from '../cli/run.ts';
import { departmentSql, emailDomainKindSql, senioritySql } from '../../src/schema/index.ts';

const AS_OF = new Date('2024-03-01T00:00:00Z');
const spec = loadFeatureSpec(path.resolve('features/default.yaml'));

const leads = [
  {
    id: 'a',
    created: '2024-01-01T00:00:00Z',
    email: 'ann@acme.com',
    title: 'VP Sales',
    company: 'A very long company name incorporated',
    size: 300,
    country: 'Germany',
    source: 'web',
  },
  { id: 'b', created: '2024-02-01T00:00:00Z', email: 'bob@gmail.com', title: 'Student' },
];
const activities: Array<[string, string, string]> = [
  ['a', '2024-02-20T10:00:00Z', 'email_open'],
  ['a', '2024-02-20T10:00:01Z', 'email_click'],
  ['a', '2024-02-25T10:00:00Z', 'pricing_page_view'],
  ['a', '2024-02-28T10:00:00Z', 'pricing_page_view'],
  ['b', '2024-02-28T10:00:00Z', 'page_view'],
];

async function rowsOf(w: Warehouse, table = 'ft') {
  return w.all<Record<string, unknown>>(`SELECT * EXCLUDE (_max_event_at) FROM ${table} ORDER BY as_of, lead_id`);
}

describe('buildFeatureTable', () => {
  let w: Warehouse;
  beforeEach(async () => {
    w = await canonicalWarehouse();
  });
  afterEach(async () => w.close());

  it('computes attributes, derived attributes, windows, ratios, bursts and expressions as of the cutoff', async () => {
    await insertCrm(w, leads, activities);
    await buildFeatureTable(w, spec, { asOf: [AS_OF], withLabels: true, into: 'ft' });
    const [a, b] = await rowsOf(w);
    expect(a).toMatchObject({
      lead_id: 'a',
      email_domain_kind: 'corporate',
      seniority: 'vp',
      department: 'sales',
      region: 'europe',
      company_size: 300,
      email_open_30d: 1,
      email_click_30d: 1,
      clicks_per_open_30d: 1,
      pricing_view_7d: 2,
      pricing_view_90d: 2,
      web_active_days_30d: 2,
      activity_count_all: 4,
      max_events_10s: 2,
      rapid_events_2s: 1,
      long_company_name: 1,
      unsubscribed: 0,
      lead_age_days: 60,
    });
    // 2024-02-28 10:00 -> 03-01 00:00 (leap year: Feb 29)
    expect(a.days_since_last_activity as number).toBeCloseTo(1 + 14 / 24, 6);
    expect(a.first_touch_age_days as number).toBeCloseTo(9 + 14 / 24, 6);
    // decayed sum: each event weighs 0.5^(age/14)
    const ages = [9 + 14 / 24, 9 + 14 / 24 - 1 / 86400, 4 + 14 / 24, 1 + 14 / 24];
    expect(a.engagement_decay_14d as number).toBeCloseTo(
      ages.reduce((s, d) => s + 0.5 ** (d / 14), 0),
      9,
    );
    expect(a.days_since_high_intent).toBeNull();
    expect(b).toMatchObject({
      lead_id: 'b',
      email_domain_kind: 'free',
      seniority: 'student',
      student_title: 1,
      clicks_per_open_30d: null,
      email_open_30d: 0,
      long_company_name: 0,
    });
    expect(await countFutureEvents(w, 'ft')).toBe(0);
  });

  it('burst windows give the same values computed per pair (one as_of) as over all activities (several)', async () => {
    let seed = 5;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const types = ['email_open', 'page_view', 'pricing_page_view', 'content_download', 'email_click'];
    const many = Array.from({ length: 120 }, (_, i) => ({ id: `l${i}`, created: '2024-01-01T00:00:00Z' }));
    const acts: Array<[string, string, string]> = [];
    for (const l of many) {
      let t = Date.parse('2024-01-02T00:00:00Z') + rand() * 60 * 86_400_000;
      for (let e = Math.floor(rand() * 25); e > 0; e--) {
        // bursts: gaps of 0 (ties), under 2 s, under 10 s, or hours
        const r = rand();
        t += r < 0.15 ? 0 : r < 0.4 ? rand() * 2000 : r < 0.6 ? rand() * 10_000 : rand() * 3 * 86_400_000;
        acts.push([l.id, new Date(Math.round(t)).toISOString(), types[Math.floor(rand() * types.length)]]);
      }
    }
    await insertCrm(w, many, acts);
    const dates = [new Date('2024-02-01T00:00:00Z'), new Date('2024-03-01T00:00:00Z')];
    await buildFeatureTable(w, spec, { asOf: dates, withLabels: false, leads: 'all', into: 'several' });
    for (const d of dates)
      await buildFeatureTable(w, spec, { asOf: [d], withLabels: false, leads: 'all', into: `one_${d.getMonth()}` });
    const cols = 'lead_id, as_of, max_events_10s, rapid_events_2s, activity_count_all, days_since_last_activity';
    const several = await w.all(`SELECT ${cols} FROM several ORDER BY as_of, lead_id`);
    const one = await w.all(`SELECT ${cols} FROM one_1 UNION ALL SELECT ${cols} FROM one_2 ORDER BY as_of, lead_id`);
    expect(several.length).toBe(240);
    expect(one).toEqual(several);
    // the data does have bursts of every size
    expect(new Set(several.map((r) => r.max_events_10s)).size).toBeGreaterThan(3);
    expect(several.some((r) => (r.rapid_events_2s as number) >= 3)).toBe(true);
  });

  it('chunks of leads give the same table as one query (labels, open leads, burst ties, row id gaps)', async () => {
    let seed = 11;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const types = ['email_open', 'page_view', 'pricing_page_view', 'demo_request', 'webinar_attended'];
    const day = 86_400_000;
    const many = Array.from({ length: 90 }, (_, i) => ({
      id: `c${i}`,
      created: new Date(Date.parse('2024-01-01T00:00:00Z') + rand() * 40 * day).toISOString(),
      title: i % 4 ? 'Data Engineer' : null,
    }));
    const acts: Array<[string, string, string]> = [];
    for (const l of many) {
      let t = Date.parse(l.created);
      for (let e = Math.floor(rand() * 30); e > 0; e--) {
        t += rand() < 0.2 ? 0 : rand() < 0.5 ? rand() * 5000 : rand() * 4 * day;
        acts.push([l.id, new Date(Math.round(t)).toISOString(), types[Math.floor(rand() * types.length)]]);
      }
    }
    const won = many
      .filter((_, i) => i % 5 === 0)
      .map((l): [string, string, string] => [
        l.id,
        'won',
        new Date(Date.parse(l.created) + rand() * 150 * day).toISOString(),
      ]);
    await insertCrm(w, many, acts, won);
    const dates = snapshotDates(new Date('2024-02-01T00:00:00Z'), new Date('2024-05-01T00:00:00Z'), 'month');
    await buildFeatureTable(w, spec, { asOf: dates, withLabels: true, into: 'whole' });
    await buildFeatureTable(w, spec, { asOf: dates, withLabels: true, into: 'chunked', pairsPerChunk: 17 });
    const all = (t: string) => w.all<Record<string, unknown>>(`SELECT * FROM ${t} ORDER BY as_of, lead_id`);
    const whole = await all('whole');
    expect(await all('chunked')).toEqual(whole);
    // leads are numbered by row id: a third of them deleted and stored again leaves gaps and moves them to the end
    await w.run(`CREATE TEMP TABLE moved AS SELECT * FROM leads WHERE hash(lead_id) % 3 = 0`);
    await w.run(`DELETE FROM leads WHERE lead_id IN (SELECT lead_id FROM moved)`);
    await w.run(`INSERT INTO leads SELECT * FROM moved`);
    await buildFeatureTable(w, spec, { asOf: dates, withLabels: true, into: 'renumbered', pairsPerChunk: 17 });
    expect(await all('renumbered')).toEqual(whole);
    // the data has labels of both kinds, won leads left out, and bursts
    expect(new Set(whole.map((r) => r.label))).toEqual(new Set([0, 1]));
    expect(whole.length).toBeLessThan(4 * many.length);
    expect(whole.some((r) => (r.rapid_events_2s as number) >= 2)).toBe(true);
  });

  it('an activity dated at or after as_of changes no feature value', async () => {
    await insertCrm(w, leads, activities);
    await buildFeatureTable(w, spec, { asOf: [AS_OF], withLabels: true, into: 'before' });
    // the future: exactly at as_of, a second later, and a burst next week, for both leads
    await insertCrm(
      w,
      [],
      [
        ['a', '2024-03-01T00:00:00Z', 'demo_request'],
        ['a', '2024-03-01T00:00:01Z', 'unsubscribe'],
        ['b', '2024-03-08T00:00:00Z', 'email_bounce'],
        ['b', '2024-03-08T00:00:00.500Z', 'pricing_page_view'],
        ['b', '2024-03-08T00:00:01Z', 'pricing_page_view'],
      ],
    );
    await buildFeatureTable(w, spec, { asOf: [AS_OF], withLabels: true, into: 'after' });
    expect(await rowsOf(w, 'after')).toEqual(await rowsOf(w, 'before'));
    // ... while a later snapshot does see them
    await buildFeatureTable(w, spec, { asOf: [new Date('2024-03-09T00:00:00Z')], withLabels: false, into: 'later' });
    const later = await rowsOf(w, 'later');
    expect(later.find((r) => r.lead_id === 'a')).toMatchObject({ unsubscribed: 1, high_intent_90d: 1 });
    expect(later.find((r) => r.lead_id === 'b')).toMatchObject({ bounced: 1, max_events_10s: 3, rapid_events_2s: 2 });
  });

  it(
    'labels: won a day before as_of + horizon is 1, a day after is 0, won before as_of is absent, created ' +
      'after as_of is absent',
    async () => {
      const day = 86_400_000;
      const end = AS_OF.getTime() + 90 * day;
      await insertCrm(
        w,
        [
          { id: 'inside', created: '2024-01-01T00:00:00Z' },
          { id: 'outside', created: '2024-01-01T00:00:00Z' },
          { id: 'won_before', created: '2024-01-01T00:00:00Z' },
          { id: 'lost', created: '2024-01-01T00:00:00Z' },
          { id: 'at_as_of', created: '2024-01-01T00:00:00Z' },
          { id: 'created_later', created: '2024-03-01T00:00:00Z' },
        ],
        [],
        [
          ['inside', 'won', new Date(end - day).toISOString()],
          ['outside', 'won', new Date(end + day).toISOString()],
          ['won_before', 'won', '2024-02-29T23:59:59Z'],
          ['lost', 'lost', '2024-03-10T00:00:00Z'],
          ['at_as_of', 'won', AS_OF.toISOString()],
          ['created_later', 'won', '2024-03-10T00:00:00Z'],
        ],
      );
      await buildFeatureTable(w, spec, { asOf: [AS_OF], withLabels: true, into: 'ft' });
      const labels = Object.fromEntries(
        (await w.all<{ lead_id: string; label: number }>('SELECT lead_id, label FROM ft')).map((r) => [
          r.lead_id,
          r.label,
        ]),
      );
      expect(labels).toEqual({ inside: 1, outside: 0, lost: 0, at_as_of: 1 });
      // leads: 'all' keeps the already-won lead (label 0: nothing new in the window)
      await buildFeatureTable(w, spec, { asOf: [AS_OF], withLabels: true, leads: 'all', into: 'ft_all' });
      expect(await w.one('SELECT label FROM ft_all WHERE lead_id = $1', ['won_before'])).toEqual({ label: 0 });
      // a shorter horizon moves the boundary
      await buildFeatureTable(w, spec, { asOf: [AS_OF], withLabels: true, horizonDays: 30, into: 'ft30' });
      expect(await w.one('SELECT label FROM ft30 WHERE lead_id = $1', ['inside'])).toEqual({ label: 0 });
    },
  );

  it('builds several monthly snapshots and per-lead age snapshots in one table', async () => {
    await insertCrm(w, leads, activities, [['a', 'won', '2024-03-15T00:00:00Z']]);
    const dates = snapshotDates(new Date('2024-01-15T00:00:00Z'), new Date('2024-04-15T00:00:00Z'), 'month');
    expect(dates.map((d) => d.toISOString().slice(0, 10))).toEqual([
      '2024-01-15',
      '2024-02-15',
      '2024-03-15',
      '2024-04-15',
    ]);
    const { rows } = await buildFeatureTable(w, spec, { asOf: dates, withLabels: true, into: 'ft' });
    // a: Jan 15, Feb 15, Mar 15 (won Mar 15, inside all three 90-day windows; at exactly as_of still open), not Apr 15
    const got = await w.all<{ lead_id: string; d: string; label: number }>(
      `SELECT lead_id, strftime(as_of, '%m-%d') AS d, label FROM ft ORDER BY lead_id, as_of`,
    );
    expect(got).toEqual([
      { lead_id: 'a', d: '01-15', label: 1 },
      { lead_id: 'a', d: '02-15', label: 1 },
      { lead_id: 'a', d: '03-15', label: 1 },
      { lead_id: 'b', d: '02-15', label: 0 },
      { lead_id: 'b', d: '03-15', label: 0 },
      { lead_id: 'b', d: '04-15', label: 0 },
    ]);
    expect(rows).toBe(6);
    await createLeadAgePairs(w, [7, 30], 'age_pairs');
    await buildFeatureTable(w, spec, { asOf: 'age_pairs', withLabels: true, into: 'by_age' });
    const ages = await w.all<{ lead_id: string; age: number }>(
      'SELECT lead_id, lead_age_days AS age FROM by_age ORDER BY lead_id, age',
    );
    expect(ages).toEqual([
      { lead_id: 'a', age: 7 },
      { lead_id: 'a', age: 30 },
      { lead_id: 'b', age: 7 },
      { lead_id: 'b', age: 30 },
    ]);
  });

  it('reads a feature table into a frame (numeric NaN for missing, categorical null)', async () => {
    await insertCrm(w, leads, activities, [['a', 'won', '2024-03-15T00:00:00Z']]);
    await buildFeatureTable(w, spec, { asOf: [AS_OF], withLabels: true, into: 'ft' });
    const frame = await readFrame(w, 'ft', spec);
    expect(frame.ids).toEqual(['a', 'b']);
    expect(Array.from(frame.label!)).toEqual([1, 0]);
    expect(frame.asOf[0]).toBe(AS_OF.getTime());
    const col = (n: string) => frame.columns.find((c) => c.name === n)!;
    expect(col('seniority').values).toEqual(['vp', 'student']);
    expect(col('industry').values).toEqual([null, null]);
    expect(Number.isNaN((col('clicks_per_open_30d').values as Float64Array)[1])).toBe(true);
    expect(frame.columns.map((c) => c.name)).toEqual(spec.features.map((f) => f.name));
  });

  it(
    'title and email classes looked up per distinct title and domain equal the classifiers run on every lead ' +
      '(NULLs, case, blanks)',
    async () => {
      const emails = [
        ' Ann@ACME.com ',
        'x@MIT.EDU',
        undefined,
        'no-at-sign',
        'a@',
        'b@mailinator.com',
        'c@rivalsoft.com',
        'd@Gmail.com',
        'e@acme.com',
        'f@uni.ac.uk',
      ];
      const titles = [
        ' VP of Sales',
        undefined,
        '',
        'PhD student',
        'Marketing Manager',
        'chief executive',
        'Engineer',
        'vp of sales',
        'Intern',
        'Director, IT',
      ];
      const many = emails.map((email, i) => ({
        id: `m${i}`,
        created: '2024-01-01T00:00:00Z',
        email,
        title: titles[i],
      }));
      await insertCrm(w, many);
      await buildFeatureTable(w, spec, { asOf: [AS_OF], withLabels: false, leads: 'all', into: 'classes' });
      const got = await w.all(
        `SELECT lead_id, email_domain_kind, seniority, department, disposable_email, competitor_email, ` +
          `student_title FROM classes ORDER BY lead_id`,
      );
      const want = await w.all(
        `SELECT lead_id, ${emailDomainKindSql('email', spec.competitor_domains)} AS email_domain_kind,
         ${senioritySql('job_title')} AS seniority, ${departmentSql('job_title')} AS department,
         (${emailDomainKindSql('email', spec.competitor_domains)} = 'disposable')::DOUBLE AS disposable_email,
           (${emailDomainKindSql('email', spec.competitor_domains)} = 'competitor')::DOUBLE AS competitor_email,
         (${senioritySql('job_title')} = 'student' OR ${emailDomainKindSql('email', spec.competitor_domains)} =
           'academic')::DOUBLE AS student_title
       FROM leads ORDER BY lead_id`,
      );
      expect(got).toEqual(want);
      // every class shows up, so the comparison means something
      expect(new Set(got.map((r) => r.email_domain_kind))).toEqual(
        new Set(['corporate', 'academic', 'missing', 'disposable', 'competitor', 'free']),
      );
      expect(new Set(got.map((r) => r.seniority))).toContain('missing');
    },
  );

  it('places rows by the pairs rn when asked (the sorted frame, permuted), and refuses an rn used twice', async () => {
    const many = Array.from({ length: 40 }, (_, i) => ({
      id: `l${String(i).padStart(2, '0')}`,
      created: '2024-01-01T00:00:00Z',
      title: i % 3 ? 'VP Sales' : 'Student',
      size: i % 4 ? 10 * i : undefined,
    }));
    const acts = many.flatMap((l, i): Array<[string, string, string]> =>
      Array.from({ length: i % 5 }, (_, e) => [
        l.id,
        `2024-02-${String(10 + e).padStart(2, '0')}T10:00:00Z`,
        'page_view',
      ]),
    );
    await insertCrm(w, many, acts);
    // rn: the reverse of the lead_id order, so a reader ignoring it would come out wrong
    await w.run(
      `CREATE TABLE pairs AS SELECT (39 - (row_number() OVER (ORDER BY lead_id) - 1))::INTEGER AS rn, lead_id, ` +
        `TIMESTAMP '2024-03-01' AS as_of FROM leads`,
    );
    await buildFeatureTable(w, spec, { asOf: 'pairs', withLabels: false, leads: 'all', into: 'sorted' });
    await buildFeatureTable(w, spec, {
      asOf: 'pairs',
      withLabels: false,
      leads: 'all',
      into: 'placed',
      rowNumbers: true,
    });
    const sorted = await readFrame(w, 'sorted', spec);
    const placed = await readFrame(w, 'placed', spec, { rowNumbers: true, idsInto: 'placed_ids' });
    const reversed = <T>(a: ArrayLike<T>) => Array.from(a).reverse();
    // the same rows stored in another order, with a row id gap (a row deleted): still read in (as_of, lead_id) order
    await w.run(`CREATE TABLE shuffled AS SELECT * FROM sorted WHERE false`);
    await w.run(`INSERT INTO shuffled SELECT * FROM sorted WHERE lead_id = 'l07'`);
    await w.run(`DELETE FROM shuffled`);
    await w.run(`INSERT INTO shuffled SELECT * FROM sorted ORDER BY hash(lead_id)`);
    const shuffled = await readFrame(w, 'shuffled', spec);
    expect(shuffled.ids).toEqual(sorted.ids);
    expect(shuffled.columns).toEqual(sorted.columns);
    // the row numbering's TEMP table is gone
    expect(await w.all(`SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '_ls_rows_%'`)).toEqual([]);
    expect(placed.ids).toEqual(reversed(sorted.ids));
    expect(Array.from(placed.asOf)).toEqual(reversed(sorted.asOf));
    for (const [j, c] of placed.columns.entries())
      expect(Array.from(c.values as ArrayLike<unknown>), c.name).toEqual(
        reversed(sorted.columns[j].values as ArrayLike<unknown>),
      );
    expect(await w.all('SELECT rn, lead_id FROM placed_ids WHERE rn IN (0, 39) ORDER BY rn')).toEqual([
      { rn: 0, lead_id: 'l39' },
      { rn: 39, lead_id: 'l00' },
    ]);
    // ids left in SQL: n empty strings
    expect((await readFrame(w, 'placed', spec, { rowNumbers: true, ids: false })).ids).toEqual(new Array(40).fill(''));
    await w.run(`UPDATE placed SET rn = 0 WHERE lead_id = 'l05'`);
    await expect(readFrame(w, 'placed', spec, { rowNumbers: true })).rejects.toThrow(/rn 0 is on two rows/);
    await expect(readFrame(w, 'sorted', spec, { rowNumbers: true })).rejects.toThrow(/has no rn column/);
  });

  it('runs expression features with file access disabled: read_csv fails with a ConfigError', async () => {
    await insertCrm(w, leads, activities);
    const evil = parseFeatureSpec(
      { features: [{ name: 'peek', type: 'expr', sql: "(SELECT count(*) FROM read_csv('/etc/passwd'))" }] },
      'evil.yaml',
    );
    const err = await buildFeatureTable(w, evil, { asOf: [AS_OF], withLabels: false, into: 'x' }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/evil\.yaml: features\[0\] \(peek\)\.sql/);
    const bad = parseFeatureSpec(
      { features: [{ name: 'oops', type: 'expr', sql: 'length(nonexistent_column)' }] },
      'bad.yaml',
    );
    await expect(buildFeatureTable(w, bad, { asOf: [AS_OF], withLabels: false, into: 'x' })).rejects.toThrow(
      ConfigError,
    );
    const cat = parseFeatureSpec(
      { features: [{ name: 'tld', type: 'expr', kind: 'categorical', sql: "split_part(email, '.', -1)" }] },
      'ok.yaml',
    );
    await buildFeatureTable(w, cat, { asOf: [AS_OF], withLabels: false, into: 'x' });
    expect(await w.all('SELECT lead_id, tld FROM x ORDER BY lead_id')).toEqual([
      { lead_id: 'a', tld: 'com' },
      { lead_id: 'b', tld: 'com' },
    ]);
  });

  it('checks activity names against the warehouse too', async () => {
    await insertCrm(w, leads, [['a', '2024-02-01T00:00:00Z', 'chat_started']]);
    const custom = parseFeatureSpec(
      { features: [{ name: 'chats', type: 'activity', activities: 'chat_started', agg: 'count' }] },
      'c.yaml',
      { knownActivities: ['chat_started'] },
    );
    await buildFeatureTable(w, custom, { asOf: [AS_OF], withLabels: false, into: 'x' });
    expect(await w.all('SELECT lead_id, chats FROM x ORDER BY lead_id')).toEqual([
      { lead_id: 'a', chats: 1 },
      { lead_id: 'b', chats: 0 },
    ]);
  });
});

describe('features CLI on a warehouse', () => {
  it('build --json prints shape and per-feature summary; audit --json reports no future events', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ls-feat-cli-'));
    const db = path.join(dir, 'w.duckdb');
    const w = await canonicalWarehouse();
    try {
      await insertCrm(w, leads, activities, [['a', 'won', '2024-03-15T00:00:00Z']]);
      await w.run(`ATTACH '${db}' AS f; COPY FROM DATABASE memory TO f; DETACH f`);
    } finally {
      await w.close();
    }
    const cli = (...args: string[]) => runLeadscore(['features', ...args]);
    const b = await cli(
      'build',
      '--db',
      db,
      '--as-of',
      '2024-02-15',
      '--as-of',
      '2024-03-01',
      '--into',
      'train_set',
      '--json',
    );
    expect(b.code, b.stderr).toBe(0);
    const out = JSON.parse(b.stdout);
    expect(out).toMatchObject({ table: 'train_set', rows: 4, positives: 2 });
    expect(out.features.find((f: { feature: string }) => f.feature === 'seniority').top).toMatch(/student 50%, vp 50%/);
    const a = await cli('audit', '--db', db, '--as-of', '2024-03-01', '--train-fraction', '1', '--json');
    expect(a.code, a.stderr).toBe(0);
    const audit = JSON.parse(a.stdout);
    expect(audit.future_events).toBe(0);
    expect(audit.features.length).toBe(spec.features.length);
    expect(audit.suspected.every((s: { column: string; reason: string }) => typeof s.reason === 'string')).toBe(true);
  });
});
