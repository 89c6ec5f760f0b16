import type { Command } from 'commander';
import { registerRulesCommand } from './rules.ts';
import { registerGenerateCommand } from './generate.ts';
import { registerIngest } from './ingest.ts';
import { registerFeaturesCommand } from './features.ts';

/**
 * Every `leadscore` subcommand registers itself here; main.ts calls these in order, which is also
 * the order `leadscore --help` lists them.
 */
export const commandRegistrars: Array<(program: Command) => void> = [];
commandRegistrars.push(registerRulesCommand);
commandRegistrars.push(registerGenerateCommand);
commandRegistrars.push(registerIngest);
commandRegistrars.push(registerFeaturesCommand);
