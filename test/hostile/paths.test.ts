/**
 * DESIGN's security contract: paths from config stay inside the project unless absolute paths are
 * explicitly allowed. A pipeline file's db, features, rules and models_dir must not climb out with `..`,
 * be absolute, or leave through a symlink, unless the file says `allow_outside_project: true`; a path given
 * on the command line is the user's own choice. The project is the working directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runLeadscore } from '../cli/run.ts';
import { smallCrm, tableStates, tempDir } from './helpers.ts';

let project: string;
let outside: string;
let db: string;

beforeAll(async () => {
  project = tempDir('leadscore-project-');
  outside = tempDir('leadscore-elsewhere-');
  db = await smallCrm(project);
  fs.symlinkSync(outside, path.join(project, 'elsewhere'));
});

function pipeline(name: string, text: string): string {
  fs.writeFileSync(path.join(project, name), text);
  return name;
}

describe('paths in pipeline files stay inside the project', () => {
  const refused: Array<[string, string, string[], RegExp]> = [
    [
      'db climbing out with ..',
      'db: ../../escaped.duckdb\n',
      ['train'],
      /db: "\.\.\/\.\.\/escaped\.duckdb" leads outside/,
    ],
    [
      'an absolute rules path',
      'rules: /etc/passwd\n',
      ['train', '--db', 'crm.duckdb'],
      /rules: "\/etc\/passwd" is an absolute path/,
    ],
    [
      'features through ..',
      'features: features/../../x.yaml\n',
      ['train', '--db', 'crm.duckdb'],
      /features: .* leads outside/,
    ],
    [
      'models_dir for scoring',
      'models_dir: ../models\n',
      ['score', '--db', 'crm.duckdb'],
      /models_dir: "\.\.\/models" leads outside/,
    ],
    [
      'db through a symlink',
      'db: elsewhere/w.duckdb\n',
      ['score'],
      /leads outside the project folder .* through a symlink/,
    ],
  ];
  for (const [name, text, args, message] of refused) {
    it(`${name}: exit 3 with a hint, nothing created, tables unchanged`, async () => {
      const file = pipeline(`p-${name.replace(/\W+/g, '_')}.yaml`, text);
      const before = await tableStates(db);
      const [command, ...rest] = args;
      const r = await runLeadscore([command, file, ...rest], { cwd: project });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/hint: config paths stay inside the project folder/);
      expect(r.stderr).toMatch(/allow_outside_project: true/);
      expect(fs.existsSync(path.join(project, '..', '..', 'escaped.duckdb'))).toBe(false);
      expect(fs.readdirSync(outside)).toEqual([]);
      expect(await tableStates(db)).toEqual(before);
    });
  }

  it('allow_outside_project: true lets the file name absolute paths (it fails on the model instead)', async () => {
    const file = pipeline('p-allowed.yaml', `allow_outside_project: true\ndb: ${db}\nmodels_dir: ${outside}\n`);
    const r = await runLeadscore(['score', file, '--model', 'nothing_here'], { cwd: project });
    expect(r.code).toBe(3);
    expect(r.stderr).not.toMatch(/outside the project/);
    expect(r.stderr).toMatch(/nothing_here/);
  });

  it('a path on the command line is the user’s choice, even with a pipeline file', async () => {
    const file = pipeline('p-plain.yaml', 'db: ../../escaped.duckdb\nreasons: 2\n');
    const r = await runLeadscore(['score', file, '--db', db, '--models-dir', outside, '--model', 'none_yet'], {
      cwd: project,
    });
    expect(r.code).toBe(3);
    expect(r.stderr).not.toMatch(/outside the project/);
    expect(r.stderr).toMatch(/none_yet/);
  });
});
