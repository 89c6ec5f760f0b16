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
import { effectiveWeights, parseParams } from './estimator-kit.ts';
import { mulberry32, shuffleInPlace } from './random.ts';
import { activeBackend, ensureBackend, tf } from './tf.ts';
import {
  checkDimensions,
  checkShape,
  checkValidation,
  classWeights,
  classWeightsOf,
  fitScaler,
  identity,
  nonFiniteError,
  normalizeWeights,
  scalerOf,
  splitRows,
  standardizeBatch,
  standardizeOnce,
  weightedRows,
} from './neural-data.ts';
import { PREDICT_BATCH, buildNetwork, forward, snapshot, trainEpoch, validationLoss } from './neural-train.ts';
import { checkStateShapes, decodeFloat32 } from './neural-weights.ts';
import { AdamUpdater } from './neural-adam.ts';

export { decodeFloat32, encodeFloat32 } from './neural-weights.ts';

/** Hyper-parameters, validated in the constructor. */
export const NeuralParamsSchema = z
  .object({
    /** units per relu hidden layer; [] gives plain logistic regression */
    hidden: z.array(z.number().int().positive().max(4096)).max(8).default([32, 16]),
    /** dropout rate after each hidden layer (inverted dropout: nothing to rescale at predict time) */
    dropout: z.number().min(0).lt(1).default(0.1),
    /** L2 penalty on kernels (not biases), Keras convention: l2 · Σ w² added to the mean batch loss */
    l2: z.number().min(0).finite().default(1e-4),
    /** Adam's step size; 'auto': 0.002 at batch 512, times √(batch / 512) (surer gradients), at most 0.003 */
    learningRate: z.union([z.literal('auto'), z.number().positive().finite()]).default('auto'),
    /**
     * 'auto': 512 below 100k training rows, 2048 above: on wasm a step costs about as much as a few hundred
     * rows, and with the learning rate scaled to match, larger batches reached the same or a lower held-out
     * loss (X Education; 100k CRM leads) in fewer steps
     */
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
    /**
     * rows per epoch: above it, each epoch trains on a fresh seeded sample of this many training rows,
     * so the validation loss is checked every so many steps and early stopping ends a big fit once more
     * rows stop helping, instead of after whole passes over all of them
     */
    epochRows: z.number().int().positive().default(65_536),
    /**
     * train exactly this many epochs on every row, holding none out for early stopping (how the final
     * model is refitted with the fold fits' best epoch); null: early stopping as above
     */
    epochs: z.number().int().positive().nullable().default(null),
  })
  .strict();

export type NeuralParams = z.infer<typeof NeuralParamsSchema>;
export type NeuralParamsInput = z.input<typeof NeuralParamsSchema>;

/** A float32 tensor stored exactly: its shape and its little-endian bytes in base64. */
export const EncodedTensorSchema = z
  .object({ shape: z.array(z.number().int().nonnegative()), float32: z.string() })
  .strict();
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

// Validation loss must improve by more than this to count (float noise is not progress).
const MIN_DELTA = 1e-6;
// Even with a huge n, a couple of epochs are needed for Adam to settle.
const MIN_EPOCHS = 2;

/**
 * A network's probabilities for a batch of standardized rows ([rows, cols]): params are each layer's kernel and bias
 * in turn. The one computation predictProba and the attribution pass (neural-attribution.ts) share, so both give the
 * same bits.
 */
export function probabilityOf(params: tf.Tensor[], x: tf.Tensor2D): tf.Tensor {
  return tf.sigmoid(forward(params, x));
}

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

  /**
   * Train with seeded mini-batches and early stopping; keeps no reference to X, y or the weights.
   * `start`: begin from a fitted network's weights instead of random ones (its inputs matched by
   * column name and re-expressed in this fit's standardization, so it starts as the same function;
   * columns it did not have start at 0).
   */
  async fit(X: DenseMatrix, y: Uint8Array, opts: FitOptions & { start?: NeuralNet } = {}): Promise<this> {
    checkShape(X, 'training matrix');
    const weights = effectiveWeights(y, X.rows, opts.sampleWeight, this.params.classWeight);
    const classWeight = classWeights(y, this.params.classWeight);
    if (opts.validation) checkValidation(opts.validation, X);
    const backend = await ensureBackend();

    const random = mulberry32(this.params.seed);
    const fixedEpochs = this.params.epochs;
    const { train, holdout } = splitRows(
      y,
      this.params.validationFraction,
      opts.validation !== undefined || fixedEpochs !== null,
      random,
    );
    const scaler = fitScaler(X, train);
    const trainSet = weightedRows(X, y, train, weights);
    // Early stopping compares like with like: validation rows carry the same class weights as training.
    const validation =
      fixedEpochs !== null
        ? null
        : opts.validation
          ? weightedRows(
              opts.validation.X,
              opts.validation.y,
              identity(opts.validation.X.rows),
              classWeightsOf(opts.validation.y, classWeight),
            )
          : holdout.length > 0
            ? weightedRows(X, y, holdout, weights)
            : null;
    if (!(trainSet.weightSum > 0))
      throw new DataError('cannot fit the neural network: no training rows with positive weight');
    normalizeWeights(trainSet.weights);
    standardizeOnce(trainSet, scaler);

    const batchSize = this.params.batchSize === 'auto' ? (train.length < 100_000 ? 512 : 2048) : this.params.batchSize;
    const learningRate =
      this.params.learningRate === 'auto'
        ? Math.min(0.003, 0.002 * Math.sqrt(batchSize / 512))
        : this.params.learningRate;
    const epochRows = Math.min(train.length, this.params.epochRows);
    const maxEpochs = Math.min(
      fixedEpochs ?? this.params.maxEpochs,
      Math.max(fixedEpochs === null ? MIN_EPOCHS : 1, Math.floor(this.params.rowBudget / epochRows)),
    );
    const capped = maxEpochs < (fixedEpochs ?? this.params.maxEpochs);
    opts.onProgress?.(
      `neural: ${train.length} training rows, ${validation ? validation.rows.length : 0} validation rows, ` +
        `batch ${batchSize}, learning rate ${learningRate.toPrecision(2)}, ` +
        `${epochRows < train.length ? `${epochRows} sampled rows per epoch, ` : ''}up to ${maxEpochs} ` +
        `epochs${capped ? ` (capped by rowBudget ${this.params.rowBudget})` : ''}, backend ${backend}`,
    );

    const net = buildNetwork(X.cols, this.params, random);
    if (opts.start?.state) warmStart(net, opts.start.state, X.columns, scaler);
    const optimizer = new AdamUpdater(net.variables, learningRate);
    try {
      const history: EpochLoss[] = [];
      let best = { loss: Infinity, epoch: 0, weights: snapshot(net) };
      let stale = 0;
      const order = identity(train.length); // positions in trainSet, reshuffled every epoch
      for (let epoch = 1; epoch <= maxEpochs; epoch++) {
        shuffleInPlace(order, random);
        const rows = epochRows < order.length ? order.subarray(0, epochRows) : order;
        const loss = trainEpoch(net, optimizer, trainSet, rows, scaler, batchSize, this.params, random);
        const valLoss = validation ? validationLoss(net.variables, validation, scaler) : loss;
        history.push({ epoch, loss, valLoss });
        opts.onProgress?.(`neural: epoch ${epoch}/${maxEpochs} loss=${loss.toFixed(5)} val_loss=${valLoss.toFixed(5)}`);
        if (!Number.isFinite(loss)) {
          throw new LeadscoreError(
            'RUNTIME',
            `neural network training diverged at epoch ${epoch} (loss ${loss})`,
            'lower learningRate or check the features for extreme values',
          );
        }
        if (fixedEpochs !== null) {
          // a fixed number of epochs: the weights after the last one, whatever the training loss did
          if (epoch === maxEpochs) best = { loss: valLoss, epoch, weights: snapshot(net) };
        } else if (valLoss < best.loss - MIN_DELTA) {
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
      net.model.dispose();
    }
  }

  /** P(y = 1) per row, in Float64, predicted in batches so any number of rows fits in memory. */
  predictProba(X: DenseMatrix): Float64Array {
    const state = this.fittedFor(X);
    if (activeBackend() === undefined) {
      throw new LeadscoreError(
        'RUNTIME',
        'TensorFlow.js is not started',
        'call `await ensureBackend()` (src/models/tf.ts) once before predicting with a loaded neural model',
      );
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
        const probs = tf.tidy(() =>
          probabilityOf(params, tf.tensor2d(buffer.subarray(0, rows * X.cols), [rows, X.cols])),
        );
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
    if (!j || j.kind !== 'neural')
      throw new ConfigError(`expected a model of kind 'neural', got ${JSON.stringify(j?.kind)}`);
    const model = new NeuralNet(j.params);
    const state = parseParams(NeuralStateSchema, j.state, 'neural network state');
    checkStateShapes(state, model.params);
    model.state = state;
    return model;
  }

  /** The fitted state, once X's shape and columns are checked against it (what predicting X needs). */
  fittedFor(X: DenseMatrix): NeuralState {
    if (!this.state) throw new DataError('neural network is not fitted: call fit() first');
    // Finiteness is checked while standardizing each batch: a separate scan of every cell took about
    // 0.4 s per 1M x 120 matrix, repeated by every ensemble member.
    checkDimensions(X, 'matrix');
    const expected = this.state.columns;
    if (X.cols !== expected.length) {
      throw new DataError(
        `matrix has ${X.cols} columns but the neural network was fitted on ${expected.length}`,
        'score with the same feature spec the model was trained on',
      );
    }
    const j = X.columns.findIndex((name, k) => name !== expected[k]);
    if (j >= 0) {
      throw new DataError(
        `matrix column ${j} is '${X.columns[j]}' but the neural network expects '${expected[j]}'`,
        'score with the same feature spec the model was trained on',
      );
    }
    return this.state;
  }
}

/**
 * Set a new network's weights to a fitted one's: the first layer re-expressed for this fit's columns
 * and standardization (w' = w * scale / scale_start per input, the bias absorbing the shift of the
 * means), the other layers copied. The network then computes what the fitted one did.
 */
function warmStart(
  net: ReturnType<typeof buildNetwork>,
  start: NeuralState,
  columns: string[],
  scaler: ReturnType<typeof fitScaler>,
): void {
  if (start.layers.length * 2 !== net.variables.length) {
    throw new ConfigError('neural warm start: the starting network has a different number of layers');
  }
  const at = new Map(start.columns.map((c, i) => [c, i]));
  const kernel = decodeFloat32(start.layers[0].kernel);
  const bias = Float64Array.from(decodeFloat32(start.layers[0].bias));
  const units = bias.length;
  const next = new Float32Array(columns.length * units);
  for (let j = 0; j < columns.length; j++) {
    const i = at.get(columns[j]);
    if (i === undefined) continue;
    const ratio = scaler.scale[j] / start.scale[i];
    const shift = (scaler.mean[j] - start.mean[i]) / start.scale[i];
    for (let u = 0; u < units; u++) {
      const w = kernel[i * units + u];
      next[j * units + u] = w * ratio;
      bias[u] += w * shift;
    }
  }
  const set = (v: tf.Variable, t: tf.Tensor) => {
    v.assign(t);
    t.dispose();
  };
  set(net.variables[0], tf.tensor2d(next, [columns.length, units]));
  set(net.variables[1], tf.tensor1d(Float32Array.from(bias)));
  for (let l = 1; l < start.layers.length; l++) {
    const k = start.layers[l].kernel;
    set(net.variables[2 * l], tf.tensor2d(decodeFloat32(k), k.shape as [number, number]));
    set(net.variables[2 * l + 1], tf.tensor1d(decodeFloat32(start.layers[l].bias)));
  }
}
