/**
 * An ingest in its own process, paused at one fault point so a test can kill -9 it there:
 *   node --import tsx test/hostile/ingest-kill-child.ts DB LEADS ACTIVITIES POINT
 * At POINT it prints "paused at POINT" on stderr and waits until the file DB.go exists, then goes on
 * (the test kills it a few milliseconds later, inside the commit). The hook is injected: production
 * code reads no environment variable for it.
 */
import fs from 'node:fs';
import { ingestFiles } from '../../src/pipelines/ingest-run.ts';

const [db, leadsArg, activities, point] = process.argv.slice(2);
const leads = leadsArg || undefined;
const sleep = new Int32Array(new SharedArrayBuffer(4));
await ingestFiles({
  db,
  leads,
  activities,
  runId: 'killed',
  now: new Date('2025-01-01T00:00:00Z'),
  atFaultPoint: (at) => {
    if (at !== point) return;
    process.stderr.write(`paused at ${at}\n`);
    const until = Date.now() + 30_000;
    while (!fs.existsSync(`${db}.go`) && Date.now() < until) Atomics.wait(sleep, 0, 0, 2);
    process.stderr.write(`going on from ${at}\n`);
  },
});
process.stderr.write('done\n');
