/**
 * --keep and --exclude through runTraining (what `leadscore train` calls), after the merge that moved the
 * CLI's flags into pipelines/train-run.ts: the audit's exclusions, the user's decisions and the model card
 * agree.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/random.ts';
import { runTraining } from '../../src/pipelines/train-run.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-keep-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** 1500 leads: an honest behavioural column, a call duration drawn from the outcome, a deal stage, a region. */
function writeLeads(file: string): void {
  const r = mulberry32(21);
  const lines = ['id,pages_viewed,Call Duration,Deal Stage,region,Converted'];
  for (let i = 0; i < 1500; i++) {
    const pages = Math.floor(r() * 20);
    const y = r() < 1 / (1 + Math.exp(-(pages - 10) / 3)) ? 1 : 0;
    const duration = Math.round(60 + 240 * r() + (y ? 120 : 0));
    const stage = y ? (r() < 0.7 ? 'Negotiation' : 'Qualified') : r() < 0.7 ? 'Qualified' : 'Negotiation';
    const region = ['north', 'south', 'east', 'west'][Math.floor(r() * 4)];
    lines.push(`L${i},${pages},${duration},${stage},${region},${y}`);
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

describe('runTraining: --keep and --exclude settle the leakage audit', () => {
  it('a kept column is trained on and recorded as the user kept it; an excluded one is never used', async () => {
    const csv = path.join(dir, 'leads.csv');
    writeLeads(csv);
    const pipeline = path.join(dir, 'quick.yaml');
    fs.writeFileSync(pipeline, 'neural:\n  hidden: [4]\n  maxEpochs: 3\n  patience: 1\n');
    const modelsDir = path.join(dir, 'models');
    const report = await runTraining({
      pipeline,
      data: csv,
      target: 'Converted',
      id: 'id',
      keep: ['Deal Stage'],
      exclude: ['region'],
      modelsDir,
      seed: 5,
      now: new Date('2026-01-01T00:00:00Z'),
    });
    // the audit still excludes the call duration; the user's region is excluded, the kept stage is not
    expect(report.excluded_columns.map((e) => e.column)).toEqual(['Call Duration']);
    expect(report.leakage.kept_by_user.map((k) => k.column)).toEqual(['Deal Stage']);
    expect(report.leakage.kept_by_user[0].reason).toMatch(/kept by the user .* although: its name reads as/);
    const excluded = Object.fromEntries(report.leakage.excluded.map((e) => [e.column, e.reason]));
    expect(Object.keys(excluded).sort()).toEqual(['Call Duration', 'region']);
    expect(excluded.region).toMatch(/excluded by the user/);
    // the card says the same, and its columns are what the model used
    const card = JSON.parse(fs.readFileSync(path.join(report.model.dir, 'model.json'), 'utf8'));
    expect(card.leakage.kept_by_user.map((k: { column: string }) => k.column)).toEqual(['Deal Stage']);
    const columns: string[] = card.features.columns;
    expect(columns.some((c) => c.startsWith('Deal Stage='))).toBe(true);
    expect(columns.some((c) => c.startsWith('region') || c.startsWith('Call Duration'))).toBe(false);
  });
});
