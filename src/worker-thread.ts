import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starting a worker thread whether leadscore runs compiled (dist/) or from its TypeScript sources (vitest, tsx):
 * the one place that knows the difference.
 */

/**
 * Start a worker on `entry`, a module's URL as the sources name it (`new URL('./worker.ts', import.meta.url)`).
 * Compiled, the worker runs the .js sibling. From the sources, Node 20 gives workers no loader hooks from execArgv
 * (nodejs/node#47747), so the worker evaluates a small script that registers tsx, then imports the .ts; tsx is
 * resolved from this module, so any working directory works.
 */
export function startWorker(entry: URL, options: WorkerOptions = {}): Worker {
  if (!entry.pathname.endsWith('.ts')) throw new Error(`worker entry ${entry.href} is not a .ts module`);
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL(entry.href.replace(/\.ts$/, '.js')), options);
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const boot = `import(${api}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}
