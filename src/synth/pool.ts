import type { Worker } from 'node:worker_threads';
import { startWorker } from '../worker-thread.ts';
import type { ChunkData, RunPlan } from './chunk.ts';
import type { WorkerReply, WorkerRequest } from './worker.ts';

/**
 * Worker threads that generate chunks of leads. Each worker owns a dictionary slot (see
 * staging.ts) and answers its requests in order; callers get one promise per chunk, so they can
 * consume chunks in chunk order whatever order the workers finish in.
 */

interface Slot {
  worker: Worker;
  waiting: Array<{ resolve: (c: ChunkData) => void; reject: (e: Error) => void }>;
}

/** A fixed set of chunk-generating workers. */
export class ChunkPool {
  private readonly slots: Slot[];
  private failure: Error | null = null;

  /**
   * Start `size` workers now (their module loading overlaps whatever the caller does next), each
   * with room for chunks of `chunkLeads` leads.
   */
  constructor(size: number, chunkLeads: number) {
    // V8 lets a worker's heap grow to ~150 MB, mostly garbage; a cap sized to the chunk (the live set
    // is ~20 MB plus ~1 KB per buffered lead; the cap allows 2 KB) keeps it near 80 MB at no measurable cost
    const oldSpaceMb = 96 + Math.ceil(chunkLeads / 500);
    this.slots = Array.from({ length: size }, () => {
      const worker = startWorker(new URL('./worker.ts', import.meta.url), {
        resourceLimits: { maxOldGenerationSizeMb: oldSpaceMb },
      });
      const slot: Slot = { worker, waiting: [] };
      slot.worker.on('message', (reply: WorkerReply) => {
        const w = slot.waiting.shift();
        if (!w) return;
        if (reply.ok) w.resolve(reply.chunk);
        else w.reject(new Error(`chunk worker failed: ${reply.error}`));
      });
      slot.worker.on('error', (err) => this.fail(err));
      slot.worker.on('exit', (code) => {
        if (slot.waiting.length) this.fail(new Error(`chunk worker exited with code ${code}`));
      });
      return slot;
    });
  }

  get size(): number {
    return this.slots.length;
  }

  /** Send every worker the run's plan (before any chunk). */
  setPlan(plan: RunPlan): void {
    this.slots.forEach((s, i) =>
      s.worker.postMessage({ kind: 'plan', plan, slot: i, slots: this.slots.length } satisfies WorkerRequest),
    );
  }

  /** Generate leads [from, to) on the least busy worker. */
  chunk(from: number, to: number): Promise<ChunkData> {
    if (this.failure) return Promise.reject(this.failure);
    let slot = this.slots[0];
    for (const s of this.slots) if (s.waiting.length < slot.waiting.length) slot = s;
    return new Promise((resolve, reject) => {
      slot.waiting.push({ resolve, reject });
      slot.worker.postMessage({ kind: 'chunk', from, to } satisfies WorkerRequest);
    });
  }

  /** Stop the workers (pending chunks are rejected). */
  async close(): Promise<void> {
    this.fail(new Error('chunk pool closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const s of this.slots) for (const w of s.waiting.splice(0)) w.reject(err);
  }
}
