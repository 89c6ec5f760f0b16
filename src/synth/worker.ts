import { parentPort } from 'node:worker_threads';
import { transferables } from './buffers.ts';
import { ChunkGenerator, type ChunkData, type RunPlan } from './chunk.ts';

/**
 * Worker thread entry (started by pool.ts): receives the run's plan once, then chunk requests,
 * and posts each chunk's columns back, typed columns transferred rather than copied.
 */

/** What the pool sends a worker. */
export type WorkerRequest =
  { kind: 'plan'; plan: RunPlan; slot: number; slots: number } | { kind: 'chunk'; from: number; to: number };

/** What a worker answers to a chunk request. */
export type WorkerReply = { ok: true; chunk: ChunkData } | { ok: false; error: string };

const port = parentPort;
if (port) {
  let gen: ChunkGenerator | null = null;
  port.on('message', (msg: WorkerRequest) => {
    try {
      if (msg.kind === 'plan') {
        gen = new ChunkGenerator(msg.plan, msg.slot, msg.slots);
        return;
      }
      if (!gen) throw new Error('chunk requested before the plan');
      const chunk = gen.chunk(msg.from, msg.to);
      port.postMessage({ ok: true, chunk } satisfies WorkerReply, transferables(chunk.tables));
    } catch (err) {
      port.postMessage({ ok: false, error: (err as Error)?.stack ?? String(err) } satisfies WorkerReply);
    }
  });
}
