import { parentPort } from 'node:worker_threads';
import { replicateValues, type BootstrapRequest } from './bootstrap.ts';

/**
 * Worker thread entry (started by bootstrapIntervalsParallel): measures one range of replicates and posts their
 * values back. It does not catch: an error reaches the caller as the worker's 'error' event.
 */
const port = parentPort;
if (port)
  port.on('message', (req: BootstrapRequest) =>
    port.postMessage(replicateValues(req.y, req.scores, req, req.from, req.to)),
  );
