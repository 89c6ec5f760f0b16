import { describe, expect, it } from 'vitest';
import { withWarehouse } from '../../src/store/index.ts';
import { companySizeBandSql, emailDomainKindSql, regionSql, senioritySql } from '../../src/schema/derived-sql.ts';

describe('derived attribute SQL', () => {
  it('classifies emails, titles, sizes and countries', async () => {
    await withWarehouse(':memory:', async (w) => {
      const rows = await w.all<{ kind: string; sen: string; band: string; region: string }>(`
        SELECT ${emailDomainKindSql('e')} AS kind, ${senioritySql('t')} AS sen,
          ${companySizeBandSql('s')} AS band, ${regionSql('c')} AS region
        FROM (VALUES
          ('ann@acme.com', 'VP of Marketing', 250, 'Germany'),
          ('bob@gmail.com', 'CEO', 5, 'India'),
          ('x@mailinator.com', 'Student', NULL, 'Atlantis'),
          ('spy@rivalsoft.com', 'Marketing Manager', 6000, NULL),
          (NULL, NULL, 0, 'Canada'),
          ('prof@mit.edu', 'Researcher', 11, 'United States')
        ) v(e, t, s, c) `);
      expect(rows).toEqual([
        { kind: 'corporate', sen: 'vp', band: '201-1000', region: 'europe' },
        { kind: 'free', sen: 'c_level', band: '1-10', region: 'apac' },
        { kind: 'disposable', sen: 'student', band: 'missing', region: 'other' },
        { kind: 'competitor', sen: 'manager', band: '5000+', region: 'missing' },
        { kind: 'missing', sen: 'missing', band: 'other', region: 'north_america' },
        { kind: 'academic', sen: 'student', band: '11-50', region: 'north_america' },
      ]);
    });
  });
});
