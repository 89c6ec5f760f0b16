import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Warehouse } from '../../../src/store/index.ts';
import { CANONICAL_DDL } from '../../../src/schema/index.ts';
import { addEvents, addLead, daysBefore } from '../../rules/helpers.ts';
import { runLeadscore } from '../run.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-rules-cli-'));
const db = path.join(dir, 'w.duckdb');

const cli = (...args: string[]) => runLeadscore(args);

/** The parts of models/rules.yaml these tests edit. */
type RulesDoc = Record<'fit' | 'engagement', { criteria: Array<Record<string, unknown>> }>;
let edited = 0;

/** The default rules with one criterion edited, written to a file. */
function badRules(edit: (doc: RulesDoc) => void): string {
  const doc = YAML.parse(fs.readFileSync('models/rules.yaml', 'utf8'));
  edit(doc);
  const file = path.join(dir, `bad-${++edited}.yaml`);
  fs.writeFileSync(file, YAML.stringify(doc));
  return file;
}

describe('leadscore rules (CLI)', () => {
  beforeAll(async () => {
    const w = await Warehouse.open(db);
    await w.run(CANONICAL_DDL);
    await addLead(w, {
      lead_id: 'L1',
      created_at: daysBefore(20),
      email: 'ann@acme.com',
      job_title: 'CEO',
      company_size: 300,
      industry: 'software',
    });
    await addEvents(w, 'L1', [
      ['demo_request', daysBefore(1)],
      ['webinar_attended', daysBefore(2)],
    ]);
    await addLead(w, { lead_id: 'L2', created_at: daysBefore(20), email: 'spy@rivalsoft.com' });
    await w.close();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('rules check: an unknown activity exits 3, names the key and suggests the closest name', async () => {
    const file = badRules((d) => (d.engagement.criteria[4].activity = 'webinar_attend'));
    const r = await cli('rules', 'check', file);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toContain(
      'engagement.criteria[4].activity: unknown activity type "webinar_attend" (did you mean "webinar_attended"?)',
    );
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('rules check: an unknown attribute exits 3 with a suggestion; a good file passes', async () => {
    const file = badRules((d) => (d.fit.criteria[0].attribute = 'senority'));
    const r = await cli('rules', 'check', file);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('fit.criteria[0].attribute: unknown attribute "senority" (did you mean "seniority"?)');
    const ok = await cli('rules', 'check', 'models/rules.yaml');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/valid, 27 criteria/);
    expect(ok.stdout).toContain('hand_raiser');
  });

  it('rules score prints the distribution and writes the table', async () => {
    const r = await cli('rules', 'score', '--db', db, '--as-of', '2025-06-30', '--out', 'rule_scores', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.leads).toBe(2);
    expect(out.bands.find((b: { band: string }) => b.band === 'excluded').leads).toBe(1);
    expect(out.exclusions).toEqual([{ reason: 'competitor email domain', leads: 1 }]);
    expect(out.table).toBe('rule_scores');
  });

  it('rules explain: the JSON adds up; an unknown lead exits 3; a missing --as-of exits 2', async () => {
    const r = await cli('rules', 'explain', '--db', db, '--lead', 'L1', '--as-of', '2025-06-30', '--json');
    expect(r.code, r.stderr).toBe(0);
    const ex = JSON.parse(r.stdout);
    expect(ex.rules.map((x: { rule: string }) => x.rule)).toContain('hand_raiser');
    expect(ex.total).toBe(Math.min(100, Math.max(0, ex.fit.points + ex.engagement.points + ex.negative.points)));
    const missing = await cli('rules', 'explain', '--db', db, '--lead', 'L9', '--as-of', '2025-06-30');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/no lead with id "L9"/);
    expect((await cli('rules', 'score', '--db', db)).code).toBe(2);
  });
});
