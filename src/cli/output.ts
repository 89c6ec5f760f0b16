import { exitCodeFor, LeadscoreError } from '../errors.ts';

/** Global flags every command sees. */
export interface GlobalFlags {
  debug?: boolean;
}

let debugMode = false;

/** Turn on stack traces for every error (the global --debug flag). */
export function setDebug(on: boolean): void {
  debugMode = on;
}

/** Print a value as pretty JSON on stdout (for --json). */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? Number(v) : v), 2) + '\n');
}

/** Print an aligned text table on stdout. */
export function printTable(rows: Record<string, unknown>[], columns?: string[]): void {
  if (rows.length === 0) {
    process.stdout.write('(no rows)\n');
    return;
  }
  const cols = columns ?? Object.keys(rows[0]);
  const cell = (v: unknown) => (typeof v === 'number' ? formatNumber(v) : v == null ? '' : String(v));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  process.stdout.write(line(cols) + '\n' + line(widths.map((w) => '-'.repeat(w))) + '\n');
  for (const r of rows) process.stdout.write(line(cols.map((c) => cell(r[c]))) + '\n');
}

/** Format a number for humans: integers as is, others with 4 significant decimals. */
export function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(4);
}

/** Progress on stderr, only on a terminal (batch logs stay clean); returns a function to finish the line. */
export function progress(label: string): { update: (msg: string) => void; done: (msg?: string) => void } {
  const tty = process.stderr.isTTY === true;
  const start = Date.now();
  return {
    update(msg: string) {
      if (tty) process.stderr.write(`\r\x1b[K${label}: ${msg}`);
    },
    done(msg?: string) {
      const secs = ((Date.now() - start) / 1000).toFixed(1);
      if (tty) process.stderr.write(`\r\x1b[K`);
      process.stderr.write(`${label}: ${msg ?? 'done'} (${secs}s)\n`);
    },
  };
}

/** Print a user-facing error (no stack unless --debug) and return the exit code for it. */
export function reportError(err: unknown): number {
  const code = exitCodeFor(err);
  if (err instanceof LeadscoreError) {
    process.stderr.write(`error: ${err.message}\n`);
    if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
    if (debugMode) process.stderr.write(`${err.stack}\n`);
  } else {
    const e = err as Error;
    process.stderr.write(`error: ${e?.message ?? String(err)}\n`);
    if (debugMode) process.stderr.write(`${e?.stack}\n`);
    else
      process.stderr.write('hint: this looks like a bug or an environment problem; re-run with --debug for details\n');
  }
  return code;
}

/** Wrap a command action: run it, map errors to exit codes, never let a stack trace reach a user. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void | number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      if (typeof code === 'number') process.exitCode = code;
    } catch (err) {
      process.exitCode = reportError(err);
    }
  };
}
