import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

// The one place the CLI runs as a child process: the installed bin on the compiled dist/, which is
// what users run. Everything else about the CLI is tested in-process (test/cli/run.ts).
const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'leadscore.js');
const ENTRY = path.join(ROOT, 'dist', 'cli', 'main.js');
/** What `--help` and `--version` must not load: each library costs up to seconds of start-up. */
const HEAVY = ['@tensorflow/', '/vega/', '/vega-lite/', '/arquero/', '@duckdb/', '/dist/pipelines/'];
/** The one pipeline module the CLI loads up front: the generator's defaults for `generate --help`. */
const LIGHT = '/dist/pipelines/generate-defaults.js';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

function leadscore(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; node?: string[] } = {}) {
  return spawnSync(process.execPath, [...(opts.node ?? []), BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
    encoding: 'utf8',
  });
}

beforeAll(() => {
  // npm ci builds dist/ (prepare); rebuild here only when it is missing or older than the sources
  if (fs.existsSync(ENTRY) && fs.statSync(ENTRY).mtimeMs >= newestMtime(path.join(ROOT, 'src'))) return;
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  expect(build.status, build.stderr).toBe(0);
}, 120_000);

describe('the installed leadscore bin (compiled)', () => {
  it('--version and --help answer without loading TensorFlow.js, vega, arquero, DuckDB or any pipeline', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-bin-'));
    const log = path.join(dir, 'imports.log');
    fs.writeFileSync(
      path.join(dir, 'hooks.mjs'),
      `import fs from 'node:fs';
      export async function resolve(specifier, context, next) {
        const r = await next(specifier, context);
        fs.appendFileSync(process.env.LEADSCORE_IMPORT_LOG, r.url + '\\n');
        return r;
      }`,
    );
    const recorder = path.join(dir, 'record.mjs');
    fs.writeFileSync(recorder, `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`);
    const record = { env: { LEADSCORE_IMPORT_LOG: log }, node: ['--import', recorder] };
    const version = leadscore(['--version'], record);
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout).toBe('0.1.0\n');
    const help = leadscore(['train', '--help'], record);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/Usage: leadscore train/);
    const imported = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
    expect(imported).toContain(new URL(`file://${ENTRY}`).href); // the compiled entry ran, not the sources
    expect(imported.filter((url) => HEAVY.some((h) => url.includes(h)) && !url.endsWith(LIGHT))).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds its bundled rules from any working directory; exit codes reach the shell', () => {
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-cwd-'));
    const ok = leadscore(['rules', 'check'], { cwd: elsewhere });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/valid, \d+ criteria/);
    const missing = leadscore(['rules', 'check', 'models/mine.yaml'], { cwd: elsewhere });
    expect(missing.status).toBe(3);
    expect(missing.stderr).toMatch(/rules file not found: models\/mine.yaml/);
    expect(leadscore(['score', '--shard', 'x'], { cwd: elsewhere }).status).toBe(2);
    fs.rmSync(elsewhere, { recursive: true, force: true });
  });

  it('stops quietly when its reader closes the pipe early (... | head): no stack trace, same exit code', async () => {
    const child = spawn(process.execPath, [BIN, '--help'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader is gone before the first line
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
