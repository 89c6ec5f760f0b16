#!/usr/bin/env node
/** The `leadscore` entry point: runs the CLI on this process's arguments and exits with its code. */
import { runCli } from './program.ts';

process.exitCode = await runCli(process.argv.slice(2));
