import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PACKAGE_ROOT } from '../../src/bundled.ts';

const cli = path.join(PACKAGE_ROOT, 'bin', 'leadscore.js');

describe('bundled defaults', () => {
  it('are found from any working directory; a path the user chose is never redirected', () => {
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-cwd-'));
    const ok = spawnSync(process.execPath, [cli, 'rules', 'check'], { cwd: elsewhere, encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/valid, \d+ criteria/);
    const script = `import { resolveBundled } from ${JSON.stringify(path.join(PACKAGE_ROOT, 'src', 'bundled.ts'))};
      console.log(JSON.stringify([resolveBundled('features/default.yaml'), resolveBundled('features/mine.yaml')]));`;
    const tsx = pathToFileURL(path.join(PACKAGE_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href; // tsx by path: the cwd has no node_modules
    const r = spawnSync(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], {
      cwd: elsewhere,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([path.join(PACKAGE_ROOT, 'features', 'default.yaml'), 'features/mine.yaml']);
    const missing = spawnSync(process.execPath, [cli, 'rules', 'check', 'models/mine.yaml'], {
      cwd: elsewhere,
      encoding: 'utf8',
    });
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/rules file not found: models\/mine.yaml/);
  });
});
