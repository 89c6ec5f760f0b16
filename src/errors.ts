/**
 * The few error classes leadscore throws. Each carries a `code`; the CLI maps codes to exit codes.
 * Messages say what is wrong, where (file, row, column, key) and how to fix it.
 */

export type ErrorCode = 'USAGE' | 'INVALID_DATA' | 'INVALID_CONFIG' | 'NOT_FOUND' | 'RUNTIME';

/** Base class: a user-facing error with a machine-readable code and an optional hint. */
export class LeadscoreError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  constructor(code: ErrorCode, message: string, hint?: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.hint = hint;
  }
}

/** Bad command-line usage (exit 2). */
export class UsageError extends LeadscoreError {
  constructor(message: string, hint?: string) {
    super('USAGE', message, hint);
  }
}

/** Input data that cannot be used: missing file, missing column, empty table (exit 3). */
export class DataError extends LeadscoreError {
  constructor(message: string, hint?: string) {
    super('INVALID_DATA', message, hint);
  }
}

/** A config file (features, rules, pipeline, artifact) that fails validation (exit 3). */
export class ConfigError extends LeadscoreError {
  constructor(message: string, hint?: string) {
    super('INVALID_CONFIG', message, hint);
  }
}

/** Something the user named does not exist: a model, a version, a lead (exit 3). */
export class NotFoundError extends LeadscoreError {
  constructor(message: string, hint?: string) {
    super('NOT_FOUND', message, hint);
  }
}

/**
 * The environment failed, not the input: a warehouse another process holds, a full disk, a file we may
 * not write (exit 1). The message names the file; nothing about it is a bug in leadscore.
 */
export class RuntimeError extends LeadscoreError {
  constructor(message: string, hint?: string) {
    super('RUNTIME', message, hint);
  }
}

/**
 * The RuntimeError an error from DuckDB or the file system stands for, when it is the environment's
 * (another process holds the warehouse's lock, the disk is full, writing is not permitted), naming
 * `file`; undefined for any other error, which keeps its own meaning.
 */
export function environmentError(err: unknown, file: string): RuntimeError | undefined {
  if (err instanceof LeadscoreError) return undefined;
  if (file === ':memory:') file = 'an in-memory warehouse';
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  const first = message.split('\n')[0];
  if (/could not set lock on file|conflicting lock/i.test(message)) {
    const pid = /PID (\d+)/.exec(message)?.[1];
    return new RuntimeError(
      `warehouse ${file} is busy: another process${pid ? ` (pid ${pid})` : ''} has it open for writing`,
      'another leadscore or duckdb process is using this file: wait for it to finish (or close it), then re-run; ' +
        'one writer per warehouse file at a time',
    );
  }
  if (code === 'ENOSPC' || /no space left on device|disk is full|not enough space/i.test(message)) {
    return new RuntimeError(
      `no space left on the disk while writing ${file} (${first})`,
      'free space on that disk (or write somewhere else with --db / --out / --models-dir) and re-run; ' +
        'an interrupted write is rolled back, not left half-done',
    );
  }
  if (code === 'EDQUOT' || /disk quota exceeded/i.test(message)) {
    return new RuntimeError(`disk quota exceeded while writing ${file} (${first})`, 'free space, then re-run');
  }
  if (code === 'EROFS' || /read-only file system/i.test(message)) {
    return new RuntimeError(`cannot write ${file}: the file system is read-only`, 'write somewhere else');
  }
  if (code === 'EACCES' || code === 'EPERM' || /permission denied/i.test(message)) {
    return new RuntimeError(`cannot open or write ${file}: permission denied (${first})`, 'check the file permissions');
  }
  return undefined;
}

/** Exit code for an error code: 2 usage, 3 invalid data/config, 1 anything else. */
export function exitCodeFor(err: unknown): number {
  if (!(err instanceof LeadscoreError)) return 1;
  switch (err.code) {
    case 'USAGE':
      return 2;
    case 'INVALID_DATA':
    case 'INVALID_CONFIG':
    case 'NOT_FOUND':
      return 3;
    default:
      return 1;
  }
}

/** Closest candidate by edit distance, for "did you mean ...?" hints; undefined if nothing is close. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  const a = name.toLowerCase();
  for (const c of candidates) {
    const d = editDistance(a, c.toLowerCase());
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  if (best === undefined) return undefined;
  return bestDist <= Math.max(2, Math.floor(best.length / 2)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const prev = new Array(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}
