/**
 * #19 case 5 and its class: a config option pointed at the wrong file (a CSV, a password file, a binary,
 * a YAML alias bomb, a huge file) must fail with exit 3 and a message that quotes at most a key name,
 * never the file's lines; and a bad flag value is a usage error, not raw zod JSON (case 6, --name a/b).
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runLeadscore } from '../cli/run.ts';
import { smallCrm, tableStates, tempDir } from './helpers.ts';

let dir: string;
let db: string;
// lines that must never reach a terminal or a log
const SECRET_LINES = [
  'root:$y$j9T$5aLtSecretHashValue$Qm7dX0:19700:0:99999:7:::',
  'daemon:*:19700:0:99999:7:::',
  'svc_backup:$6$rounds=5000$an0therSecret$:19700:0:99999:7:::',
];
const CSV_LINES = ['lead_id,email,phone', 'L-1,alice@example.com,+1-555-0100', 'L-2,bob@example.com,+1-555-0101'];

function expectNoEcho(text: string, lines: string[]): void {
  for (const line of lines) {
    expect(text).not.toContain(line);
    // nor a recognisable piece of it (each line's longest field)
    const longest = line.split(/[:,]/).sort((a, b) => b.length - a.length)[0];
    expect(text).not.toContain(longest);
  }
}

beforeAll(async () => {
  dir = tempDir();
  db = await smallCrm(dir);
  fs.writeFileSync(path.join(dir, 'shadow'), SECRET_LINES.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'people.csv'), CSV_LINES.join('\n') + '\n');
});

describe('a config option pointed at the wrong file', () => {
  it('rules check on a password file: exit 3, "not shown", no line echoed', async () => {
    const r = await runLeadscore(['rules', 'check', path.join(dir, 'shadow')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/unknown key \(not shown: \d+ characters that do not look like a key name/);
    expect(r.stderr).toMatch(/is this the right file\?/);
    expectNoEcho(r.stdout + r.stderr, SECRET_LINES);
  });

  it('rules check on a CSV: exit 3, says it is not a mapping, no line echoed', async () => {
    const r = await runLeadscore(['rules', 'check', path.join(dir, 'people.csv')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/people\.csv: 1 problem/);
    expect(r.stderr).toMatch(/expected object, received string/);
    expectNoEcho(r.stdout + r.stderr, CSV_LINES.slice(1));
  });

  it('a pipeline file with rules: a password file in the project: exit 3, no line echoed', async () => {
    fs.writeFileSync(path.join(dir, 'p-shadow.yaml'), 'rules: shadow\n');
    const before = await tableStates(db);
    const r = await runLeadscore(['train', 'p-shadow.yaml', '--db', db], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/shadow: \d+ problems/);
    expectNoEcho(r.stdout + r.stderr, SECRET_LINES);
    expect(await tableStates(db)).toEqual(before);
  });

  it('a features file that is a CSV: exit 3, no line echoed, tables unchanged', async () => {
    const before = await tableStates(db);
    const r = await runLeadscore([
      'features',
      'build',
      '--db',
      db,
      '--features',
      path.join(dir, 'people.csv'),
      '--as-of',
      '2025-06-01',
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/people\.csv: expected a mapping of keys/);
    expectNoEcho(r.stdout + r.stderr, CSV_LINES.slice(1));
    expect(await tableStates(db)).toEqual(before);
  });
});

describe('hostile YAML', () => {
  it('an alias bomb ("billion laughs") is refused before it expands: exit 3', async () => {
    const rows = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (const [prev, name] of [...'abcdefgh'].map((c, i) => [c, 'bcdefghi'[i]])) {
      rows.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const file = path.join(dir, 'bomb.yaml');
    fs.writeFileSync(file, rows.join('\n') + '\n');
    const started = Date.now();
    const r = await runLeadscore(['rules', 'check', file]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/more than 100 YAML aliases/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a file over 4 MiB is refused without parsing: exit 3', async () => {
    const file = path.join(dir, 'huge.yaml');
    fs.writeFileSync(file, `comment: "${'x'.repeat(5 * 1024 * 1024)}"\n`);
    const r = await runLeadscore(['rules', 'check', file]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/is 5\.0 MiB; config files are limited to 4 MiB/);
  });

  it('a binary file is refused: exit 3', async () => {
    const file = path.join(dir, 'model.bin');
    fs.writeFileSync(file, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3, 0, 0, 0x41, 0x42]));
    const before = await tableStates(db);
    const r = await runLeadscore(['train', file, '--db', db]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/is a binary file, not YAML/);
    expect(await tableStates(db)).toEqual(before);
  });

  it('a pipeline key misspelt: one key named, with a suggestion', async () => {
    const file = path.join(dir, 'typo.yaml');
    fs.writeFileSync(file, 'horizon_day: 60\n');
    const r = await runLeadscore(['train', file, '--db', db]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/unknown key "horizon_day"/);
    expect(r.stderr).toMatch(/did you mean "horizon_days"\?/);
  });
});

describe('bad flag values are usage errors', () => {
  it('train --name a/b: exit 2 naming --name, no zod JSON, no model written', async () => {
    const models = path.join(dir, 'models');
    const before = await tableStates(db);
    const r = await runLeadscore(['train', '--db', db, '--name', 'a/b', '--models-dir', models]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--name "a\/b": a model name is letters, digits/);
    expect(r.stderr).not.toMatch(/[[{]\s*"(code|origin|path)"/);
    expect(fs.existsSync(models)).toBe(false);
    expect(await tableStates(db)).toEqual(before);
  });

  it('train --label sometimes: exit 2', async () => {
    const r = await runLeadscore(['train', '--db', db, '--label', 'sometimes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--label must be created or snapshots/);
  });
});
