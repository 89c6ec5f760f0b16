/**
 * Where a base estimator's fit runs: on this thread, or on a worker thread beside it, so the members of
 * a scoring model fit at the same time (on 100k CRM leads the logistic regression here and the network
 * on a worker, each about 5 s a fit, with the second core otherwise idle).
 *
 * A fit on a worker returns the same model as one here: the worker runs the same kind's fit on a copy of
 * the same rows with the same seed, and the model comes back as its toJSON, which the kind's fromJSON
 * turns into a model with bit-identical predictions (the contract of every kind). Fold models handed to
 * a final fit travel the same way. Only the logistic regression and the network run on workers (see
 * ON_WORKERS): other kinds, and any kind the caller registers (which exists only in the caller's thread),
 * fit on this thread.
 */
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { ConfigError, DataError, LeadscoreError, NotFoundError, RuntimeError, UsageError } from '../errors.ts';
import type { DenseMatrix } from '../schema/matrix.ts';
import { startWorker } from '../worker-thread.ts';
import type { BaseEstimator, BaseEstimatorKind, BaseFitContext } from './base-estimator.ts';
import { LOGISTIC_KIND } from './logistic.ts';
import { NEURAL_KIND } from './neural-ensemble.ts';
import { ensureBackend } from './tf.ts';

/** Runs fits, one at a time, on one thread. */
export interface FitLane {
  /** fits run on this thread (and hold it while they compute) */
  readonly inThread: boolean;
  fit(
    kind: BaseEstimatorKind,
    X: DenseMatrix,
    y: Uint8Array,
    params: Record<string, unknown>,
    ctx: BaseFitContext,
  ): Promise<BaseEstimator>;
  close(): Promise<void>;
}

/**
 * The kinds a worker fits, by name (the worker registers the built-in kinds itself): those whose JSON carries
 * everything the scoring model reads from a fold fit (its tuning). Boosted trees are not among them: their
 * settle reads each fold's held-out curve and their work count, which the artifact's JSON leaves out.
 */
const ON_WORKERS = new Map([LOGISTIC_KIND, NEURAL_KIND].map((k) => [k.name, k]));

/** A fit request as the worker receives it: the context's callbacks and models replaced by plain data. */
export interface FitRequest {
  id: number;
  kind: string;
  X: DenseMatrix;
  y: Uint8Array;
  params: Record<string, unknown>;
  ctx: Omit<BaseFitContext, 'onProgress' | 'foldModels'> & { foldModels?: unknown[] };
}

/** What the worker posts back: progress lines, then the model's JSON or the error. */
export type FitReply =
  | { id: number; progress: string }
  | { id: number; model: unknown }
  | { id: number; error: { name: string; message: string; hint?: string; stack?: string } };

/** Fits on this thread. */
export function inThreadLane(): FitLane {
  return {
    inThread: true,
    fit: (kind, X, y, params, ctx) => kind.fit(X, y, params, ctx),
    close: async () => undefined,
  };
}

/**
 * Fits on a worker thread of its own (started on the first fit). A kind not in ON_WORKERS, or registered
 * over one of their names, fits on this thread instead.
 */
export function workerLane(): FitLane {
  let worker: Worker | null = null;
  let failure: Error | null = null;
  let next = 0;
  const pending = new Map<
    number,
    { resolve: (json: unknown) => void; reject: (e: Error) => void; ctx: BaseFitContext }
  >();
  const fail = (err: Error) => {
    failure = err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  const start = () => {
    const w = startWorker(new URL('./fit-worker.ts', import.meta.url));
    w.on('message', (reply: FitReply) => {
      const p = pending.get(reply.id);
      if (!p) return;
      if ('progress' in reply) p.ctx.onProgress?.(reply.progress);
      else {
        pending.delete(reply.id);
        if ('model' in reply) p.resolve(reply.model);
        else p.reject(errorFrom(reply.error));
      }
    });
    w.on('error', (err) => fail(new Error(`model fitting worker failed: ${err.message}`, { cause: err })));
    w.on('exit', (code) => fail(new Error(`model fitting worker exited (code ${code}) before it answered`)));
    return w;
  };
  return {
    inThread: false,
    fit: async (kind, X, y, params, ctx) => {
      if (ON_WORKERS.get(kind.name) !== kind) return kind.fit(X, y, params, ctx);
      if (failure) throw failure;
      // nothing before the post may wait: the caller goes on to fit another member on this thread, which holds
      // it, and a request posted only after that fit would leave the worker idle all along
      worker ??= start();
      const id = next++;
      const { onProgress: _progress, foldModels, heldOut, ...plain } = ctx;
      const moved: ArrayBuffer[] = [];
      const request: FitRequest = {
        id,
        kind: kind.name,
        X: own(X, moved),
        y,
        params,
        ctx: {
          ...plain,
          ...(heldOut ? { heldOut: { X: own(heldOut.X, moved), y: heldOut.y } } : {}),
          ...(foldModels ? { foldModels: foldModels.map((m) => m.toJSON()) } : {}),
        },
      };
      const reply = new Promise<unknown>((resolve, reject) => {
        pending.set(id, { resolve, reject, ctx });
        worker!.postMessage(request, moved);
      });
      reply.catch(() => undefined); // awaited below
      // the model predicts here afterwards: a network through TensorFlow.js, which a fit here would have started
      if (kind === NEURAL_KIND) await ensureBackend();
      return kind.fromJSON(await reply);
    },
    close: async () => {
      const w = worker;
      worker = null;
      if (w) {
        w.removeAllListeners('exit');
        await w.terminate();
      }
    },
  };
}

/**
 * The matrix with values of its own to send: a posted typed array takes its whole buffer along, so a view
 * of a bigger matrix (takeRows of consecutive rows) is copied to a buffer of its own, which is then moved
 * (listed in `moved`) rather than copied again.
 */
function own(X: DenseMatrix, moved: ArrayBuffer[]): DenseMatrix {
  if (X.data.byteOffset === 0 && X.data.byteLength === X.data.buffer.byteLength) return X;
  const data = X.data.slice();
  moved.push(data.buffer);
  return { ...X, data };
}

/** Matrices at least this big (rows x columns) are worth a worker's start-up (about a second). */
export const WORKER_MIN_CELLS = 4_000_000;

/**
 * One lane per member: the first fits on this thread, the others on worker threads (one each, at most
 * one fewer than the cores) when `parallel` says so; with one core, or not parallel, every member fits here.
 */
export function memberLanes(members: number, parallel: boolean): FitLane[] {
  const here = inThreadLane();
  const workers = parallel ? Math.min(members - 1, os.availableParallelism() - 1) : 0;
  const pool = Array.from({ length: Math.max(0, workers) }, () => workerLane());
  return Array.from({ length: members }, (_, k) => (k === 0 || pool.length === 0 ? here : pool[(k - 1) % pool.length]));
}

/** Close every lane (terminates the workers). */
export async function closeLanes(lanes: FitLane[]): Promise<void> {
  await Promise.all([...new Set(lanes)].map((l) => l.close()));
}

const ERRORS: Record<string, new (message: string, hint?: string) => LeadscoreError> = {
  UsageError,
  DataError,
  ConfigError,
  NotFoundError,
  RuntimeError,
};

/** The worker's error as the same class here (a DataError stays a DataError, with its hint). */
function errorFrom(e: { name: string; message: string; hint?: string; stack?: string }): Error {
  const Kind = ERRORS[e.name];
  const err = Kind ? new Kind(e.message, e.hint) : new Error(e.message);
  if (e.stack) err.stack = e.stack;
  return err;
}
