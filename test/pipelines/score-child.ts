/**
 * A scoring run in its own process, paused at one fault point so a test can kill -9 it there:
 *   node --import tsx test/pipelines/score-child.ts DB MODELS_DIR RUN_ID AS_OF POINT
 * It announces "paused at POINT" on stderr and blocks (the hook is injected: production code reads no
 * environment variable for it).
 */
import { scoreLeads, type FaultPoint } from '../../src/pipelines/score/index.ts';

const [db, modelsDir, runId, asOf, point] = process.argv.slice(2);
await scoreLeads({
  db,
  model: 'fixture',
  modelsDir,
  asOf: new Date(asOf),
  leads: 'open',
  runId,
  reasons: 3,
  now: () => new Date(),
  atFaultPoint: (at: FaultPoint) => {
    if (at !== point) return;
    process.stderr.write(`paused at ${at}\n`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
  },
});
