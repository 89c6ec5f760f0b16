#!/usr/bin/env -S npx tsx
import { Command, CommanderError } from 'commander';
import { commandRegistrars } from './commands/index.ts';
import { reportError, setDebug } from './output.ts';
import { UsageError } from '../errors.ts';

/** Build the `leadscore` program with every subcommand registered. */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('leadscore')
    .description(
      'Predictive lead scoring: point-in-time features, logistic + neural models blended with a points model, calibrated 0-100 scores in DuckDB.',
    )
    .version('0.1.0')
    .option('--debug', 'print stack traces for errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .addHelpText(
      'after',
      `
Quick start:
  $ leadscore demo                                   # generate, train, promote, score, compare
  $ leadscore generate --db data/demo.duckdb --leads 10000 --seed 42
  $ leadscore train --data data/x_education_leads.csv --target Converted --id "Prospect ID"

Exit codes: 0 ok, 1 runtime failure, 2 usage error, 3 invalid data or config.`,
    );
  program.hook('preAction', (cmd) => setDebug(Boolean(cmd.optsWithGlobals().debug)));
  for (const register of commandRegistrars) register(program);
  // commander's own errors (unknown option, missing argument) exit 2 via exitOverride below.
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are not errors
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        process.exitCode = 0;
      } else {
        process.exitCode = 2;
      }
      return;
    }
    if (err instanceof UsageError) {
      process.exitCode = reportError(err);
      return;
    }
    process.exitCode = reportError(err);
  }
}

await main(process.argv);
