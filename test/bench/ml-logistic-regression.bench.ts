/**
 * Benchmark: the npm package ml-logistic-regression (v2, defaults: 50,000 gradient-ascent steps,
 * learning rate 5e-4, no intercept, no penalty, one-vs-all) against our Newton solver, on the shared
 * L2 problem whose optimum scikit-learn computed (test/fixtures/logreg_sklearn_coefficients.json).
 * Run: npx tsx test/bench/ml-logistic-regression.bench.ts [--with-ones] [--synthetic ROWS]
 *   --with-ones also fits the package with a constant column appended, its only way to get an intercept.
 *   --synthetic ROWS also times our solver alone on ROWS x 80 seeded synthetic rows (40 dense, 40 one-hot-like).
 * Prints max |coef error| vs the reference, the intercept situation, train log loss and fit seconds.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { Matrix } from 'ml-matrix';
import { LogisticRegression } from '../../src/models/logistic.ts';
import { mulberry32 } from '../../src/models/random.ts';
import { denseMatrix, type DenseMatrix } from '../../src/schema/matrix.ts';
import { loadLogregFixture } from '../models/logreg-fixture.ts';

/** The package ships CommonJS without types: declare the little we use. */
interface MlLogReg {
  train(X: Matrix, Y: Matrix): void;
  classifiers: { weights: Matrix; testScores(X: Matrix): number[] }[];
}
const MlLogisticRegression = createRequire(import.meta.url)('ml-logistic-regression') as new (
  opts?: object,
) => MlLogReg;

const fixture = loadLogregFixture();
const exact = JSON.parse(readFileSync(new URL('../models/logreg_exact_optimum.json', import.meta.url), 'utf8'));
const withOnes = process.argv.includes('--with-ones');
const secs = (t0: number) => (performance.now() - t0) / 1000;
// CPU seconds of this process: meaningful even when other jobs share the machine (wall time is not).
const cpuSecs = (c0: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
};

const refCoef = (key: 'C=1.0' | 'C=0.1') => fixture.columns.map((c) => fixture.reference[key].coef[c]);
const maxErr = (a: number[], b: number[]) => Math.max(...a.map((v, j) => Math.abs(v - b[j])));
const meanLogLoss = (p: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < fixture.y.length; i++)
    s -= fixture.y[i] ? Math.log(Math.max(p[i], 1e-15)) : Math.log(Math.max(1 - p[i], 1e-15));
  return s / fixture.y.length;
};
const toMl = (X: DenseMatrix) =>
  new Matrix(Array.from({ length: X.rows }, (_, i) => Array.from(X.data.subarray(i * X.cols, (i + 1) * X.cols))));
const row = (label: string, cols: (string | number)[]) =>
  console.log(
    label.padEnd(46) + cols.map((c) => (typeof c === 'number' ? c.toExponential(2) : c).padStart(14)).join(''),
  );

console.log(
  `problem: ${fixture.X.rows} rows x ${fixture.X.cols} columns; reference = scikit-learn 1.2.1 lbfgs (tol 1e-12)\n`,
);
row('solver', ['coef err C=1', 'coef err C=.1', 'intercept', 'train logloss', 'fit wall s', 'fit cpu s']);

// Ours, at both reference C values.
for (const [C, key] of [
  [1, 'C=1.0'],
  [0.1, 'C=0.1'],
] as const) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const m = new LogisticRegression({ C }).fit(fixture.X, fixture.y);
  const t = secs(t0);
  const cpu = cpuSecs(c0);
  const s = m.state!;
  const errRef = maxErr(s.coef, refCoef(key));
  const errExact = maxErr(
    s.coef,
    fixture.columns.map((c) => exact[key].coef[c]),
  );
  row(`leadscore Newton (C=${C}, ${s.nIter} iterations)`, [
    key === 'C=1.0' ? errRef : '-',
    key === 'C=0.1' ? errRef : '-',
    `err ${Math.abs(s.intercept - fixture.reference[key].intercept).toExponential(1)}`,
    meanLogLoss(m.predictProba(fixture.X)).toFixed(5),
    t.toFixed(3),
    cpu.toFixed(3),
  ]);
  console.log(`${''.padEnd(46)}(vs the exact optimum: max coef err ${errExact.toExponential(2)})`);
}

/** Fit the package with its defaults; its class-0 classifier (target y != 0) models P(y = 1). */
function fitMl(X: DenseMatrix, label: string): number[] {
  const model = new MlLogisticRegression();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  model.train(toMl(X), Matrix.columnVector(Array.from(fixture.y)));
  const t = secs(t0);
  const cpu = cpuSecs(c0);
  const clf = model.classifiers[0];
  const w = clf.weights.to1DArray();
  const p = clf.testScores(toMl(X));
  const coef = w.slice(0, fixture.X.cols);
  const intercept = X.cols > fixture.X.cols ? `ones: ${w[X.cols - 1].toFixed(3)}` : 'none';
  row(label, [
    maxErr(coef, refCoef('C=1.0')),
    maxErr(coef, refCoef('C=0.1')),
    intercept,
    meanLogLoss(p).toFixed(5),
    t.toFixed(3),
    cpu.toFixed(3),
  ]);
  return coef;
}

fitMl(fixture.X, 'ml-logistic-regression 2.0.0, defaults');
// What the package aims at (no penalty, no intercept). One-hot groups make its coefficients non-unique,
// so compare the reachable train log loss rather than coefficients.
const target = new LogisticRegression({ C: 1e10, fitIntercept: false }).fit(fixture.X, fixture.y);
console.log(
  `${''.padEnd(46)}(its own optimum, unpenalized without intercept, has train log loss ` +
    `${meanLogLoss(target.predictProba(fixture.X)).toFixed(5)})`,
);

if (withOnes) {
  const cols = fixture.X.cols + 1;
  const data = new Float32Array(fixture.X.rows * cols);
  for (let i = 0; i < fixture.X.rows; i++) {
    data.set(fixture.X.data.subarray(i * fixture.X.cols, (i + 1) * fixture.X.cols), i * cols);
    data[i * cols + cols - 1] = 1;
  }
  fitMl(
    denseMatrix(data, fixture.X.rows, cols, [...fixture.columns, '(ones)']),
    'ml-logistic-regression + ones column',
  );
}

const syntheticAt = process.argv.indexOf('--synthetic');
if (syntheticAt > 0) {
  const rows = Number(process.argv[syntheticAt + 1] ?? 1_000_000);
  const cols = 80;
  const rnd = mulberry32(1);
  const data = new Float32Array(rows * cols);
  const y = new Uint8Array(rows);
  const w = Array.from({ length: cols }, (_, j) => ((j % 7) - 3) * 0.1);
  for (let i = 0; i < rows; i++) {
    let z = -1;
    for (let j = 0; j < cols; j++) {
      const v = j < 40 ? rnd() + rnd() + rnd() - 1.5 : rnd() < 0.1 ? 1 : 0;
      data[i * cols + j] = v;
      z += w[j] * v;
    }
    y[i] = rnd() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  const X = denseMatrix(
    data,
    rows,
    cols,
    w.map((_, j) => `x${j}`),
  );
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let last = t0;
  const m = new LogisticRegression({ C: 1 }).fit(X, y, {
    onProgress: (msg) => {
      const now = performance.now();
      console.log(`  ${((now - last) / 1000).toFixed(2)} s wall  ${msg}`);
      last = now;
    },
  });
  console.log(
    `\nleadscore Newton on ${rows.toLocaleString('en-US')} x ${cols} synthetic rows: ${m.state!.nIter} ` +
      `iterations, converged ${m.state!.converged}, ` +
      `${secs(t0).toFixed(2)} s wall, ${cpuSecs(c0).toFixed(2)} s cpu`,
  );
}
