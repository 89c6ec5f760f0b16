/**
 * Holds a warehouse open for writing in its own process (DuckDB's file lock), for the busy-warehouse test:
 *   node --import tsx test/hostile/hold-lock.ts DB
 * Prints "holding" once the lock is held and releases it when stdin closes (or after 60 s).
 */
import { Warehouse } from '../../src/store/index.ts';

const w = await Warehouse.open(process.argv[2]);
process.stdout.write('holding\n');
const release = async () => {
  await w.close();
  process.exit(0);
};
process.stdin.on('end', release);
process.stdin.resume();
setTimeout(release, 60_000).unref();
