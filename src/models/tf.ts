/**
 * The one place that loads TensorFlow.js and picks its backend.
 *
 * Backend: wasm (XNNPACK, SIMD on; measured ~5x faster than tfjs's pure-JS cpu backend here),
 * single-threaded because the threaded wasm build needs browser-style workers that Node lacks.
 * If wasm cannot start, we fall back to cpu with a one-line notice.
 *
 * The "Hi, looks like you are running TensorFlow.js in Node.js... install tfjs-node" banner is
 * printed by the cpu backend through tfjs's own logger, which is silent in production mode. We
 * call `tf.enableProdMode()`, a public API whose only effect (tfjs 4.x) is to silence tfjs's
 * console warnings and logs; kernels and results are unchanged. No `IS_NODE` tricks.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export { tf };

/** Backends leadscore knows how to run on. */
export type BackendName = 'wasm' | 'cpu';

/** Options for ensureBackend; the environment variable LEADSCORE_TF_BACKEND=cpu|wasm overrides `prefer`. */
export interface BackendOptions {
  /** backend to try first (default wasm) */
  prefer?: BackendName;
  /** where the notice goes when we fall back (default console.warn) */
  notify?: (message: string) => void;
}

// The single-threaded builds we use (plain and SIMD); tfjs picks SIMD when the runtime supports it.
const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'];

let pending: Promise<BackendName> | undefined;
let active: BackendName | undefined;

/** Start TensorFlow.js on wasm (falling back to cpu once, with a notice); idempotent; resolves to the backend used. */
export function ensureBackend(options: BackendOptions = {}): Promise<BackendName> {
  // Concurrent callers share one initialization; a failed one may be retried.
  pending ??= initialize(options).then(
    (name) => (active = name),
    (err: unknown) => {
      pending = undefined;
      throw err;
    },
  );
  return pending;
}

/** The backend chosen by ensureBackend, or undefined if it has not finished yet. */
export function activeBackend(): BackendName | undefined {
  return active;
}

/** Directory holding the .wasm binaries of @tensorflow/tfjs-backend-wasm (env LEADSCORE_TF_WASM_DIR overrides). */
export function wasmDirectory(): string {
  const override = process.env.LEADSCORE_TF_WASM_DIR;
  if (override) return withTrailingSeparator(path.resolve(override));
  // The package's Node entry point lives in dist/, next to the .wasm files.
  const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
  return withTrailingSeparator(path.dirname(entry));
}

async function initialize(options: BackendOptions): Promise<BackendName> {
  tf.enableProdMode();
  const notify = options.notify ?? ((message: string) => console.warn(message));
  const envChoice = process.env.LEADSCORE_TF_BACKEND;
  const prefer: BackendName = envChoice === 'cpu' || envChoice === 'wasm' ? envChoice : (options.prefer ?? 'wasm');
  if (prefer === 'wasm') {
    const failure = await withoutEmscriptenHandlers(tryWasm);
    if (failure === undefined) return 'wasm';
    notify(`leadscore: TensorFlow.js wasm backend unavailable (${failure}); using the slower cpu backend`);
  }
  if (!(await tf.setBackend('cpu'))) throw new Error('TensorFlow.js could not start its cpu backend');
  await tf.ready();
  return 'cpu';
}

/**
 * Emscripten's Node glue installs process-wide uncaughtException/unhandledRejection handlers that
 * rethrow, so any later unhandled error dumps the whole minified wasm loader to the terminal.
 * Remove exactly the handlers that appeared while the backend started.
 */
async function withoutEmscriptenHandlers<T>(start: () => Promise<T>): Promise<T> {
  const events = ['uncaughtException', 'unhandledRejection'];
  const listeners = (e: string) => process.listeners(e as 'uncaughtException') as Array<(...args: unknown[]) => void>;
  const before = new Map(events.map((e) => [e, new Set(listeners(e))]));
  try {
    return await start();
  } finally {
    for (const e of events) {
      for (const listener of listeners(e)) if (!before.get(e)!.has(listener)) process.removeListener(e, listener);
    }
  }
}

/** Try to start the wasm backend; undefined on success, else the reason it failed. */
async function tryWasm(): Promise<string | undefined> {
  const dir = wasmDirectory();
  // Check first: emscripten prints a noisy multi-line abort when it cannot open its binary.
  const missing = WASM_FILES.filter((file) => !existsSync(dir + file));
  if (missing.length > 0) return `missing ${missing.join(', ')} in ${dir}`;
  try {
    // Threads need SharedArrayBuffer workers that tfjs cannot spawn in Node: force the single-threaded build.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    setWasmPaths(dir);
    const ok = await tf.setBackend('wasm');
    if (!ok) return `could not load the .wasm files from ${dir}`;
    await tf.ready();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message.split('\n')[0] : String(err);
  }
}

function withTrailingSeparator(dir: string): string {
  return dir.endsWith(path.sep) ? dir : dir + path.sep;
}
