import type { Command } from 'commander';
import { registerDemoCommand } from './demo.ts';
import { registerGenerateCommand } from './generate.ts';
import { registerIngest } from './ingest.ts';
import { registerFeaturesCommand } from './features.ts';
import { registerRulesCommand } from './rules.ts';
import { registerTrainCommand } from './train.ts';
import { registerModelsCommand } from './models.ts';
import { registerScoreCommand } from './score.ts';
import { registerCompareCommand } from './compare.ts';
import { registerMonitorCommand } from './monitor.ts';
import { registerExplainCommand } from './explain.ts';

/**
 * Every `leadscore` subcommand registers itself here; program.ts calls these in order, which is also
 * the order `leadscore --help` lists them: the flow of the pipeline, data first. Registering imports
 * nothing heavy: each action imports its pipeline when it runs (test/cli/layering.test.ts checks).
 */
export const commandRegistrars: Array<(program: Command) => void> = [
  registerDemoCommand,
  registerGenerateCommand,
  registerIngest,
  registerFeaturesCommand,
  registerRulesCommand,
  registerTrainCommand,
  registerModelsCommand,
  registerScoreCommand,
  registerExplainCommand,
  registerCompareCommand,
  registerMonitorCommand,
];
