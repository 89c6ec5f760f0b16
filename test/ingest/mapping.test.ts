import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { ConfigError } from '../../src/errors.ts';
import { loadMapping, parseMapping } from '../../src/ingest/mapping.ts';
import { csvDialect, uniqueNames } from '../../src/ingest/csv-dialect.ts';
import { strftimeOf } from '../../src/ingest/dates.ts';
import { tmpDir, write } from './helpers.ts';

describe('mapping files', () => {
  it('resolve the structured form, the old flat form and lists of entries; files relative to the mapping', () => {
    const dir = tmpDir();
    const m = loadMapping(
      write(
        dir,
        'm.yaml',
        [
          'leads: {lead_id: "Record ID", created_at: "Create Date"}',
          'activities:',
          '  - {file: a.csv, columns: {lead_id: WhoId, occurred_at: [ActivityDate, CreatedDate]}, unknown_leads: skip}',
          '  - {file: /abs/b.csv, columns: {lead_id: LeadId}, constants: {activity_type: 7}}',
          'outcomes:',
          '  file: deals.csv',
          '  values: {status: {"Closed Won": won, "Closed Lost": lost, Open: ~}}',
          '  rules: {status: [{when: {IsWon: [true, 1]}, value: won}]}',
          '  split: {lead_id: ";"}',
          '  date_format: dd-mm-yyyy HH:MM',
        ].join('\n'),
      ),
    );
    expect(m.tables.leads![0].columns).toEqual({ lead_id: ['Record ID'], created_at: ['Create Date'] });
    const [a, b] = m.tables.activities!;
    expect(a).toMatchObject({ file: path.join(dir, 'a.csv'), unknownLeads: 'skip' });
    expect(a.columns.occurred_at).toEqual(['ActivityDate', 'CreatedDate']);
    expect(b).toMatchObject({ file: '/abs/b.csv', constants: { activity_type: '7' } });
    const o = m.tables.outcomes![0];
    expect(o.values.status).toEqual({ 'Closed Won': 'won', 'Closed Lost': 'lost', Open: null });
    expect(o.rules.status).toEqual([{ when: { IsWon: ['true', '1'] }, value: 'won' }]);
    expect(o).toMatchObject({ split: { lead_id: ';' }, dateFormat: 'dd-mm-yyyy HH:MM' });
  });

  it('refuse a column mapped twice, a column with both a source and a constant, and unknown keys', () => {
    expect(() => parseMapping({ leads: { lead_id: 'A', columns: { lead_id: 'B' } } })).toThrow(/mapped twice/);
    expect(() => parseMapping({ outcomes: { columns: { status: 'S' }, constants: { status: 'won' } } })).toThrow(
      /both a source column and a constant/,
    );
    expect(() => parseMapping({ leads: { colums: { lead_id: 'A' } } })).toThrow(ConfigError);
    expect(() => parseMapping({ leads: { lookup: { lead_id: { column: 'a', leads_column: 'b' } } } })).toThrow(
      /only activities and outcomes link to leads/,
    );
  });
});

describe('stated formats', () => {
  it('dd-mm-yyyy patterns become strftime; strftime stays', () => {
    expect(strftimeOf('dd-mm-yyyy HH:MM')).toBe('%d-%m-%Y %H:%M');
    expect(strftimeOf('mm/dd/yy hh:MM AM/PM')).toBe('%m/%d/%y %I:%M %p');
    expect(strftimeOf('%d.%m.%Y')).toBe('%d.%m.%Y');
    expect(() => strftimeOf('soon')).toThrow(/names no date parts/);
  });

  it("the CSV delimiter is the header line's; header names are made unique", () => {
    const dir = tmpDir();
    expect(csvDialect(write(dir, 'a.csv', 'a;b;"c;d"\n1;2;3\n'), 'a.csv', 'leads').columns).toEqual(['a', 'b', 'c;d']);
    expect(csvDialect(write(dir, 'b.csv', 'a\tb\tc,d\n'), 'b.csv', 'leads').delimiter).toBe('\t');
    expect(csvDialect(write(dir, 'c.csv', 'only\n1\n'), 'c.csv', 'leads').delimiter).toBe(',');
    expect(uniqueNames(['Name', 'name', '', ' Name '])).toEqual(['Name', 'name_2', 'column3', 'Name_3']);
  });
});
