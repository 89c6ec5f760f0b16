import { runCli } from '../../src/cli/program.ts';

/** What one in-process CLI run printed, and its exit code. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of an in-process CLI run. */
export interface RunOptions {
  /** working directory for this run only (restored afterwards) */
  cwd?: string;
  /** pretend stderr is a terminal (progress redraws in place) */
  isTTY?: boolean;
}

/**
 * Run the real `leadscore` CLI in this test process on `args`, capturing stdout and stderr.
 * Runs that change the working directory must not overlap: process.chdir is process-wide.
 */
export async function runLeadscore(args: string[], opts: RunOptions = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: (s: string) => void (stdout += s),
    stderr: (s: string) => void (stderr += s),
    isTTY: !!opts.isTTY,
  };
  const before = process.cwd();
  if (opts.cwd) process.chdir(opts.cwd);
  try {
    const code = await runCli(args, io);
    return { code, stdout, stderr };
  } finally {
    if (opts.cwd) process.chdir(before);
  }
}
