/**
 * Neural model fit-time benchmark: a synthetic nonlinear problem of n rows x d columns.
 * Usage: npx tsx test/bench/neural-fit.ts [rows=1000000] [cols=80]
 */
import { NeuralNet } from '../../src/models/neural.ts';
import { ensureBackend } from '../../src/models/tf.ts';
import { mulberry32 } from '../../src/models/random.ts';
import type { DenseMatrix } from '../../src/schema/matrix.ts';

/** Rows with an interaction, a square and a linear term hidden among noise columns. */
function nonlinearProblem(n: number, d: number, seed: number): { X: DenseMatrix; y: Uint8Array } {
  const random = mulberry32(seed);
  const data = new Float32Array(n * d);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const row = i * d;
    for (let j = 0; j < d; j++) data[row + j] = random() * 2 - 1;
    const z = 3 * data[row] * data[row + 1] + 2 * data[row + 2] ** 2 - 0.7 + 0.5 * data[row + 3];
    y[i] = random() < 1 / (1 + Math.exp(-3 * z)) ? 1 : 0;
  }
  return { X: { data, rows: n, cols: d, columns: Array.from({ length: d }, (_, j) => `f${j}`) }, y };
}

/** AUC by the rank-sum formula (ties are negligible for continuous scores). */
function auc(y: Uint8Array, p: Float64Array): number {
  const idx = Array.from(p.keys()).sort((a, b) => p[a] - p[b]);
  let rankSum = 0;
  let pos = 0;
  idx.forEach((i, r) => {
    if (y[i] === 1) {
      rankSum += r + 1;
      pos++;
    }
  });
  const neg = y.length - pos;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

const rows = Number(process.argv[2] ?? 1_000_000);
const cols = Number(process.argv[3] ?? 80);
const backend = await ensureBackend();
const train = nonlinearProblem(rows, cols, 1);
const test = nonlinearProblem(50_000, cols, 2);
const started = performance.now();
const cpuStart = process.cpuUsage();
const model = await new NeuralNet({ seed: 42 }).fit(train.X, train.y, {
  onProgress: (message) => console.log(`${((performance.now() - started) / 1000).toFixed(1)}s ${message}`),
});
const fitSeconds = (performance.now() - started) / 1000;
// CPU seconds too: on a shared machine wall time mostly measures the neighbours.
const cpu = process.cpuUsage(cpuStart);
const fitCpuSeconds = (cpu.user + cpu.system) / 1e6;
const t1 = performance.now();
const p = model.predictProba(test.X);
const predictSeconds = (performance.now() - t1) / 1000;
console.log(
  JSON.stringify({
    backend,
    rows,
    cols,
    fitSeconds: +fitSeconds.toFixed(1),
    fitCpuSeconds: +fitCpuSeconds.toFixed(1),
    epochs: model.state!.history.length,
    bestEpoch: model.state!.bestEpoch,
    batchSize: model.state!.batchSize,
    testAuc: +auc(test.y, p).toFixed(4),
    predictRowsPerSecond: Math.round(test.X.rows / predictSeconds),
  }),
);
