/**
 * Damaged model artifacts (a weight edited, a file deleted or cut short, the checksums removed or
 * pointing outside the artifact, a card edited with its checksum fixed up) are refused before any row
 * is scored: exit 3, the damaged file named, every table as it was. And #19 case 6: a training run
 * killed while it writes its artifact leaves a `.tmp-v0001-...` folder; the next save removes it.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runLeadscore } from '../cli/run.ts';
import { flatCsv, flatModel, QUICK_PIPELINE, REPO, smallCrm, tableStates, tempDir } from './helpers.ts';

let dir: string;
let db: string;
let csv: string;
let pristine: string; // models root with leads_small/v0001

beforeAll(async () => {
  dir = tempDir();
  db = await smallCrm(dir);
  csv = await flatCsv(dir, 400);
  pristine = path.join(dir, 'models');
  await flatModel(dir, csv, pristine);
  // a first run so lead_scores exists and has rows to protect
  const first = await runLeadscore(
    ['score', '--db', db, '--model', 'leads_small@v0001', '--models-dir', pristine].concat([
      '--data',
      csv,
      '--leads',
      'all',
      '--run-id',
      'baseline',
    ]),
  );
  expect(first.code).toBe(0);
});

const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

/** A copy of the pristine models root with one damage applied to leads_small/v0001. */
function damaged(name: string, damage: (version: string) => void): string {
  const root = path.join(dir, `damaged-${name}`);
  fs.cpSync(pristine, root, { recursive: true });
  damage(path.join(root, 'leads_small', 'v0001'));
  return root;
}

function editJson(file: string, edit: (v: Record<string, unknown>) => void): void {
  const value = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(value);
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

describe('a damaged artifact is refused before anything is scored', () => {
  const cases: Array<[string, (v: string) => void, RegExp]> = [
    [
      'a weight edited',
      (v) => editJson(path.join(v, 'logistic.json'), (j) => void ((j as { _edited?: number })._edited = 1)),
      /logistic\.json is corrupted: its sha256 is [0-9a-f]{64}, checksums\.json says/,
    ],
    ['a weights file deleted', (v) => fs.rmSync(path.join(v, 'gbdt.json')), /gbdt\.json is missing/],
    ['the model card cut short', (v) => fs.truncateSync(path.join(v, 'model.json'), 100), /model\.json is corrupted/],
    [
      'the checksums removed',
      (v) => fs.rmSync(path.join(v, 'checksums.json')),
      /checksums\.json is missing, so the artifact cannot be verified/,
    ],
    [
      'the checksums pointing outside the artifact',
      (v) =>
        editJson(path.join(v, 'checksums.json'), (j) => {
          (j.files as Record<string, string>)['../../../etc/passwd'] = sha256('x');
        }),
      /lists '\.\.\/\.\.\/\.\.\/etc\/passwd', which is outside the artifact/,
    ],
    [
      'the card edited and its checksum fixed up',
      (v) => {
        editJson(path.join(v, 'model.json'), (card) => {
          const spec = (card.features as { spec: { columns: Array<{ kind: string }> } }).spec;
          spec.columns[0].kind = spec.columns[0].kind === 'numeric' ? 'categorical' : 'numeric';
        });
        editJson(path.join(v, 'checksums.json'), (j) => {
          (j.files as Record<string, string>)['model.json'] = sha256(fs.readFileSync(path.join(v, 'model.json')));
        });
      },
      /feature spec does not match the schema hash in its card/,
    ],
  ];
  for (const [name, damage, message] of cases) {
    it(`${name}: exit 3 naming the file, tables unchanged`, async () => {
      const root = damaged(name.replace(/\W+/g, '_'), damage);
      const before = await tableStates(db);
      const r = await runLeadscore([
        'score',
        '--db',
        db,
        '--model',
        'leads_small@v0001',
        '--models-dir',
        root,
        '--data',
        csv,
      ]);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/hint: /);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(await tableStates(db)).toEqual(before);
    });
  }
});

describe('a training run killed while saving', () => {
  it('leaves a temp folder that the next save removes', async () => {
    const models = path.join(dir, 'killed-models');
    const pipeline = path.join(dir, 'quick.yaml');
    fs.writeFileSync(pipeline, QUICK_PIPELINE);
    const parent = path.join(models, 'leads_small');
    const temps = () => (fs.existsSync(parent) ? fs.readdirSync(parent).filter((e) => e.startsWith('.tmp-')) : []);
    // The save takes a few milliseconds (one fsync per file): watch for its temp folder and kill -9 the
    // moment it appears. Should the rename win the race, the version is removed and training runs again.
    let caught = false;
    for (let attempt = 0; attempt < 4 && !caught; attempt++) {
      fs.rmSync(models, { recursive: true, force: true });
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'src/cli/main.ts', 'train', pipeline, '--data', csv, '--target', 'Converted'].concat([
          '--id',
          'Prospect ID',
          '--models-dir',
          models,
        ]),
        { cwd: REPO, stdio: 'ignore' },
      );
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      let done = false;
      void exited.then(() => (done = true));
      while (!done) {
        if (temps().length > 0) {
          child.kill('SIGKILL');
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      await exited;
      caught = temps().length > 0 && !fs.existsSync(path.join(parent, 'v0001'));
    }
    expect(caught).toBe(true);
    const [left] = temps();
    expect(left).toMatch(/^\.tmp-v0001-\d+-[0-9a-f]+$/);

    // the next training run saves v0001 whole and removes the dead writer's folder
    const report = await flatModel(dir, csv, models);
    expect(report.model.version).toBe('v0001');
    expect(temps()).toEqual([]);
    const r = await runLeadscore(
      ['score', '--model', 'leads_small@v0001', '--models-dir', models].concat([
        '--data',
        csv,
        '--out',
        path.join(dir, 'after-kill.csv'),
      ]),
    );
    expect(r.code).toBe(0);
  });
});
