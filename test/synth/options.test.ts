import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, UsageError } from '../../src/errors.ts';
import { DEFAULT_PERSONA_MIX, PERSONAS, validateGenerateOptions } from '../../src/synth/index.ts';
import { tmpDir } from './helpers.ts';

const usage = (raw: Parameters<typeof validateGenerateOptions>[0], message: RegExp) => {
  expect(() => validateGenerateOptions(raw)).toThrow(UsageError);
  expect(() => validateGenerateOptions(raw)).toThrow(message);
};

describe('validateGenerateOptions', () => {
  it('fills defaults: 2024-01-01 .. 2025-12-31 UTC, 5%, the default mix', () => {
    const { options, warnings } = validateGenerateOptions({});
    expect(options.start.toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(options.end.toISOString()).toBe('2025-12-31T00:00:00.000Z');
    expect(options.conversionRate).toBe(0.05);
    expect(options.personaMix).toEqual(DEFAULT_PERSONA_MIX);
    expect(PERSONAS.reduce((s, p) => s + DEFAULT_PERSONA_MIX[p], 0)).toBeCloseTo(1, 12);
    expect(warnings).toEqual([]);
  });

  it('rejects bad counts, dates and rates with the flag named', () => {
    usage({ leads: '-5' }, /--leads must be a positive whole number, got "-5"/);
    usage({ leads: 0 }, /--leads/);
    usage({ leads: '1.5' }, /--leads/);
    usage({ leads: 'many' }, /--leads/);
    usage({ seed: 'x' }, /--seed must be a whole number/);
    usage({ start: '2025-01-01', end: '2024-01-01' }, /--end .* must be at least one day after --start/);
    usage({ start: 'yesterday' }, /--start must be a date like 2024-01-01/);
    usage({ conversionRate: 0 }, /strictly between 0 and 1/);
    usage({ conversionRate: '1' }, /strictly between 0 and 1/);
    usage({ conversionRate: '-0.1' }, /strictly between 0 and 1/);
  });

  it('checks persona names and shares', () => {
    usage({ personaMix: 'idael=0.1' }, /unknown persona "idael" \(did you mean "ideal"\?\)/);
    usage({ personaMix: 'ideal' }, /cannot read "ideal"/);
    usage({ personaMix: 'ideal=2' }, /share of "ideal" must be a number in \[0, 1\]/);
    usage({ personaMix: 'ideal=0.7,evaluator=0.6' }, /sum to 1.3, more than 1/);
    const all = PERSONAS.map((p) => `${p}=0.1`).join(',');
    usage({ personaMix: all }, /sum to 0.8, not 1/);
  });

  it('lets personas left out share the remainder in default proportions, with a warning', () => {
    const { options, warnings } = validateGenerateOptions({ personaMix: 'ideal=0.2,spam=0' });
    expect(options.personaMix.ideal).toBe(0.2);
    expect(options.personaMix.spam).toBe(0);
    const total = PERSONAS.reduce((s, p) => s + options.personaMix[p], 0);
    expect(total).toBeCloseTo(1, 12);
    // evaluator:newsletter keep their default ratio
    expect(options.personaMix.evaluator / options.personaMix.newsletter).toBeCloseTo(0.25 / 0.22, 12);
    expect(warnings[0]).toMatch(/share the remaining 0.8/);
  });

  it('reads a personas YAML file (plain or under `personas:`) and reports bad files', () => {
    const dir = tmpDir();
    const ok = path.join(dir, 'ok.yaml');
    fs.writeFileSync(ok, 'personas:\n  ideal: 0.1\n  competitor: 0.02\n');
    expect(validateGenerateOptions({ personas: ok }).options.personaMix.competitor).toBe(0.02);
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, 'ideal: 0.1\nrobots: 0.2\n');
    expect(() => validateGenerateOptions({ personas: bad })).toThrow(ConfigError);
    expect(() => validateGenerateOptions({ personas: bad })).toThrow(/bad.yaml: unknown persona "robots"/);
    usage({ personas: path.join(dir, 'missing.yaml') }, /file not found/);
    usage({ personas: ok, personaMix: 'ideal=0.1' }, /either --personas FILE or --persona-mix/);
  });
});
