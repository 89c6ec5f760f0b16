/**
 * #19 case 1: `features build --into leads` replaced 5,000 leads with feature rows and exited 0; so did
 * `--into outcomes` and `rules score --out activities`. Output table names must never reach leadscore's
 * own tables, nor a table leadscore did not write unless --replace.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { withWarehouse } from '../../src/store/index.ts';
import { runLeadscore } from '../cli/run.ts';
import { smallCrm, tableStates, tempDir } from './helpers.ts';

let db: string;

beforeAll(async () => {
  db = await smallCrm(tempDir());
  await withWarehouse(db, (w) => w.run(`CREATE TABLE my_report AS SELECT 'keep me' AS note, 42 AS n`));
});

const build = (into: string, ...extra: string[]) =>
  runLeadscore(['features', 'build', '--db', db, '--as-of', '2025-06-01', '--into', into, ...extra]);
const rules = (out: string, ...extra: string[]) =>
  runLeadscore(['rules', 'score', '--db', db, '--as-of', '2025-06-01', '--out', out, ...extra]);

describe("output tables never overwrite leadscore's own tables", () => {
  const cases: Array<[string, () => ReturnType<typeof build>, RegExp]> = [
    ['features build --into leads', () => build('leads'), /"leads" is one of leadscore's own tables/],
    ['features build --into outcomes', () => build('outcomes'), /"outcomes" is one of leadscore's own tables/],
    ['features build --into LEADS (DuckDB names ignore case)', () => build('LEADS'), /"leads" is one of/],
    ['features build --into leads --replace', () => build('leads', '--replace'), /not even with --replace/],
    ['rules score --out activities', () => rules('activities'), /"activities" is one of leadscore's own tables/],
    ['rules score --out Activities --replace', () => rules('Activities', '--replace'), /not even with --replace/],
    ['features build --into lead_scores', () => build('lead_scores'), /one of leadscore's own tables/],
    ['features build --into "x; DROP TABLE leads"', () => build('x; DROP TABLE leads'), /letters, digits and/],
    ['features build --into a table of the user', () => build('my_report'), /was not written by leadscore/],
    ['rules score --out a table of the user', () => rules('my_report'), /pass --replace to overwrite it/],
  ];
  for (const [name, run, message] of cases) {
    it(`${name}: refused (exit 2), every table unchanged`, async () => {
      const before = await tableStates(db);
      const r = await run();
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/^hint: /m);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(await tableStates(db)).toEqual(before);
    });
  }

  it('a table leadscore wrote is replaced on the next run; a user table only with --replace', async () => {
    const first = await build('feature_table');
    expect(first.code).toBe(0);
    const again = await build('feature_table');
    expect(again.code).toBe(0);
    const leads = (await tableStates(db, ['leads'])).leads;
    expect((await rules('rule_scores')).code).toBe(0);
    expect((await rules('rule_scores')).code).toBe(0);
    const replaced = await build('my_report', '--replace');
    expect(replaced.code).toBe(0);
    const after = await tableStates(db, ['leads', 'my_report', 'feature_table']);
    expect(after.leads).toEqual(leads);
    expect(after.my_report.rows).toBe(after.feature_table.rows);
  });
});
