import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT, resolveBundled } from '../src/bundled.ts';
import { runLeadscore } from './cli/run.ts';

describe('bundled defaults', () => {
  it('are found from any working directory; a path the user chose is never redirected', async () => {
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-cwd-'));
    const ok = await runLeadscore(['rules', 'check'], { cwd: elsewhere });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/valid, \d+ criteria/);
    const before = process.cwd();
    process.chdir(elsewhere);
    let resolved: string[];
    try {
      resolved = [resolveBundled('features/default.yaml'), resolveBundled('features/mine.yaml')];
    } finally {
      process.chdir(before);
    }
    expect(resolved).toEqual([path.join(PACKAGE_ROOT, 'features', 'default.yaml'), 'features/mine.yaml']);
    const missing = await runLeadscore(['rules', 'check', 'models/mine.yaml'], { cwd: elsewhere });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/rules file not found: models\/mine.yaml/);
  });
});
