/**
 * The neural network itself and its training loop: seeded initializers, seeded dropout masks, one
 * epoch of Adam steps over shuffled batches, validation loss, and snapshots of the weights.
 */
import { denseForTraining, denseInputForTraining, weightedCrossEntropy } from './neural-ops.ts';
import { standardizeRow, type Scaler, type WeightedRows } from './neural-data.ts';
import { encodeTensor } from './neural-weights.ts';
import type { AdamUpdater } from './neural-adam.ts';
import type { NeuralParams, NeuralState } from './neural.ts';
import { tf } from './tf.ts';

/** Rows per forward pass when predicting or scoring validation: bounds memory at any n. */
export const PREDICT_BATCH = 16384;
export interface Network {
  model: tf.Sequential;
  /** trainable variables in layer order: kernel, bias, kernel, bias, ... */
  variables: tf.Variable[];
}

/** The MLP with seeded initializers; the output layer emits logits (the sigmoid lives in the loss, for stability). */
export function buildNetwork(inputs: number, params: NeuralParams, random: () => number): Network {
  const nextSeed = () => Math.floor(random() * 0x7fffffff);
  const model = tf.sequential();
  const sizes = [...params.hidden, 1];
  sizes.forEach((units, i) => {
    const hidden = i < params.hidden.length;
    model.add(
      tf.layers.dense({
        units,
        activation: hidden ? 'relu' : 'linear',
        inputShape: i === 0 ? [inputs] : undefined,
        // He for relu layers, Glorot for the sigmoid output, as usual.
        kernelInitializer: hidden
          ? tf.initializers.heNormal({ seed: nextSeed() })
          : tf.initializers.glorotUniform({ seed: nextSeed() }),
        biasInitializer: 'zeros',
      }),
    );
  });
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return { model, variables };
}

/** One pass over the training set in the given (shuffled) order; returns the mean batch loss. */
export function trainEpoch(
  net: Network,
  optimizer: AdamUpdater,
  set: WeightedRows,
  order: Int32Array,
  scaler: Scaler,
  batchSize: number,
  params: NeuralParams,
  random: () => number,
): number {
  const cols = set.X.cols;
  const xBuffer = new Float32Array(batchSize * cols);
  const xtBuffer = new Float32Array(batchSize * cols);
  const yBuffer = new Float32Array(batchSize);
  const wBuffer = new Float32Array(batchSize);
  const kernels = net.variables.filter((v) => v.rank === 2);
  let lossSum = 0;
  for (let start = 0; start < order.length; start += batchSize) {
    const rows = Math.min(batchSize, order.length - start);
    for (let k = 0; k < rows; k++) {
      const p = order[start + k];
      if (set.standardized) xBuffer.set(set.standardized.subarray(p * cols, (p + 1) * cols), k * cols);
      else standardizeRow(set.X, set.rows[p], scaler, xBuffer, k * cols);
      yBuffer[k] = set.y[p];
      wBuffer[k] = set.weights[p];
    }
    transposeInto(xBuffer, rows, cols, xtBuffer);
    const xb = tf.tensor2d(xBuffer.subarray(0, rows * cols), [rows, cols]);
    const xt = tf.tensor2d(xtBuffer.subarray(0, rows * cols), [cols, rows]);
    const yb = tf.tensor2d(yBuffer.subarray(0, rows), [rows, 1]);
    const wb = tf.tensor2d(wBuffer.subarray(0, rows), [rows, 1]);
    const masks =
      params.dropout > 0 ? params.hidden.map((units) => dropoutMask(rows, units, params.dropout, random)) : [];
    const { value: cost, grads } = tf.variableGrads(() => {
      // The Layers model's own variables, through a dense op whose gradient is fast on wasm (see neural-ops.ts).
      let h: tf.Tensor2D = xb;
      for (let i = 0; i < net.variables.length; i += 2) {
        const hidden = i + 2 < net.variables.length;
        const [kernel, bias] = [net.variables[i] as tf.Tensor2D, net.variables[i + 1] as tf.Tensor1D];
        const activation = hidden ? 'relu' : 'linear';
        h =
          i === 0
            ? denseInputForTraining(xb, xt, kernel, bias, activation, params.l2)
            : denseForTraining(h, kernel, bias, activation, params.l2);
        if (hidden && masks.length > 0) h = tf.mul(h, masks[i / 2]);
      }
      // Mean of w·bce over the batch (weights have mean 1 over the training set), as Keras does; the L2
      // penalty's gradient joins each kernel's in the dense ops, its value is added once per epoch below.
      return weightedCrossEntropy(yb, h, wb, rows);
    }, net.variables);
    const gradients = net.variables.map((v) => grads[v.name]);
    optimizer.apply(gradients);
    tf.dispose(gradients);
    lossSum += cost.dataSync()[0] * rows;
    cost.dispose();
    xb.dispose();
    xt.dispose();
    yb.dispose();
    wb.dispose();
    for (const m of masks) m.dispose();
  }
  if (params.l2 === 0) return lossSum / order.length;
  // The penalty at the epoch's end (in the loss each step, it cost as many ops as the rest of the loss).
  const penalty = tf.tidy(() => tf.mul(params.l2, tf.addN(kernels.map((k) => tf.sum(tf.square(k))))).dataSync()[0]);
  return lossSum / order.length + penalty;
}

/** The rows x cols matrix a, transposed into out (cols x rows), in tiles of rows so both sides stay in cache. */
export function transposeInto(a: Float32Array, rows: number, cols: number, out: Float32Array): void {
  for (let k0 = 0; k0 < rows; k0 += 16) {
    const k1 = Math.min(rows, k0 + 16);
    for (let j = 0; j < cols; j++) {
      const dst = j * rows;
      for (let k = k0; k < k1; k++) out[dst + k] = a[k * cols + j];
    }
  }
}

/**
 * Inverted-dropout mask: 0 with probability rate, else 1 / (1 - rate). One draw from the seeded
 * stream seeds an inline integer mulberry32 for the mask (a function call per cell was 10% of fit time),
 * and each of its 32-bit outputs decides two cells by its 16-bit halves (rate to 1/65536): the mask
 * was still a tenth of a small fit's time at one output per cell.
 */
export function dropoutMask(rows: number, units: number, rate: number, random: () => number): tf.Tensor2D {
  const keep = 1 / (1 - rate);
  const threshold = Math.floor(rate * 65536);
  const values = new Float32Array(rows * units);
  const n = values.length;
  let a = Math.floor(random() * 4294967296) >>> 0;
  for (let i = 0; i < n; i += 2) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    t = (t ^ (t >>> 14)) >>> 0;
    values[i] = (t & 0xffff) < threshold ? 0 : keep;
    if (i + 1 < n) values[i + 1] = t >>> 16 < threshold ? 0 : keep;
  }
  return tf.tensor2d(values, [rows, units]);
}

/** Weighted mean binary cross-entropy of the current network on a validation set (no dropout). */
export function validationLoss(variables: tf.Tensor[], set: WeightedRows, scaler: Scaler): number {
  const cols = set.X.cols;
  const buffer = new Float32Array(Math.min(PREDICT_BATCH, set.rows.length) * cols);
  let lossSum = 0;
  for (let start = 0; start < set.rows.length; start += PREDICT_BATCH) {
    const rows = Math.min(PREDICT_BATCH, set.rows.length - start);
    for (let k = 0; k < rows; k++) standardizeRow(set.X, set.rows[start + k], scaler, buffer, k * cols);
    lossSum += tf.tidy(() => {
      const logits = forward(variables, tf.tensor2d(buffer.subarray(0, rows * cols), [rows, cols]));
      const y = tf.tensor2d(set.y.subarray(start, start + rows), [rows, 1]);
      const w = tf.tensor2d(set.weights.subarray(start, start + rows), [rows, 1]);
      return tf.losses.sigmoidCrossEntropy(y, logits, w, 0, tf.Reduction.SUM).dataSync()[0];
    });
  }
  return set.weightSum > 0 ? lossSum / set.weightSum : 0;
}

/** Logits of the network for x: fused matmul + bias + relu per hidden layer, linear output (no dropout). */
export function forward(variables: tf.Tensor[], x: tf.Tensor2D): tf.Tensor2D {
  let h = x;
  for (let i = 0; i < variables.length; i += 2) {
    const hidden = i + 2 < variables.length;
    h = tf.fused.matMul({
      a: h,
      b: variables[i] as tf.Tensor2D,
      bias: variables[i + 1],
      activation: hidden ? 'relu' : 'linear',
    }) as tf.Tensor2D;
  }
  return h;
}

/** Current weights as exact encoded copies (the network keeps training; the copy does not move). */
export function snapshot(net: Network): NeuralState['layers'] {
  const layers: NeuralState['layers'] = [];
  for (let i = 0; i < net.variables.length; i += 2) {
    layers.push({ kernel: encodeTensor(net.variables[i]), bias: encodeTensor(net.variables[i + 1]) });
  }
  return layers;
}
