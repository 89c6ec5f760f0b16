/**
 * Attribution of the MLP's logit to its input columns: DeepLIFT with the Rescale rule against one reference row
 * (DeepSHAP with a single background row). Each relu unit passes on Δoutput / Δinput of its own change from the
 * reference, so every layer's changes add up exactly, and so do the columns': Σ_j φ_j = logit(x) - logit(reference)
 * (up to float32 arithmetic). Where a unit's input barely moves, its multiplier is its gradient.
 *
 * Why not integrated gradients: IG sums gradients at many points between the reference and x, so its sum is only
 * as exact as its number of steps, and each step costs a forward and a backward pass; at a million leads a night
 * that is tens of seconds per network. Rescale costs one forward pass and one backward pass, adds up exactly, and on
 * a relu network agrees with IG wherever no unit switches on or off between the reference and x.
 *
 * The arithmetic runs in tfjs (wasm matrix products) in batches: [n, F] inputs -> [n, G] group contributions. Scoring
 * also takes the network's predictions from this pass (`withProbability`), computed as predictProba computes them
 * from the same standardized batch, so the matrix is standardized and sent to wasm once instead of twice.
 */
import type { DenseMatrix } from '../schema/matrix.ts';
import { nonFiniteError, scalerOf, standardizeBatch } from './neural-data.ts';
import { PREDICT_BATCH } from './neural-train.ts';
import { decodeFloat32, probabilityOf, type NeuralNet } from './neural.ts';
import { tf } from './tf.ts';

/** One network's contributions for some rows, grouped, and its logits. */
export interface NetworkAttribution {
  /** rows x groups, contributions to the network's logit */
  grouped: Float32Array;
  /** the network's logit per row, as computed here */
  logit: Float32Array;
  /** the network's logit at the reference row (float64) */
  referenceLogit: number;
  /** with `withProbability`: the network's probability per row, the very bits its predictProba gives */
  probability?: Float64Array;
}

/** Decoded weights: [kernel (in x out), bias (out)] per layer. */
function layersOf(net: NeuralNet): { kernel: Float32Array; bias: Float32Array; rows: number; cols: number }[] {
  const state = net.state;
  if (!state) throw new Error('neural network is not fitted: nothing to explain');
  return state.layers.map((l) => ({
    kernel: decodeFloat32(l.kernel),
    bias: decodeFloat32(l.bias),
    rows: l.kernel.shape[0],
    cols: l.kernel.shape[1],
  }));
}

/** Pre-activations of every layer for one standardized row, in float64 (the reference's forward pass). */
function forwardRow(layers: ReturnType<typeof layersOf>, x: Float64Array): Float64Array[] {
  const pre: Float64Array[] = [];
  let h = x;
  layers.forEach((l, i) => {
    const z = new Float64Array(l.cols);
    for (let o = 0; o < l.cols; o++) {
      let s = l.bias[o];
      for (let k = 0; k < l.rows; k++) s += h[k] * l.kernel[k * l.cols + o];
      z[o] = s;
    }
    pre.push(z);
    h = i < layers.length - 1 ? z.map((v) => (v > 0 ? v : 0)) : z;
  });
  return pre;
}

/**
 * DeepLIFT (Rescale) contributions of every row of X to one network's logit, against `reference` (a matrix row, in
 * X's units), summed into groups by `membership` (a cols x groups 0/1 matrix, row-major).
 */
export function deepLiftGrouped(
  net: NeuralNet,
  X: DenseMatrix,
  reference: ArrayLike<number>,
  membership: Float32Array,
  groups: number,
  withProbability = false,
): NetworkAttribution {
  // predicting checks the matrix against the network, as predictProba does
  const state = withProbability ? net.fittedFor(X) : net.state!;
  const layers = layersOf(net);
  const scaler = scalerOf(state.mean, state.scale);
  const cols = X.cols;
  const refStd = new Float64Array(cols);
  for (let j = 0; j < cols; j++) refStd[j] = (reference[j] - scaler.mean[j]) * scaler.inverseScale[j];
  const refPre = forwardRow(layers, refStd);
  const referenceLogit = refPre[refPre.length - 1][0];

  const grouped = new Float32Array(X.rows * groups);
  const logit = new Float32Array(X.rows);
  const probability = withProbability ? new Float64Array(X.rows) : undefined;
  const kernels = layers.map((l) => tf.tensor2d(l.kernel, [l.rows, l.cols]));
  // transposed once here: wasm multiplies by a transposed operand on a slow path (see neural-ops.ts)
  const kernelsT = kernels.map((k) => tf.transpose(k) as tf.Tensor2D);
  const biases = layers.map((l) => tf.tensor1d(l.bias));
  // predictProba's parameters (each layer's kernel, then its bias): the same tensors' values
  const params = layers.flatMap((_, i) => [kernels[i], biases[i]]);
  const refZ = refPre.map((z) => tf.tensor1d(Float32Array.from(z)));
  const refA = refPre.map((z) => tf.tensor1d(Float32Array.from(z, (v) => (v > 0 ? v : 0))));
  const refX = tf.tensor1d(Float32Array.from(refStd));
  const member = tf.tensor2d(membership, [cols, groups]);
  const buffer = new Float32Array(Math.min(PREDICT_BATCH, Math.max(1, X.rows)) * cols);
  try {
    for (let start = 0; start < X.rows; start += PREDICT_BATCH) {
      const rows = Math.min(PREDICT_BATCH, X.rows - start);
      const bad = standardizeBatch(X, start, rows, scaler, buffer);
      if (withProbability && bad >= 0) throw nonFiniteError(X, bad, 'matrix');
      const [g, z, p] = tf.tidy(() => {
        const x = tf.tensor2d(buffer.subarray(0, rows * cols), [rows, cols]);
        // forward: pre-activations and the Rescale multiplier of every hidden unit
        const multipliers: tf.Tensor2D[] = [];
        let h: tf.Tensor2D = x;
        let out: tf.Tensor2D = x;
        layers.forEach((_, i) => {
          const pre = tf.add(tf.matMul(h, kernels[i]), biases[i]) as tf.Tensor2D;
          if (i === layers.length - 1) {
            out = pre;
            return;
          }
          const act = tf.relu(pre) as tf.Tensor2D;
          const dz = tf.sub(pre, refZ[i]);
          const da = tf.sub(act, refA[i]);
          const small = tf.less(tf.abs(dz), 1e-6);
          const slope = tf.cast(tf.greater(pre, 0), 'float32');
          multipliers.push(tf.where(small, slope, tf.div(da, tf.where(small, tf.onesLike(dz), dz))) as tf.Tensor2D);
          h = act;
        });
        // backward: multiplier of the logit with respect to each input column
        let grad: tf.Tensor2D = kernelsT[layers.length - 1]; // [1, h_last]
        for (let i = layers.length - 2; i >= 0; i--) {
          grad = tf.mul(grad, multipliers[i]) as tf.Tensor2D; // [rows, h_i]
          grad = tf.matMul(grad, kernelsT[i]) as tf.Tensor2D; // [rows, in_i]
        }
        if (layers.length === 1) grad = tf.tile(grad.reshape([1, cols]), [rows, 1]) as tf.Tensor2D;
        const phi = tf.mul(grad, tf.sub(x, refX)) as tf.Tensor2D;
        // the prediction from the same standardized batch: the matrix is standardized once for both
        const proba = withProbability ? [probabilityOf(params, x)] : [];
        return [tf.matMul(phi, member), out.reshape([rows]), ...proba];
      });
      try {
        grouped.set(g.dataSync() as Float32Array, start * groups);
        logit.set(z.dataSync() as Float32Array, start);
        if (p) probability!.set(p.dataSync(), start);
      } finally {
        g.dispose();
        z.dispose();
        p?.dispose();
      }
    }
  } finally {
    for (const t of [...kernels, ...kernelsT, ...biases, ...refZ, ...refA, refX, member]) t.dispose();
  }
  return { grouped, logit, referenceLogit, ...(probability ? { probability } : {}) };
}
