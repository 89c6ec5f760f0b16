import { Command, CommanderError } from 'commander';
import { commandRegistrars } from './commands/index.ts';
import { processIo, reportError, setDebug, withCliRun, writeErr, writeOut, type CliIo } from './output.ts';

/**
 * The `leadscore` program. Importing this module has no side effects and loads no heavy library:
 * commands import their pipelines when they run, so `--help` and `--version` start at once.
 */

/** Commander's codes for help and version output, which are not errors. */
const HELP_CODES = new Set(['commander.helpDisplayed', 'commander.version', 'commander.help']);

/** Build the `leadscore` program with every subcommand registered (a fresh one per run: commander keeps state). */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('leadscore')
    .description(
      'Predictive lead scoring: point-in-time features, logistic + neural models blended with a points model, ' +
        'calibrated 0-100 scores in DuckDB.',
    )
    .version('0.1.0')
    .option('--debug', 'print stack traces for errors')
    .showHelpAfterError('(run with --help for usage)')
    // commander's own errors (unknown option, missing argument) throw instead of exiting; runCli maps them to 2.
    // Subcommands inherit this and the output below, since both are set before they are registered.
    .exitOverride()
    .configureOutput({ writeOut, writeErr })
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
  return program;
}

/**
 * Run the CLI on `args` (the arguments after the command name, as in process.argv.slice(2)), writing to
 * `io`; resolves to the exit code (0 ok, 1 runtime, 2 usage, 3 invalid data or config). Never exits
 * the process and never sets process.exitCode, so tests can run it in-process.
 */
export async function runCli(args: readonly string[], io: CliIo = processIo): Promise<number> {
  const { value, exitCode } = await withCliRun(io, async () => {
    try {
      await buildProgram().parseAsync([...args], { from: 'user' });
      return undefined;
    } catch (err) {
      if (err instanceof CommanderError) return HELP_CODES.has(err.code) ? 0 : 2;
      return reportError(err);
    }
  });
  return value ?? exitCode;
}
