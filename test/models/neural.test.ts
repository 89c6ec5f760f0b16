import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NeuralNet, decodeFloat32, encodeFloat32, type NeuralParamsInput } from '../../src/models/neural.ts';
import { denseForTraining, denseInputForTraining, weightedCrossEntropy } from '../../src/models/neural-ops.ts';
import { dropoutMask } from '../../src/models/neural-train.ts';
import { AdamUpdater } from '../../src/models/neural-adam.ts';
import { ensureBackend, tf } from '../../src/models/tf.ts';
import { LogisticRegression } from '../../src/models/logistic.ts';
import { mulberry32 } from '../../src/models/random.ts';
import { rocAuc } from '../../src/evaluate/metrics.ts';
import { ConfigError, DataError } from '../../src/errors.ts';
import type { DenseMatrix } from '../../src/schema/matrix.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** y depends on an interaction and a square (invisible to a linear model) plus a linear term. */
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

/** Weighted-free mean binary cross-entropy, in Float64. */
function logLoss(y: Uint8Array, p: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const q = Math.min(Math.max(p[i], 1e-7), 1 - 1e-7);
    s -= y[i] === 1 ? Math.log(q) : Math.log(1 - q);
  }
  return s / y.length;
}

function mean(p: Float64Array): number {
  let s = 0;
  for (const v of p) s += v;
  return s / p.length;
}

const train = nonlinearProblem(3000, 6, 1);
const test = nonlinearProblem(4000, 6, 2);
const quick: NeuralParamsInput = { hidden: [16, 8], maxEpochs: 8, seed: 7 };

beforeAll(async () => {
  await ensureBackend();
});

describe('tf backend', () => {
  it('runs on wasm here, and ensureBackend is idempotent', async () => {
    const [a, b] = await Promise.all([ensureBackend(), ensureBackend()]);
    expect(a).toBe('wasm');
    expect(b).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')).toBe(false);
  });

  it('falls back to cpu with one notice, and never prints the tfjs-node banner', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-tf-'));
    const script = path.join(dir, 'fallback.mts');
    const tfModule = path.join(repoRoot, 'src/models/tf.ts');
    fs.writeFileSync(
      script,
      `import { ensureBackend, tf } from ${JSON.stringify(tfModule)};\n` +
        `const name = await ensureBackend();\n` +
        `tf.tensor([1, 2, 3]).square().dataSync();\n` +
        `console.log('BACKEND=' + name + ' ' + tf.getBackend());\n`,
    );
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], {
      cwd: repoRoot,
      env: { ...process.env, LEADSCORE_TF_WASM_DIR: path.join(dir, 'missing') },
      encoding: 'utf8',
    });
    const output = run.stdout + run.stderr;
    expect(run.status, output).toBe(0);
    expect(run.stdout).toContain('BACKEND=cpu cpu');
    expect(output.match(/wasm backend unavailable/g)).toHaveLength(1);
    expect(output).not.toMatch(/looks like you are running TensorFlow\.js in Node/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('training ops', () => {
  const l2 = 0.05;
  const compare = (expected: tf.Tensor[], actual: tf.Tensor[]) => {
    expect(actual).toHaveLength(expected.length);
    for (let k = 0; k < expected.length; k++) {
      const e = expected[k].dataSync();
      const a = actual[k].dataSync();
      expect(a.length).toBe(e.length);
      for (let i = 0; i < e.length; i++) expect(a[i]).toBeCloseTo(e[i], 4);
    }
  };

  it('dense layers have the gradients of tfjs autodiff of the plain formula with its L2 penalty', () => {
    for (const activation of ['relu', 'linear'] as const) {
      const x = tf.randomNormal([7, 5], 0, 1, 'float32', 1) as tf.Tensor2D;
      const w = tf.randomNormal([5, 3], 0, 1, 'float32', 2) as tf.Tensor2D;
      const b = tf.randomNormal([3], 0, 1, 'float32', 3) as tf.Tensor1D;
      const up = tf.randomNormal([7, 3], 0, 1, 'float32', 4);
      const plain = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => {
        const z = tf.add(tf.matMul(xx as tf.Tensor2D, ww as tf.Tensor2D), bb);
        return tf.add(tf.sum(tf.mul(activation === 'relu' ? tf.relu(z) : z, up)), tf.mul(l2, tf.sum(tf.square(ww))));
      };
      // the penalty's value is added by the training loop, its gradient by the op
      const penalty = (ww: tf.Tensor) => tf.mul(l2, tf.sum(tf.square(ww)));
      const ours = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(tf.mul(denseForTraining(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D, activation, l2), up));
      const xT = x.transpose() as tf.Tensor2D;
      const input = (ww: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(tf.mul(denseInputForTraining(x, xT, ww as tf.Tensor2D, bb as tf.Tensor1D, activation, l2), up));
      const expected = tf.grads(plain)([x, w, b]);
      const actual = tf.grads(ours)([x, w, b]);
      expect(tf.add(ours(x, w, b), penalty(w)).dataSync()[0]).toBeCloseTo(plain(x, w, b).dataSync()[0], 4);
      compare(expected, actual);
      const actualInput = tf.grads(input)([w, b]);
      compare(expected.slice(1), actualInput);
      tf.dispose([x, xT, w, b, up, ...expected, ...actual, ...actualInput]);
    }
  });

  it("Adam's updates are tfjs's tf.train.adam's, step for step", () => {
    const shapes = [[5, 3], [3], [3, 1], [1]];
    const start = shapes.map((s, k) => tf.randomNormal(s, 0, 1, 'float32', 10 + k));
    const ours = start.map((t) => tf.variable(t.clone()));
    const theirs = start.map((t) => tf.variable(t.clone()));
    const updater = new AdamUpdater(ours, 0.01);
    const reference = tf.train.adam(0.01);
    for (let step = 0; step < 25; step++) {
      // gradients that change sign and scale from step to step
      const grads = shapes.map((s, k) => tf.mul(tf.randomNormal(s, 0, 1, 'float32', 100 * step + k), 1 + (step % 3)));
      updater.apply(grads);
      reference.applyGradients(theirs.map((v, k) => ({ name: v.name, tensor: grads[k] })));
      tf.dispose(grads);
    }
    let moved = 0;
    for (let k = 0; k < shapes.length; k++) {
      const a = ours[k].dataSync();
      const e = theirs[k].dataSync();
      const s = start[k].dataSync();
      for (let i = 0; i < e.length; i++) {
        expect(a[i]).toBeCloseTo(e[i], 5);
        moved += Math.abs(a[i] - s[i]);
      }
    }
    expect(moved).toBeGreaterThan(0.1); // the weights did move (22 of them, up to 0.25 each)
    tf.dispose([...start, ...ours, ...theirs]);
    reference.dispose();
  });

  it('dropout masks drop the rate of cells, scale the rest by 1 / (1 - rate), and repeat with the seed', () => {
    for (const [rows, units, rate] of [
      [512, 64, 0.1],
      [333, 7, 0.5], // an odd cell count: the last cell has only half a draw
      [1000, 31, 0.25],
    ] as const) {
      const mask = dropoutMask(rows, units, rate, mulberry32(3));
      const values = mask.dataSync();
      expect(values).toHaveLength(rows * units);
      const kept = Math.fround(1 / (1 - rate));
      let zeros = 0;
      for (const v of values) {
        if (v === 0) zeros++;
        else expect(v).toBe(kept);
      }
      const n = rows * units;
      // within 4 standard deviations of a binomial's share
      expect(Math.abs(zeros / n - rate)).toBeLessThan(4 * Math.sqrt((rate * (1 - rate)) / n));
      // both halves of each draw are used: neither the even nor the odd cells are all kept or all dropped
      let evenZeros = 0;
      for (let i = 0; i < n; i += 2) if (values[i] === 0) evenZeros++;
      expect(evenZeros).toBeGreaterThan(0);
      expect(evenZeros).toBeLessThan(zeros);
      const again = dropoutMask(rows, units, rate, mulberry32(3));
      expect(Array.from(again.dataSync())).toEqual(Array.from(values));
      tf.dispose([mask, again]);
    }
  });

  it('the weighted cross-entropy has the value and gradient of tfjs sigmoidCrossEntropy', () => {
    const z = tf.randomNormal([9, 1], 0, 2, 'float32', 5) as tf.Tensor2D;
    const y = tf.tensor2d([1, 0, 0, 1, 1, 0, 0, 0, 1], [9, 1]);
    const w = tf.tensor2d([1, 2, 0.5, 1, 1, 3, 1, 0.2, 1], [9, 1]);
    const plain = (zz: tf.Tensor) => tf.div(tf.losses.sigmoidCrossEntropy(y, zz, w, 0, tf.Reduction.SUM), 9);
    const ours = (zz: tf.Tensor) => weightedCrossEntropy(y, zz as tf.Tensor2D, w, 9);
    expect(ours(z).dataSync()[0]).toBeCloseTo(plain(z).dataSync()[0], 6);
    const expected = tf.grads(plain)([z]);
    const actual = tf.grads(ours)([z]);
    compare(expected, actual);
    tf.dispose([z, y, w, ...expected, ...actual]);
  });
});

describe('NeuralNet params', () => {
  it('fills the documented defaults', () => {
    const p = new NeuralNet().params;
    expect(p).toMatchObject({
      hidden: [32, 16],
      dropout: 0.1,
      l2: 1e-4,
      learningRate: 'auto',
      batchSize: 'auto',
      epochRows: 65_536,
      maxEpochs: 50,
      patience: 5,
      classWeight: null,
      seed: 42,
    });
  });

  it('refuses bad params with a ConfigError naming the key', () => {
    expect(() => new NeuralNet({ dropout: 1.5 })).toThrow(ConfigError);
    expect(() => new NeuralNet({ dropout: 1.5 })).toThrow(/dropout/);
    expect(() => new NeuralNet({ hidden: [0] })).toThrow(/hidden/);
    expect(() => new NeuralNet({ learningRates: 0.1 } as never)).toThrow(ConfigError);
  });
});

describe('NeuralNet fit/predict', () => {
  it('beats a linear model on a nonlinear problem', async () => {
    const net = await new NeuralNet({ seed: 3, maxEpochs: 40 }).fit(train.X, train.y);
    const linear = new LogisticRegression().fit(train.X, train.y);
    const aucNet = rocAuc(test.y, net.predictProba(test.X));
    const aucLinear = rocAuc(test.y, linear.predictProba(test.X));
    expect(aucLinear).toBeLessThan(0.7);
    expect(aucNet).toBeGreaterThan(aucLinear + 0.15);
    expect(aucNet).toBeGreaterThan(0.85);
  });

  it('gives bit-identical probabilities for the same seed, different ones for another seed', async () => {
    const a = (await new NeuralNet(quick).fit(train.X, train.y)).predictProba(test.X);
    const b = (await new NeuralNet(quick).fit(train.X, train.y)).predictProba(test.X);
    const c = (await new NeuralNet({ ...quick, seed: 8 }).fit(train.X, train.y)).predictProba(test.X);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(false);
  });

  it('trains each epoch on a fresh seeded sample of epochRows rows when there are more', async () => {
    const sampled = { ...quick, epochRows: 256, maxEpochs: 4, patience: 10 };
    const a = await new NeuralNet(sampled).fit(train.X, train.y);
    const b = await new NeuralNet(sampled).fit(train.X, train.y);
    const full = await new NeuralNet({ ...sampled, epochRows: 1_000_000 }).fit(train.X, train.y);
    expect(a.state!.history).toHaveLength(4);
    expect(a.toJSON().state.layers).toEqual(b.toJSON().state.layers);
    expect(a.toJSON().state.layers).not.toEqual(full.toJSON().state.layers);
  });

  it('leaves no tensors behind after fit and predict', async () => {
    const before = tf.memory().numTensors;
    const net = await new NeuralNet({ ...quick, maxEpochs: 3 }).fit(train.X, train.y, { validation: test });
    net.predictProba(test.X);
    expect(tf.memory().numTensors).toBe(before);
    // ...and none when fit fails half-way either.
    await expect(new NeuralNet({ ...quick, learningRate: 1e30, dropout: 0 }).fit(train.X, train.y)).rejects.toThrow(
      /diverged/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('round-trips through JSON with bit-identical probabilities and no reference to the input', async () => {
    const net = await new NeuralNet(quick).fit(train.X, train.y);
    const json = JSON.parse(JSON.stringify(net.toJSON()));
    expect(JSON.stringify(json)).not.toContain('"data"');
    const loaded = NeuralNet.fromJSON(json);
    expect(loaded.params).toEqual(net.params);
    const p1 = net.predictProba(test.X);
    const p2 = loaded.predictProba(test.X);
    expect(Buffer.from(p1.buffer).equals(Buffer.from(p2.buffer))).toBe(true);
  });

  it('refuses damaged or foreign JSON with a ConfigError', async () => {
    const json = (await new NeuralNet({ ...quick, maxEpochs: 1 }).fit(train.X, train.y)).toJSON();
    expect(() => NeuralNet.fromJSON({ ...json, kind: 'logistic' })).toThrow(ConfigError);
    const truncated = structuredClone(json);
    truncated.state.layers[0].kernel.float32 = truncated.state.layers[0].kernel.float32.slice(0, 12);
    expect(() => NeuralNet.fromJSON(truncated)).toThrow(/bytes/);
    const reshaped = structuredClone(json);
    reshaped.state.layers[1].kernel.shape = [8, 16];
    expect(() => NeuralNet.fromJSON(reshaped)).toThrow(ConfigError);
  });

  it('encodes float32 weights exactly, including special values', () => {
    const values = Float32Array.from([0, -0, 1.5, -3.4028234663852886e38, 1e-45, Math.PI, NaN, Infinity]);
    const back = decodeFloat32({ shape: [values.length], float32: encodeFloat32(values) });
    expect(Buffer.from(back.buffer).equals(Buffer.from(values.buffer))).toBe(true);
  });

  it('stops early on validation loss and restores the best weights', async () => {
    // A wide net on few noisy rows with a big learning rate overfits within a few epochs.
    const small = nonlinearProblem(300, 6, 5);
    const val = nonlinearProblem(1000, 6, 6);
    const messages: string[] = [];
    const net = await new NeuralNet({
      hidden: [128, 64],
      dropout: 0,
      l2: 0,
      learningRate: 0.02,
      batchSize: 32,
      maxEpochs: 200,
      patience: 3,
      seed: 1,
    }).fit(small.X, small.y, { validation: val, onProgress: (m) => messages.push(m) });
    const state = net.state!;
    expect(state.history.length).toBeLessThan(200);
    expect(state.history.length).toBe(state.bestEpoch + 3);
    const best = state.history[state.bestEpoch - 1];
    expect(best.valLoss).toBe(Math.min(...state.history.map((h) => h.valLoss)));
    const last = state.history[state.history.length - 1];
    expect(last.valLoss).toBeGreaterThan(best.valLoss);
    // The returned model is the best epoch's, not the last one's.
    expect(logLoss(val.y, net.predictProba(val.X))).toBeCloseTo(best.valLoss, 4);
    const epochLines = messages.filter((m) => /epoch \d+\/\d+ loss=\d\.\d+ val_loss=\d\.\d+/.test(m));
    expect(epochLines).toHaveLength(state.history.length);
  });

  it('holds out a seeded, stratified 10% when no validation set is given', async () => {
    const net = await new NeuralNet({ ...quick, maxEpochs: 2 }).fit(train.X, train.y);
    expect(Math.abs(net.state!.validationRows - 300)).toBeLessThanOrEqual(1);
    expect(net.state!.trainRows + net.state!.validationRows).toBe(3000);
    // 3 positives in 60 rows: a stratified holdout keeps 10% of them (rounded), never none.
    const y = new Uint8Array(60);
    y[5] = y[25] = y[45] = 1;
    const tiny = { ...train.X, rows: 60, data: train.X.data.slice(0, 60 * 6) };
    const fitted = await new NeuralNet({ ...quick, maxEpochs: 1, validationFraction: 0.34 }).fit(tiny, y);
    expect(fitted.state!.validationRows).toBe(Math.round(57 * 0.34) + Math.round(3 * 0.34));
  });

  it('applies class weights and sample weights', async () => {
    // About 10% positives: balanced class weights push the mean prediction towards 0.5.
    const rare = nonlinearProblem(2000, 6, 9);
    const y = Uint8Array.from(rare.y, (v, i) => (v === 1 && i % 4 === 0 ? 1 : 0));
    const opts = { ...quick, maxEpochs: 10 };
    const plain = await new NeuralNet(opts).fit(rare.X, y);
    const balanced = await new NeuralNet({ ...opts, classWeight: 'balanced' }).fit(rare.X, y);
    const upweighted = await new NeuralNet(opts).fit(rare.X, y, {
      sampleWeight: Float64Array.from(y, (v) => (v === 1 ? 8 : 1)),
    });
    const base = mean(plain.predictProba(rare.X));
    expect(base).toBeLessThan(0.3);
    expect(mean(balanced.predictProba(rare.X))).toBeGreaterThan(base + 0.15);
    expect(mean(upweighted.predictProba(rare.X))).toBeGreaterThan(base + 0.15);
  });

  it('predicts in batches: more rows than one batch give the same values as small slices', async () => {
    const net = await new NeuralNet({ ...quick, maxEpochs: 1 }).fit(train.X, train.y);
    const big = nonlinearProblem(40_000, 6, 11);
    const all = net.predictProba(big.X);
    expect(all).toBeInstanceOf(Float64Array);
    expect(all.length).toBe(40_000);
    const tail = { ...big.X, data: big.X.data.slice(39_990 * 6), rows: 10 };
    expect(Array.from(net.predictProba(tail))).toEqual(Array.from(all.subarray(39_990)));
    for (const p of all) expect(p > 0 && p < 1).toBe(true);
  });

  it('refuses unusable inputs with a DataError that says what is wrong', async () => {
    const net = new NeuralNet(quick);
    expect(() => net.predictProba(test.X)).toThrow(/not fitted/);
    await expect(net.fit(train.X, new Uint8Array(train.X.rows))).rejects.toThrow(/both classes/);
    await expect(net.fit(train.X, train.y.slice(1))).rejects.toThrow(DataError);
    const withNaN = { ...train.X, data: train.X.data.slice() };
    withNaN.data[5 * 6 + 2] = NaN;
    await expect(net.fit(withNaN, train.y)).rejects.toThrow(/NaN in column 'f2' at row 5/);
    await net.fit(train.X, train.y);
    const renamed = { ...test.X, columns: test.X.columns.map((c, j) => (j === 4 ? 'other' : c)) };
    expect(() => net.predictProba(renamed)).toThrow(/column 4 is 'other'.*'f4'/);
    const testWithInf = { ...test.X, data: test.X.data.slice() };
    testWithInf.data[7 * 6 + 1] = Infinity;
    expect(() => net.predictProba(testWithInf)).toThrow(/Infinity in column 'f1' at row 7/);
    expect(() =>
      net.predictProba({
        ...test.X,
        cols: 5,
        columns: test.X.columns.slice(0, 5),
        data: new Float32Array(5 * test.X.rows),
      }),
    ).toThrow(/5 columns/);
  });

  it('with hidden: [] is a logistic regression close to the exact solver', async () => {
    // Validate on the training rows themselves so both fit all 3000 rows; patience high enough to converge.
    const net = await new NeuralNet({
      hidden: [],
      dropout: 0,
      l2: 0,
      learningRate: 0.03,
      maxEpochs: 60,
      patience: 60,
      seed: 2,
    }).fit(train.X, train.y, {
      validation: train,
    });
    const exact = new LogisticRegression({ C: 1e6 }).fit(train.X, train.y);
    const expected = exact.predictProba(test.X);
    const diff = net.predictProba(test.X).map((p, i) => Math.abs(p - expected[i]));
    expect(Math.max(...diff)).toBeLessThan(0.02);
  });
});

describe('NeuralNet warm start and fixed epochs', () => {
  it('from a fitted network it starts as the same function, in another standardization and order', async () => {
    const half = { ...train.X, rows: 1500, data: train.X.data.subarray(0, 1500 * train.X.cols) };
    const a = await new NeuralNet({ ...quick, dropout: 0 }).fit(half, train.y.subarray(0, 1500));
    // all 3000 rows (another mean and scale), columns reversed, one epoch at a negligible learning rate
    const order = Array.from({ length: train.X.cols }, (_, j) => train.X.cols - 1 - j);
    const data = new Float32Array(train.X.data.length);
    for (let i = 0; i < train.X.rows; i++)
      for (let j = 0; j < order.length; j++) data[i * order.length + j] = train.X.data[i * order.length + order[j]];
    const reversed: DenseMatrix = { ...train.X, data, columns: order.map((j) => train.X.columns[j]) };
    const b = await new NeuralNet({ ...quick, dropout: 0, epochs: 1, learningRate: 1e-12 }).fit(reversed, train.y, {
      start: a,
    });
    const pa = a.predictProba(train.X);
    const pb = b.predictProba(reversed);
    for (let i = 0; i < pa.length; i++) expect(Math.abs(pa[i] - pb[i])).toBeLessThan(1e-4);
    expect(b.state!.validationRows).toBe(0); // a fixed number of epochs holds no rows back
    expect(b.state!.history).toHaveLength(1);
  });
});
