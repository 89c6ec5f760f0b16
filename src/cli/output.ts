import { AsyncLocalStorage } from 'node:async_hooks';
import { environmentError, exitCodeFor, LeadscoreError } from '../errors.ts';

/** Global flags every command sees. */
export interface GlobalFlags {
  debug?: boolean;
}

/** Where one CLI run writes: the process's streams, or buffers when a test runs the CLI in-process. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** stderr is a terminal: progress redraws one line in place instead of printing log lines */
  isTTY: boolean;
}

/** The real process streams. */
export const processIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  get isTTY() {
    return process.stderr.isTTY === true;
  },
};

/** State of one CLI run: its io, the --debug flag, the exit code its command chose, unfinished progress. */
interface CliRun {
  io: CliIo;
  debug: boolean;
  exitCode: number;
  /** flush functions of progress reporters not yet done, so an error shows the stage it happened in */
  unfinished: Set<() => void>;
}

// Each runCli call gets its own run, so in-process runs (tests) never share io, --debug or exit codes,
// and never touch process.exitCode. Outside a run (a command called some other way) the process is used.
const runs = new AsyncLocalStorage<CliRun>();
const outsideRun: CliRun = { io: processIo, debug: false, exitCode: 0, unfinished: new Set() };

/** Run `fn` as one CLI run writing to `io`; resolves to what fn returns and the exit code the command set. */
export async function withCliRun<T>(io: CliIo, fn: () => Promise<T>): Promise<{ value: T; exitCode: number }> {
  const run: CliRun = { io, debug: false, exitCode: 0, unfinished: new Set() };
  const value = await runs.run(run, fn);
  return { value, exitCode: run.exitCode };
}

const current = (): CliRun => runs.getStore() ?? outsideRun;

/** Write text to the current run's stdout. */
export function writeOut(text: string): void {
  current().io.stdout(text);
}

/** Write text to the current run's stderr. */
export function writeErr(text: string): void {
  current().io.stderr(text);
}

/** Turn on stack traces for every error of this run (the global --debug flag). */
export function setDebug(on: boolean): void {
  current().debug = on;
}

/** Print a value as pretty JSON on stdout (for --json). */
export function printJson(value: unknown): void {
  writeOut(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? Number(v) : v), 2) + '\n');
}

/** Print an aligned text table on stdout. */
export function printTable(rows: Record<string, unknown>[], columns?: string[]): void {
  if (rows.length === 0) {
    writeOut('(no rows)\n');
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
  writeOut(line(cols) + '\n' + line(widths.map((w) => '-'.repeat(w))) + '\n');
  for (const r of rows) writeOut(line(cols.map((c) => cell(r[c]))) + '\n');
}

/** One fired rule of the points model, as `rules explain` and `explain --lead` list them. */
export interface FiredRuleRow {
  rule: string;
  group: string;
  events?: number | null;
  rawPoints: number;
  decay: number;
  points: number;
}

/** Points as the rules print them: at most two decimals, no trailing zeros. */
export const formatPoints = (x: number): string => String(Math.round(x * 100) / 100);

/** Print the rules that fired for one lead (or "no rule fired"), in points. */
export function printFiredRules(rules: readonly FiredRuleRow[]): void {
  const format = formatPoints;
  if (rules.length === 0) {
    writeOut('no rule fired\n');
    return;
  }
  printTable(
    rules.map((r) => ({
      rule: r.rule,
      group: r.group,
      events: r.events ?? '',
      raw: format(r.rawPoints),
      decay: r.decay ? format(-r.decay) : '',
      points: format(r.points),
    })),
    ['rule', 'group', 'events', 'raw', 'decay', 'points'],
  );
}

/** Format a number for humans: integers as is, others with 4 significant decimals. */
export function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(4);
}

/** A command's progress on stderr: `update` as it goes, `done` once at the end. */
export interface Progress {
  update: (msg: string) => void;
  /** a line that must be seen (not coalesced or redrawn): counts before a long step, a warning */
  note: (msg: string) => void;
  done: (msg?: string) => void;
}

/** Least time between two progress lines in a log (not a terminal): epochs and batches would flood it. */
const LOG_INTERVAL_MS = 1000;

/**
 * Progress on stderr. On a terminal each update redraws one line in place. Otherwise (batch logs,
 * CI, pipes) updates become lines `label: msg (Ns)`, at most one a second: the first at once, and
 * the latest of a burst when its second is up, so a long stage is always the last line shown. A
 * message equal to the previous one is dropped.
 * stdout is never touched, so --json output stays clean.
 */
export function progress(label: string): Progress {
  const run = current();
  const io = run.io;
  const start = Date.now();
  const secs = () => ((Date.now() - start) / 1000).toFixed(1);
  let lastLine = -Infinity;
  let lastMsg: string | undefined;
  let pending: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (pending === undefined) return;
    io.stderr(`${label}: ${pending} (${secs()}s)\n`);
    pending = undefined;
    lastLine = Date.now();
  };
  run.unfinished.add(flush);
  return {
    update(msg: string) {
      // a command may announce a stage before loading its pipeline, which then announces it again
      if (msg === lastMsg) return;
      lastMsg = msg;
      if (io.isTTY) return io.stderr(`\r\x1b[K${label}: ${msg}`);
      pending = msg;
      const wait = lastLine + LOG_INTERVAL_MS - Date.now();
      if (wait <= 0) flush();
      else timer ??= setTimeout(flush, wait).unref();
    },
    note(msg: string) {
      if (io.isTTY) io.stderr(`\r\x1b[K`);
      else flush();
      io.stderr(`${label}: ${msg}\n`);
      if (io.isTTY && lastMsg !== undefined) io.stderr(`${label}: ${lastMsg}`);
    },
    done(msg?: string) {
      clearTimeout(timer);
      run.unfinished.delete(flush);
      if (io.isTTY) io.stderr(`\r\x1b[K`);
      io.stderr(`${label}: ${msg ?? 'done'} (${secs()}s)\n`);
    },
  };
}

/** Print a user-facing error (no stack unless --debug) and return the exit code for it. */
export function reportError(err: unknown): number {
  const { debug } = current();
  // a full disk or a busy file that no pipeline named is still the environment's failure, not a bug
  err = environmentError(err, 'a file') ?? err;
  const code = exitCodeFor(err);
  if (err instanceof LeadscoreError) {
    writeErr(`error: ${err.message}\n`);
    if (err.hint) writeErr(`hint: ${err.hint}\n`);
    if (debug) writeErr(`${err.stack}\n`);
  } else {
    const e = err as Error;
    writeErr(`error: ${e?.message ?? String(err)}\n`);
    if (debug) writeErr(`${e?.stack}\n`);
    else writeErr('hint: this looks like a bug or an environment problem; re-run with --debug for details\n');
  }
  return code;
}

/** Set the exit code of the current run (the process's own when outside one). */
function setExitCode(code: number): void {
  const run = runs.getStore();
  if (run) run.exitCode = code;
  else process.exitCode = code;
}

/** Wrap a command action: run it, map errors to exit codes, never let a stack trace reach a user. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void | number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      if (typeof code === 'number') setExitCode(code);
    } catch (err) {
      const { unfinished } = current();
      for (const flush of unfinished) flush();
      unfinished.clear();
      setExitCode(reportError(err));
    }
  };
}
