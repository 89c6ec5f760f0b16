/**
 * #16 item 7 and #19 case 6: the warehouse file itself is the problem. Busy (another process holds
 * DuckDB's lock): exit 1 naming the file and the other process. Missing (a mistyped --db): exit 3,
 * "warehouse not found", and no file or folder left behind. Not a DuckDB file: exit 3, the file
 * untouched. A full disk: exit 1 with a message naming the file, not "looks like a bug", and the
 * warehouse as it was (a real full disk: a 30 MB tmpfs in a private mount namespace).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exitCodeFor, RuntimeError } from '../../src/errors.ts';
import { withWarehouse } from '../../src/store/index.ts';
import { runLeadscore } from '../cli/run.ts';
import { flatCsv, flatModel, REPO, smallCrm, tableStates, tempDir } from './helpers.ts';

let dir: string;
let db: string;
let csv: string;
let modelsDir: string;

beforeAll(async () => {
  dir = tempDir();
  db = await smallCrm(dir);
  csv = await flatCsv(dir, 400);
  modelsDir = path.join(dir, 'models');
  await flatModel(dir, csv, modelsDir); // named leads_small, after its file
});

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('a busy warehouse', () => {
  it('exits 1 naming the file and the process that holds it; nothing changes', async () => {
    const before = await tableStates(db);
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/hostile/hold-lock.ts', db], {
      cwd: REPO,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('holding') && resolve());
        child.on('exit', (code) => reject(new Error(`lock holder exited early (${code})`)));
      });
      const runs = [
        ['features', 'build', '--db', db, '--as-of', '2025-06-01', '--into', 'ft'],
        ['rules', 'score', '--db', db, '--as-of', '2025-06-01'],
        ['score', '--db', db, '--model', 'leads_small@v0001', '--models-dir', modelsDir, '--data', csv],
        ['train', '--db', db, '--models-dir', path.join(dir, 'never')],
      ];
      for (const args of runs) {
        const r = await runLeadscore(args);
        expect(r.code, args.join(' ')).toBe(1);
        expect(r.stderr).toContain(`warehouse ${db} is busy: another process (pid ${child.pid}) has it open`);
        expect(r.stderr).toMatch(/hint: another leadscore or duckdb process is using this file/);
        expect(r.stderr).not.toMatch(/looks like a bug/);
      }
    } finally {
      child.stdin.end();
      await new Promise((resolve) => child.once('exit', resolve));
    }
    expect(fs.existsSync(path.join(dir, 'never'))).toBe(false);
    expect(await tableStates(db)).toEqual(before);
  });
});

describe('a missing warehouse', () => {
  const missing = () => path.join(dir, 'typo', 'nope.duckdb');
  const commands: Array<[string, () => string[]]> = [
    ['train', () => ['train', '--db', missing()]],
    ['train --label created', () => ['train', '--db', missing(), '--label', 'created']],
    ['features build', () => ['features', 'build', '--db', missing(), '--as-of', '2025-06-01']],
    ['features audit', () => ['features', 'audit', '--db', missing(), '--as-of', '2025-06-01']],
    ['rules score --out', () => ['rules', 'score', '--db', missing(), '--as-of', '2025-06-01', '--out', 'rs']],
    ['compare', () => ['compare', '--db', missing(), '--model', 'leads_small', '--as-of', '2025-01-01']],
    ['monitor', () => ['monitor', '--db', missing(), '--model', 'leads_small']],
    [
      'score --data',
      () => ['score', '--db', missing(), '--model', 'leads_small@v0001', '--models-dir', modelsDir, '--data', csv],
    ],
  ];
  for (const [name, args] of commands) {
    it(`${name}: exit 3 "warehouse not found", no file or folder created`, async () => {
      const r = await runLeadscore(args());
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/warehouse not found: .*typo\/nope\.duckdb/);
      expect(fs.existsSync(path.join(dir, 'typo'))).toBe(false);
    });
  }
});

describe('a file that is not a DuckDB warehouse', () => {
  it('exits 3 and leaves the file as it was', async () => {
    const before = sha(csv);
    const r = await runLeadscore(['features', 'build', '--db', csv, '--as-of', '2025-06-01']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot open warehouse .*leads_small\.csv/);
    expect(sha(csv)).toBe(before);
  });
});

// A real full disk needs a small file system: a tmpfs mounted in a private user + mount namespace
// (no root needed where the kernel allows unprivileged namespaces). Where it does not, this case is
// skipped and the next one still checks the mapping on DuckDB's own error for a real ENOSPC.
const canMount =
  process.platform === 'linux' &&
  spawnSync('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', 'mount -t tmpfs -o size=1m tmpfs /mnt'], {
    stdio: 'ignore',
  }).status === 0;

describe('a full disk', () => {
  it.skipIf(!canMount)('features build on a full disk: exit 1 naming the file, warehouse unchanged', async () => {
    const mnt = tempDir('leadscore-full-');
    const script = `
      set -u
      mount -t tmpfs -o size=30m tmpfs "$MNT" || exit 90
      cp "$SRC" "$MNT/crm.duckdb"
      AVAIL=$(df -k --output=avail "$MNT" | tail -1)
      dd if=/dev/zero of="$MNT/filler" bs=1k count=$((AVAIL - 64)) status=none
      node --import tsx src/cli/main.ts features build --db "$MNT/crm.duckdb" --as-of 2025-06-01 --into ft
      echo "EXIT=$?"
      rm -f "$MNT/filler"
      node --import tsx test/hostile/states-child.ts "$MNT/crm.duckdb"`;
    const before = await tableStates(db);
    const r = spawnSync('unshare', ['--user', '--map-root-user', '--mount', 'bash', '-c', script], {
      cwd: REPO,
      env: { ...process.env, MNT: mnt, SRC: db },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.stdout).toMatch(/EXIT=1\n/);
    expect(r.stderr).toContain(`error: no space left on the disk while writing ${mnt}/crm.duckdb`);
    expect(r.stderr).toMatch(/No space left on device/);
    expect(r.stderr).toMatch(/hint: free space on that disk/);
    expect(r.stderr).not.toMatch(/looks like a bug/);
    const after = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(after).toEqual(before);
  });

  it("DuckDB's own error for a real ENOSPC (writing /dev/full) becomes a RuntimeError, exit 1", async () => {
    await withWarehouse(':memory:', async (w) => {
      const err = await w.run(`COPY (SELECT 42 AS x) TO '/dev/full' (FORMAT CSV)`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RuntimeError);
      expect((err as Error).message).toMatch(/no space left on the disk .*\/dev\/full/);
      expect(exitCodeFor(err)).toBe(1);
    });
  });
});
