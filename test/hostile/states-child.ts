/**
 * Prints the row counts and content hashes of every table of a warehouse as JSON (for tests whose
 * warehouse lives where only a child process can see it, such as a private tmpfs):
 *   node --import tsx test/hostile/states-child.ts DB
 */
import { tableStates } from './states.ts';

process.stdout.write(JSON.stringify(await tableStates(process.argv[2])) + '\n');
