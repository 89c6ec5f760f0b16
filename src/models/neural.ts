/**
 * A small multilayer perceptron (TensorFlow.js Layers API) for lead conversion.
 *
 * relu hidden layers -> one sigmoid output, binary cross-entropy + L2 on the kernels, Adam,
 * early stopping on validation loss with the best weights restored.
 *
 * Reproducible by construction: tfjs's own `fit({shuffle})` and dropout layers draw from
 * Math.random (and a seeded tfjs dropout repeats the same mask every step), so we run the
 * training loop ourselves: seeded initializers, seeded shuffles and seeded dropout masks, all
 * from one mulberry32 stream. Same data + same seed -> bit-identical probabilities.
 *
 * Leak-free by construction: the learned state is plain data (weights as base64 float32), so
 * tensors exist only inside fit() and predictProba() and are all disposed before they return.
 */
import { z } from 'zod';
import type { DenseMatrix } from '../schema/matrix.ts';
import type { Estimator, FitOptions } from '../schema/estimator.ts';
import { ConfigError, DataError, LeadscoreError } from '../errors.ts';
import { effectiveWeights, parseParams } from './logistic.ts';
import { mulberry32, shuffleInPlace } from './random.ts';
import { activeBackend, ensureBackend, tf } from './tf.ts';
import { denseForTraining } from './neural-ops.ts';

/** Hyper-parameters, validated in the constructor. */
export const NeuralParamsSchema = z
  .object({
    /** units per relu hidden layer; [] gives plain logistic regression */
    hidden: z.array(z.number().int().positive().max(4096)).max(8).default([32, 16]),
    /** dropout rate after each hidden layer (inverted dropout: nothing to rescale at predict time) */
    dropout: z.number().min(0).lt(1).default(0.1),
    /** L2 penalty on kernels (not biases), Keras convention: l2 · Σ w² added to the mean batch loss */
    l2: z.number().min(0).finite().default(1e-4),
    learningRate: z.number().positive().finite().default(1e-3),
    /** 'auto': 256 below 100k training rows (more updates per epoch), 1024 above (about 2x faster per epoch on wasm) */
    batchSize: z.union([z.literal('auto'), z.number().int().positive()]).default('auto'),
    maxEpochs: z.number().int().positive().default(50),
    /** epochs without a validation-loss improvement before stopping */
    patience: z.number().int().positive().default(5),
    /** 'balanced' weights each class by n / (2 · n_class), like scikit-learn */
    classWeight: z.literal('balanced').nullable().default(null),
    seed: z.number().int().min(0).max(0xffffffff).default(42),
    /** share of each class held out (seeded) for early stopping when fit() gets no validation set */
    validationFraction: z.number().gt(0).lt(1).default(0.1),
    /** caps epochs × training rows so big fits stay bounded (1M rows -> about 11 epochs) */
    rowBudget: z.number().int().positive().default(10_000_000),
  })
  .strict();

export type NeuralParams = z.infer<typeof NeuralParamsSchema>;
export type NeuralParamsInput = z.input<typeof NeuralParamsSchema>;

/** A float32 tensor stored exactly: its shape and its little-endian bytes in base64. */
export const EncodedTensorSchema = z.object({ shape: z.array(z.number().int().nonnegative()), float32: z.string() }).strict();
export type EncodedTensor = z.infer<typeof EncodedTensorSchema>;

/** One epoch of training: mean training loss (with the L2 term) and validation loss. */
export interface EpochLoss {
  epoch: number;
  loss: number;
  valLoss: number;
}

/** Learned state: everything predictProba needs, JSON-safe. */
export const NeuralStateSchema = z
  .object({
    /** feature names seen at fit time; predictProba refuses a matrix whose columns differ */
    columns: z.array(z.string()),
    /** per-column standardization learned on the training rows: (x - mean) / scale */
    mean: z.array(z.number()),
    scale: z.array(z.number()),
    layers: z.array(z.object({ kernel: EncodedTensorSchema, bias: EncodedTensorSchema }).strict()).min(1),
    history: z.array(z.object({ epoch: z.number().int(), loss: z.number(), valLoss: z.number() }).strict()),
    bestEpoch: z.number().int().nonnegative(),
    batchSize: z.number().int().positive(),
    trainRows: z.number().int().nonnegative(),
    validationRows: z.number().int().nonnegative(),
    /** the tfjs backend that trained it (wasm and cpu may differ in the last bits) */
    backend: z.string(),
  })
  .strict();

export type NeuralState = z.infer<typeof NeuralStateSchema>;

/** The serialized form: kind, params and learned state. */
export interface NeuralJSON {
  kind: 'neural';
  params: NeuralParams;
  state: NeuralState;
}

// Rows per forward pass when predicting or scoring validation: bounds memory at any n.
const PREDICT_BATCH = 16384;
// Validation loss must improve by more than this to count (float noise is not progress).
const MIN_DELTA = 1e-6;
// Below this many rows there is nothing meaningful to hold out: stop on training loss instead.
const MIN_ROWS_FOR_HOLDOUT = 20;
// Even with a huge n, a couple of epochs are needed for Adam to settle.
const MIN_EPOCHS = 2;

/** MLP classifier: Estimator over DenseMatrix, seeded and exactly serializable. */
export class NeuralNet implements Estimator<NeuralState> {
  readonly kind = 'neural' as const;
  readonly params: NeuralParams;
  /** learned state; null until fit (or fromJSON) */
  state: NeuralState | null = null;

  /** Validate params; nothing else. */
  constructor(params: NeuralParamsInput = {}) {
    this.params = parseParams(NeuralParamsSchema, params, 'neural network');
  }

  /** Train with seeded mini-batches and early stopping; keeps no reference to X, y or the weights. */
  async fit(X: DenseMatrix, y: Uint8Array, opts: FitOptions = {}): Promise<this> {
    checkShape(X, 'training matrix');
    const weights = effectiveWeights(y, X.rows, opts.sampleWeight, this.params.classWeight);
    const classWeight = classWeights(y, this.params.classWeight);
    if (opts.validation) checkValidation(opts.validation, X);
    const backend = await ensureBackend();

    const random = mulberry32(this.params.seed);
    const { train, holdout } = splitRows(y, this.params.validationFraction, opts.validation !== undefined, random);
    const scaler = fitScaler(X, train);
    const trainSet = weightedRows(X, y, train, weights);
    // Early stopping compares like with like: validation rows carry the same class weights as training.
    const validation = opts.validation
      ? weightedRows(opts.validation.X, opts.validation.y, identity(opts.validation.X.rows), classWeightsOf(opts.validation.y, classWeight))
      : holdout.length > 0
        ? weightedRows(X, y, holdout, weights)
        : null;
    if (!(trainSet.weightSum > 0)) throw new DataError('cannot fit the neural network: no training rows with positive weight');
    normalizeWeights(trainSet.weights);

    const batchSize = this.params.batchSize === 'auto' ? (train.length < 100_000 ? 256 : 1024) : this.params.batchSize;
    const maxEpochs = Math.min(this.params.maxEpochs, Math.max(MIN_EPOCHS, Math.floor(this.params.rowBudget / train.length)));
    opts.onProgress?.(
      `neural: ${train.length} training rows, ${validation ? validation.rows.length : 0} validation rows, ` +
        `batch ${batchSize}, up to ${maxEpochs} epochs${maxEpochs < this.params.maxEpochs ? ` (capped by rowBudget ${this.params.rowBudget})` : ''}, backend ${backend}`,
    );

    const net = buildNetwork(X.cols, this.params, random);
    const optimizer = tf.train.adam(this.params.learningRate);
    try {
      const history: EpochLoss[] = [];
      let best = { loss: Infinity, epoch: 0, weights: snapshot(net) };
      let stale = 0;
      const order = identity(train.length); // positions in trainSet, reshuffled every epoch
      for (let epoch = 1; epoch <= maxEpochs; epoch++) {
        shuffleInPlace(order, random);
        const loss = trainEpoch(net, optimizer, trainSet, order, scaler, batchSize, this.params, random);
        const valLoss = validation ? validationLoss(net.variables, validation, scaler) : loss;
        history.push({ epoch, loss, valLoss });
        opts.onProgress?.(`neural: epoch ${epoch}/${maxEpochs} loss=${loss.toFixed(5)} val_loss=${valLoss.toFixed(5)}`);
        if (!Number.isFinite(loss)) {
          throw new LeadscoreError('RUNTIME', `neural network training diverged at epoch ${epoch} (loss ${loss})`, 'lower learningRate or check the features for extreme values');
        }
        if (valLoss < best.loss - MIN_DELTA) {
          best = { loss: valLoss, epoch, weights: snapshot(net) };
          stale = 0;
        } else if (++stale >= this.params.patience) {
          break;
        }
        await new Promise((resolve) => setImmediate(resolve)); // let progress output and timers run between epochs
      }
      this.state = {
        columns: [...X.columns],
        mean: Array.from(scaler.mean),
        scale: Array.from(scaler.scale),
        layers: best.weights,
        history,
        bestEpoch: best.epoch,
        batchSize,
        trainRows: train.length,
        validationRows: validation ? validation.rows.length : 0,
        backend,
      };
      return this;
    } finally {
      optimizer.dispose();
      net.model.dispose();
    }
  }

  /** P(y = 1) per row, in Float64, predicted in batches so any number of rows fits in memory. */
  predictProba(X: DenseMatrix): Float64Array {
    const state = this.fitted(X);
    if (activeBackend() === undefined) {
      throw new LeadscoreError('RUNTIME', 'TensorFlow.js is not started', 'call `await ensureBackend()` (src/models/tf.ts) once before predicting with a loaded neural model');
    }
    const scaler = scalerOf(state.mean, state.scale);
    const params = state.layers.flatMap((layer) => [
      tf.tensor2d(decodeFloat32(layer.kernel), layer.kernel.shape as [number, number]),
      tf.tensor1d(decodeFloat32(layer.bias)),
    ]);
    try {
      const out = new Float64Array(X.rows);
      const buffer = new Float32Array(Math.min(PREDICT_BATCH, X.rows) * X.cols);
      for (let start = 0; start < X.rows; start += PREDICT_BATCH) {
        const rows = Math.min(PREDICT_BATCH, X.rows - start);
        const bad = standardizeBatch(X, start, rows, scaler, buffer);
        if (bad >= 0) throw nonFiniteError(X, bad, 'matrix');
        // tidy returns the tensor, not its values: tidy walks whatever it returns, a typed array index by index.
        const probs = tf.tidy(() => tf.sigmoid(forward(params, tf.tensor2d(buffer.subarray(0, rows * X.cols), [rows, X.cols]))));
        try {
          out.set(probs.dataSync(), start);
        } finally {
          probs.dispose();
        }
      }
      return out;
    } finally {
      for (const p of params) p.dispose();
    }
  }

  /** Serialize params and learned state (weights as exact float32 bytes). */
  toJSON(): NeuralJSON {
    if (!this.state) throw new DataError('neural network is not fitted: call fit() before toJSON()');
    return { kind: this.kind, params: structuredClone(this.params), state: structuredClone(this.state) };
  }

  /** Rebuild a fitted model from toJSON() output (call ensureBackend() before predicting). */
  static fromJSON(json: unknown): NeuralNet {
    const j = json as Partial<NeuralJSON> | null;
    if (!j || j.kind !== 'neural') throw new ConfigError(`expected a model of kind 'neural', got ${JSON.stringify(j?.kind)}`);
    const model = new NeuralNet(j.params);
    const state = parseParams(NeuralStateSchema, j.state, 'neural network state');
    checkStateShapes(state, model.params);
    model.state = state;
    return model;
  }

  private fitted(X: DenseMatrix): NeuralState {
    if (!this.state) throw new DataError('neural network is not fitted: call fit() first');
    // Finiteness is checked while standardizing each batch: a separate scan of every cell took about
    // 0.4 s per 1M x 120 matrix, repeated by every ensemble member.
    checkDimensions(X, 'matrix');
    const expected = this.state.columns;
    if (X.cols !== expected.length) {
      throw new DataError(`matrix has ${X.cols} columns but the neural network was fitted on ${expected.length}`, 'score with the same feature spec the model was trained on');
    }
    const j = X.columns.findIndex((name, k) => name !== expected[k]);
    if (j >= 0) {
      throw new DataError(`matrix column ${j} is '${X.columns[j]}' but the neural network expects '${expected[j]}'`, 'score with the same feature spec the model was trained on');
    }
    return this.state;
  }
}

// ---------------------------------------------------------------------------------------------
// Data preparation

interface Scaler {
  mean: Float64Array;
  scale: Float64Array;
  /** 1 / scale, precomputed: multiplying is cheaper than dividing in the per-cell loop */
  inverseScale: Float64Array;
}

function scalerOf(mean: ArrayLike<number>, scale: ArrayLike<number>): Scaler {
  const s = Float64Array.from(scale);
  return { mean: Float64Array.from(mean), scale: s, inverseScale: s.map((v) => 1 / v) };
}

/** Rows of one matrix used as a set, with their labels and weights. */
interface WeightedRows {
  X: DenseMatrix;
  rows: Int32Array;
  /** label per entry of rows */
  y: Float32Array;
  /** weight per entry of rows */
  weights: Float32Array;
  weightSum: number;
}

/** Shape adds up, has rows, and holds only finite numbers (NaN would silently poison every weight). */
function checkShape(X: DenseMatrix, what: string): void {
  checkDimensions(X, what);
  // v - v is 0 for finite v and NaN for NaN/Infinity: one cheap test per cell.
  const k = firstNonFinite(X.data, 0, X.data.length);
  if (k >= 0) throw nonFiniteError(X, k, what);
}

/** Shape adds up and has rows. */
function checkDimensions(X: DenseMatrix, what: string): void {
  if (X.data.length !== X.rows * X.cols) throw new DataError(`${what} has ${X.data.length} values, expected ${X.rows}x${X.cols}`);
  if (X.rows === 0) throw new DataError(`${what} has no rows`);
}

/** The error for the non-finite value at index k of X.data, naming its column and row. */
function nonFiniteError(X: DenseMatrix, k: number, what: string): DataError {
  const row = Math.floor(k / X.cols);
  const col = k % X.cols;
  return new DataError(`${what} has ${X.data[k]} in column '${X.columns[col]}' at row ${row}`, 'impute or drop missing values in the feature encoders');
}

function checkValidation(v: { X: DenseMatrix; y: Uint8Array }, X: DenseMatrix): void {
  checkShape(v.X, 'validation matrix');
  if (v.X.cols !== X.cols) throw new DataError(`validation matrix has ${v.X.cols} columns but the training matrix has ${X.cols}`);
  if (v.y.length !== v.X.rows) throw new DataError(`validation labels have ${v.y.length} rows but the validation matrix has ${v.X.rows}`);
  for (let i = 0; i < v.y.length; i++) {
    if (v.y[i] !== 0 && v.y[i] !== 1) throw new DataError(`validation label at row ${i} is ${v.y[i]}; labels must be 0 or 1`);
  }
}

/** Per-class weights [w0, w1]; also refuses a single-class training set, which no classifier can learn from. */
function classWeights(y: Uint8Array, mode: 'balanced' | null): [number, number] {
  let positives = 0;
  for (let i = 0; i < y.length; i++) positives += y[i];
  if (positives === 0 || positives === y.length) {
    throw new DataError(`training labels are all ${positives === 0 ? 0 : 1}; the neural network needs both classes`, 'widen the training window or check the label definition');
  }
  if (mode !== 'balanced') return [1, 1];
  return [y.length / (2 * (y.length - positives)), y.length / (2 * positives)];
}

function classWeightsOf(y: Uint8Array, cw: [number, number]): Float64Array {
  return Float64Array.from(y, (label) => cw[label]);
}

function identity(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

/**
 * Training and holdout row indices. The holdout is a seeded, stratified share (each class
 * contributes its own fraction, so rare positives are not left out of early stopping), unless a
 * validation set was given.
 */
function splitRows(y: Uint8Array, fraction: number, hasValidation: boolean, random: () => number): { train: Int32Array; holdout: Int32Array } {
  const n = y.length;
  if (hasValidation || n < MIN_ROWS_FOR_HOLDOUT) return { train: identity(n), holdout: new Int32Array(0) };
  const holdout: number[] = [];
  const train: number[] = [];
  for (const label of [0, 1]) {
    const rows = Int32Array.from(identity(n).filter((i) => y[i] === label));
    shuffleInPlace(rows, random);
    const k = Math.round(rows.length * fraction);
    for (let r = 0; r < rows.length; r++) (r < k ? holdout : train).push(rows[r]);
  }
  // Sorted so gathers walk memory forward (the training order is reshuffled every epoch anyway).
  return { holdout: Int32Array.from(holdout).sort(), train: Int32Array.from(train).sort() };
}

function weightedRows(X: DenseMatrix, y: Uint8Array, rows: Int32Array, weights: Float64Array): WeightedRows {
  const labels = new Float32Array(rows.length);
  const w = new Float32Array(rows.length);
  let weightSum = 0;
  for (let k = 0; k < rows.length; k++) {
    labels[k] = y[rows[k]];
    w[k] = weights[rows[k]];
    weightSum += w[k];
  }
  return { X, rows, y: labels, weights: w, weightSum };
}

/** Scale weights to mean 1 so the learning rate means the same with or without weights. */
function normalizeWeights(w: Float32Array): void {
  let sum = 0;
  for (let i = 0; i < w.length; i++) sum += w[i];
  if (!(sum > 0)) return;
  const factor = w.length / sum;
  for (let i = 0; i < w.length; i++) w[i] *= factor;
}

/** Column means and standard deviations over the given rows. */
function fitScaler(X: DenseMatrix, rows: Int32Array): Scaler {
  const { cols, data } = X;
  const mean = new Float64Array(cols);
  const sq = new Float64Array(cols);
  for (let k = 0; k < rows.length; k++) {
    const base = rows[k] * cols;
    for (let j = 0; j < cols; j++) mean[j] += data[base + j];
  }
  for (let j = 0; j < cols; j++) mean[j] /= rows.length;
  for (let k = 0; k < rows.length; k++) {
    const base = rows[k] * cols;
    for (let j = 0; j < cols; j++) {
      const d = data[base + j] - mean[j];
      sq[j] += d * d;
    }
  }
  // Constant columns keep scale 1: they carry no signal and must not divide by zero.
  const scale = Float64Array.from(sq, (s) => (s > 0 ? Math.sqrt(s / rows.length) : 1));
  return scalerOf(mean, scale);
}

/**
 * Rows start..start+rows-1 of X, standardized into out (row k at k·cols); returns the index in X.data of
 * the first NaN/Infinity among them (out is then not to be used), or -1. The cells are tested after
 * standardizing, where it is cheapest: a NaN or infinite input always gives a NaN or infinite result;
 * the rare finite input that overflows is cleared by the exact scan.
 */
function standardizeBatch(X: DenseMatrix, start: number, rows: number, scaler: Scaler, out: Float32Array): number {
  const { cols, data } = X;
  const { mean, inverseScale } = scaler;
  let suspect = false;
  for (let k = 0; k < rows; k++) {
    const src = (start + k) * cols;
    const dst = k * cols;
    for (let j = 0; j < cols; j++) {
      const z = (data[src + j] - mean[j]) * inverseScale[j];
      out[dst + j] = z;
      suspect ||= z - z !== 0; // 0 for finite z, NaN for NaN/±Infinity
    }
  }
  return suspect ? firstNonFinite(data, start * cols, (start + rows) * cols) : -1;
}

/** Index of the first NaN/Infinity in data[from..to), or -1. */
function firstNonFinite(data: Float32Array, from: number, to: number): number {
  for (let k = from; k < to; k++) if (data[k] - data[k] !== 0) return k;
  return -1;
}

/** Row r of X, standardized, written into out at offset. */
function standardizeRow(X: DenseMatrix, r: number, scaler: Scaler, out: Float32Array, offset: number): void {
  const { cols, data } = X;
  const { mean, inverseScale } = scaler;
  const src = r * cols;
  for (let j = 0; j < cols; j++) out[offset + j] = (data[src + j] - mean[j]) * inverseScale[j];
}

// ---------------------------------------------------------------------------------------------
// Network and training loop

interface Network {
  model: tf.Sequential;
  /** trainable variables in layer order: kernel, bias, kernel, bias, ... */
  variables: tf.Variable[];
}

/** The MLP with seeded initializers; the output layer emits logits (the sigmoid lives in the loss, for stability). */
function buildNetwork(inputs: number, params: NeuralParams, random: () => number): Network {
  const nextSeed = () => Math.floor(random() * 0x7fffffff);
  const model = tf.sequential();
  const sizes = [...params.hidden, 1];
  sizes.forEach((units, i) => {
    const hidden = i < params.hidden.length;
    model.add(tf.layers.dense({
      units,
      activation: hidden ? 'relu' : 'linear',
      inputShape: i === 0 ? [inputs] : undefined,
      // He for relu layers, Glorot for the sigmoid output, as usual.
      kernelInitializer: hidden ? tf.initializers.heNormal({ seed: nextSeed() }) : tf.initializers.glorotUniform({ seed: nextSeed() }),
      biasInitializer: 'zeros',
    }));
  });
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return { model, variables };
}

/** One pass over the training set in the given (shuffled) order; returns the mean batch loss. */
function trainEpoch(
  net: Network,
  optimizer: tf.Optimizer,
  set: WeightedRows,
  order: Int32Array,
  scaler: Scaler,
  batchSize: number,
  params: NeuralParams,
  random: () => number,
): number {
  const cols = set.X.cols;
  const xBuffer = new Float32Array(batchSize * cols);
  const yBuffer = new Float32Array(batchSize);
  const wBuffer = new Float32Array(batchSize);
  const kernels = net.variables.filter((v) => v.rank === 2);
  let lossSum = 0;
  for (let start = 0; start < order.length; start += batchSize) {
    const rows = Math.min(batchSize, order.length - start);
    for (let k = 0; k < rows; k++) {
      const p = order[start + k];
      standardizeRow(set.X, set.rows[p], scaler, xBuffer, k * cols);
      yBuffer[k] = set.y[p];
      wBuffer[k] = set.weights[p];
    }
    const xb = tf.tensor2d(xBuffer.subarray(0, rows * cols), [rows, cols]);
    const yb = tf.tensor2d(yBuffer.subarray(0, rows), [rows, 1]);
    const wb = tf.tensor2d(wBuffer.subarray(0, rows), [rows, 1]);
    const masks = params.dropout > 0 ? params.hidden.map((units) => dropoutMask(rows, units, params.dropout, random)) : [];
    const cost = optimizer.minimize(
      () => {
        // The Layers model's own variables, through a dense op whose gradient is fast on wasm (see neural-ops.ts).
        let h: tf.Tensor2D = xb;
        for (let i = 0; i < net.variables.length; i += 2) {
          const hidden = i + 2 < net.variables.length;
          h = denseForTraining(h, net.variables[i] as tf.Tensor2D, net.variables[i + 1] as tf.Tensor1D, hidden ? 'relu' : 'linear');
          if (hidden && masks.length > 0) h = tf.mul(h, masks[i / 2]);
        }
        // Mean of w·bce over the batch (weights have mean 1 over the training set), as Keras does.
        const data = tf.div(tf.losses.sigmoidCrossEntropy(yb, h, wb, 0, tf.Reduction.SUM), rows);
        if (params.l2 === 0) return data as tf.Scalar;
        const penalty = tf.mul(params.l2, tf.addN(kernels.map((k) => tf.sum(tf.square(k)))));
        return tf.add(data, penalty) as tf.Scalar;
      },
      true,
      net.variables,
    );
    lossSum += cost!.dataSync()[0] * rows;
    cost!.dispose();
    xb.dispose();
    yb.dispose();
    wb.dispose();
    for (const m of masks) m.dispose();
  }
  return lossSum / order.length;
}

/**
 * Inverted-dropout mask: 0 with probability rate, else 1 / (1 - rate). One draw from the seeded
 * stream seeds an inline integer mulberry32 for the mask (a function call per cell was 10% of fit time).
 */
function dropoutMask(rows: number, units: number, rate: number, random: () => number): tf.Tensor2D {
  const keep = 1 / (1 - rate);
  const threshold = Math.floor(rate * 4294967296);
  const values = new Float32Array(rows * units);
  let a = Math.floor(random() * 4294967296) >>> 0;
  for (let i = 0; i < values.length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    values[i] = (t ^ (t >>> 14)) >>> 0 < threshold ? 0 : keep;
  }
  return tf.tensor2d(values, [rows, units]);
}

/** Weighted mean binary cross-entropy of the current network on a validation set (no dropout). */
function validationLoss(variables: tf.Tensor[], set: WeightedRows, scaler: Scaler): number {
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
function forward(variables: tf.Tensor[], x: tf.Tensor2D): tf.Tensor2D {
  let h = x;
  for (let i = 0; i < variables.length; i += 2) {
    const hidden = i + 2 < variables.length;
    h = tf.fused.matMul({ a: h, b: variables[i] as tf.Tensor2D, bias: variables[i + 1], activation: hidden ? 'relu' : 'linear' }) as tf.Tensor2D;
  }
  return h;
}

/** Current weights as exact encoded copies (the network keeps training; the copy does not move). */
function snapshot(net: Network): NeuralState['layers'] {
  const layers: NeuralState['layers'] = [];
  for (let i = 0; i < net.variables.length; i += 2) {
    layers.push({ kernel: encodeTensor(net.variables[i]), bias: encodeTensor(net.variables[i + 1]) });
  }
  return layers;
}

// ---------------------------------------------------------------------------------------------
// Exact weight encoding

function encodeTensor(t: tf.Tensor): EncodedTensor {
  return { shape: [...t.shape], float32: encodeFloat32(t.dataSync() as Float32Array) };
}

/** Float32 values -> base64 of their little-endian bytes (explicit, so artifacts move between machines). */
export function encodeFloat32(values: Float32Array): string {
  const bytes = new DataView(new ArrayBuffer(values.length * 4));
  for (let i = 0; i < values.length; i++) bytes.setFloat32(i * 4, values[i], true);
  return Buffer.from(bytes.buffer).toString('base64');
}

/** Inverse of encodeFloat32. */
export function decodeFloat32(tensor: EncodedTensor): Float32Array {
  const buf = Buffer.from(tensor.float32, 'base64');
  const expected = tensor.shape.reduce((a, b) => a * b, 1);
  if (buf.length !== expected * 4) {
    throw new ConfigError(`neural weights of shape [${tensor.shape.join(', ')}] hold ${buf.length} bytes, expected ${expected * 4}`, 'the model file is damaged: retrain or restore it');
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out = new Float32Array(expected);
  for (let i = 0; i < expected; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** Layer shapes must chain: columns -> hidden... -> 1, matching the params. */
function checkStateShapes(state: NeuralState, params: NeuralParams): void {
  const sizes = [state.columns.length, ...params.hidden, 1];
  if (state.layers.length !== sizes.length - 1) {
    throw new ConfigError(`neural state has ${state.layers.length} layers but params.hidden implies ${sizes.length - 1}`, 'the model file is damaged: retrain or restore it');
  }
  if (state.mean.length !== state.columns.length || state.scale.length !== state.columns.length) {
    throw new ConfigError('neural state standardization does not match its column count', 'the model file is damaged: retrain or restore it');
  }
  state.layers.forEach((layer, i) => {
    const [rows, cols] = layer.kernel.shape;
    if (layer.kernel.shape.length !== 2 || rows !== sizes[i] || cols !== sizes[i + 1] || layer.bias.shape.join() !== String(sizes[i + 1])) {
      throw new ConfigError(`neural layer ${i} has kernel [${layer.kernel.shape.join(', ')}], expected [${sizes[i]}, ${sizes[i + 1]}]`, 'the model file is damaged: retrain or restore it');
    }
    decodeFloat32(layer.kernel);
    decodeFloat32(layer.bias);
  });
}
