import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../../synth/helpers.ts';
import { runLeadscore } from '../run.ts';

const cli = (...args: string[]) => runLeadscore(['generate', ...args]);

describe('leadscore generate (CLI)', () => {
  it('exits 2 with a clear message for bad options, without a stack trace', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--leads', '-5'], /--leads must be a positive whole number, got "-5"/],
      [['--start', '2025-01-01', '--end', '2024-06-01'], /--end .* must be at least one day after --start/],
      [['--conversion-rate', '1.5'], /--conversion-rate must be a number strictly between 0 and 1/],
      [['--persona-mix', 'ideal=0.1,robot=0.2'], /unknown persona "robot"/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(...args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('writes a warehouse and prints the truth summary as JSON', async () => {
    const db = path.join(tmpDir(), 'cli.duckdb');
    const r = await cli('--db', db, '--leads', '400', '--seed', '9', '--json');
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.db).toBe(db);
    expect(report.rows.leads).toBe(400);
    expect(report.rows.truth).toBe(400);
    expect(Object.keys(report.personas)).toHaveLength(8);
    expect(typeof report.oracleAuc).toBe('number');
    expect(report.conversionRate).toBeGreaterThan(0);
  });
});
