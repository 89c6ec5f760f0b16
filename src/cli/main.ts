#!/usr/bin/env node
/** The `leadscore` entry point: runs the CLI on this process's arguments and exits with its code. */
import { runCli } from './program.ts';

// A reader that stops early (`leadscore features audit ... | head`) closes the pipe: drop the rest of
// the output, as Unix tools do, instead of dying with a stack trace; the command still finishes.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
});

process.exitCode = await runCli(process.argv.slice(2));
