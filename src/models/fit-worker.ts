import { parentPort } from 'node:worker_threads';
import { LeadscoreError } from '../errors.ts';
import { baseEstimatorKind } from './base-estimators.ts';
import type { FitReply, FitRequest } from './fit-lanes.ts';

/**
 * Worker thread entry (started by a workerLane): fits one base estimator per request, one request at a
 * time, and posts its progress and then the model's JSON (or the error) back.
 */
const port = parentPort;
let queue: Promise<void> = Promise.resolve();

async function answer(req: FitRequest): Promise<void> {
  const post = (reply: FitReply) => port!.postMessage(reply);
  try {
    const kind = baseEstimatorKind(req.kind);
    const { foldModels, ...ctx } = req.ctx;
    const model = await kind.fit(req.X, req.y, req.params, {
      ...ctx,
      ...(foldModels ? { foldModels: foldModels.map((m) => kind.fromJSON(m)) } : {}),
      onProgress: (message) => post({ id: req.id, progress: message }),
    });
    post({ id: req.id, model: model.toJSON() });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const hint = e instanceof LeadscoreError ? e.hint : undefined;
    post({ id: req.id, error: { name: e.name, message: e.message, hint, stack: e.stack } });
  }
}

if (port) port.on('message', (req: FitRequest) => (queue = queue.then(() => answer(req))));
