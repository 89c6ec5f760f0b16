import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The CLI is thin: it parses flags, calls a pipeline and prints. Its modules may import commander, Node,
// each other, errors.ts and utc-date.ts; pipelines only as types or with `await import()` inside an action, so that
// --help and --version load none of them (generate-defaults.ts is the one light pipeline module it needs).
const SRC = path.resolve(import.meta.dirname, '../../src');
const LIGHT_PIPELINES = new Set(['pipelines/generate-defaults.ts']);

function sources(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .filter((f) => f.endsWith('.ts'));
}

/** Every import of a module: its specifier (relative ones resolved against src/), kind, and whether types only. */
function importsOf(file: string) {
  const text = fs.readFileSync(file, 'utf8');
  const target = (spec: string) =>
    spec.startsWith('.')
      ? path
          .relative(SRC, path.resolve(path.dirname(file), spec))
          .split(path.sep)
          .join('/')
      : spec;
  const statics = [...text.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gms)].map((m) => ({
    target: target(m[2]),
    typeOnly: Boolean(m[1]),
    dynamic: false,
  }));
  const dynamics = [...text.matchAll(/import\('([^']+)'\)/g)].map((m) => ({
    target: target(m[1]),
    typeOnly: false,
    dynamic: true,
  }));
  return [...statics, ...dynamics];
}

describe('src/cli layering', () => {
  it('imports pipelines lazily (or as types) and no other stage at all', () => {
    const files = sources(path.join(SRC, 'cli'));
    expect(files.length).toBeGreaterThan(10);
    const wrong: string[] = [];
    for (const file of files) {
      for (const imp of importsOf(file)) {
        const t = imp.target;
        const ok =
          t === 'commander' ||
          t.startsWith('node:') ||
          t.startsWith('cli/') ||
          t === 'errors.ts' ||
          t === 'utc-date.ts' ||
          (t.startsWith('pipelines/') && (imp.dynamic || imp.typeOnly || LIGHT_PIPELINES.has(t)));
        if (!ok) wrong.push(`${path.relative(SRC, file)} -> ${t}${imp.typeOnly ? ' (type)' : ''}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
