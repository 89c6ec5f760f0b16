import { z } from 'zod';
import { ConfigError, DataError } from '../errors.ts';
import type { DenseMatrix } from '../schema/matrix.ts';
import { parseParams } from './estimator-kit.ts';
import type { BaseEstimatorKind } from './base-estimator.ts';
import { binCodes, binRows, levelOf, treeFeatures, type TreeFeature } from './gbdt-data.ts';
import { growTree, inBitset, type GbdtTree } from './gbdt-grow.ts';
import { mulberry32, shuffleInPlace, stratifiedFolds } from './random.ts';
import { compileTrees, rawLogLoss, type CompiledTrees } from './gbdt-compiled.ts';
import { pooledBestIteration, type GbdtTuning } from './gbdt-search.ts';

export type { GbdtTree } from './gbdt-grow.ts';
export type { TreeFeature } from './gbdt-data.ts';
export { gbdtCandidates, pooledBestIteration, type GbdtTuning } from './gbdt-search.ts';

/**
 * Histogram gradient-boosted trees for log loss, written for leadscore: deterministic (every random
 * choice from `seed`), exactly serializable (plain JSON), and as fast as we could make them in
 * JavaScript. The recipe is XGBoost's / LightGBM's:
 *   - each numeric column is cut into at most `maxBins` bins on the training rows; one-hot groups from
 *     the encoders are read back as categorical features and split natively (gbdt-data.ts);
 *   - trees grow best-first to `maxLeafNodes` leaves (and `maxDepth`), on per-bin gradient/hessian
 *     sums; a child needs `minSamplesLeaf` rows and a hessian sum of `minChildWeight`; leaves take
 *     Newton steps with L2 penalty `l2`, shrunk by `learningRate` (gbdt-grow.ts);
 *   - each tree sees a seeded `rowSubsample` share of the rows and `colSubsample` share of the features;
 *   - early stopping: a stratified, seeded `validationFraction` of the rows is held out and boosting
 *     stops `nIterNoChange` trees after the last improvement of its log loss; the trees after the best
 *     one are dropped. With validationFraction 0 exactly `maxIter` trees are grown on every row (how
 *     the final model is refitted, with the fold fits' best iteration counts).
 *
 * The artifact (toJSON) is documented for TreeSHAP: `state.features` lists what the trees split on
 * (a matrix column, or a categorical group of matrix columns); each tree is flat node arrays
 * (GbdtTree): feature index (-1 at leaves), numeric threshold (x <= threshold goes left) or categorical
 * bitset of levels going left, left/right child, value (leaf: its log-odds step), cover (hessian sum of
 * the training rows reaching the node) and count (those rows). A row's log-odds is baseScore plus the
 * value of the leaf it reaches in every tree.
 */

export const GbdtParamsSchema = z
  .object({
    /** most trees (with early stopping: the cap) */
    maxIter: z.number().int().positive().max(10_000).default(500),
    learningRate: z.number().positive().max(1).default(0.05),
    maxLeafNodes: z.number().int().min(2).max(4096).default(15),
    /** deepest a leaf may be (0 = the root) */
    maxDepth: z.number().int().positive().max(64).default(64),
    minSamplesLeaf: z.number().int().positive().default(20),
    /** smallest hessian sum (p(1-p) summed over rows) of a child */
    minChildWeight: z.number().min(0).finite().default(1e-3),
    /** L2 penalty on leaf values */
    l2: z.number().min(0).finite().default(1),
    /** extra L2 on categorical splits, and the hessian added when ordering levels (LightGBM's cat_l2, cat_smooth) */
    catL2: z.number().min(0).finite().default(10),
    catSmooth: z.number().min(0).finite().default(10),
    /** rows each side of a split that groups several levels needs (LightGBM's min_data_per_group) */
    minCatGroup: z.number().int().positive().default(50),
    minSplitGain: z.number().min(0).finite().default(0),
    maxBins: z.number().int().min(2).max(255).default(255),
    /** share of the rows each tree is grown on (seeded, without replacement) */
    rowSubsample: z.number().gt(0).max(1).default(1),
    /** share of the features each tree may split on (seeded) */
    colSubsample: z.number().gt(0).max(1).default(1),
    /** share of the rows held out for early stopping (0: no early stopping, grow maxIter trees) */
    validationFraction: z.number().min(0).lt(1).default(0.1),
    /** stop after this many trees without a better validation log loss */
    nIterNoChange: z.number().int().positive().default(30),
    /** 'native': one-hot groups split as categoricals; 'onehot': each level column is a 0/1 feature */
    categorical: z.enum(['native', 'onehot']).default('native'),
    seed: z.number().int().min(0).max(0xffffffff).default(42),
  })
  .strict();
export type GbdtParams = z.infer<typeof GbdtParamsSchema>;

export interface GbdtState {
  /** matrix columns at fit time; predictProba refuses a matrix whose columns differ */
  columns: string[];
  /** what the trees split on: tree.feature[k] indexes this list */
  features: TreeFeature[];
  baseScore: number;
  trees: GbdtTree[];
  /** early stopping: rows held out, the best tree count and its validation log loss (null without) */
  validation: { rows: number; bestIteration: number; logLoss: number } | null;
}

export interface GbdtJSON {
  kind: 'gbdt';
  params: GbdtParams;
  state: GbdtState;
}

const MIN_HESSIAN = 1e-16;

/** Gradient-boosted trees on log loss. */
export class GradientBoosting {
  readonly params: GbdtParams;
  state: GbdtState | null = null;
  /** trees grown by the last fit, those dropped by early stopping included (its cost; not serialized) */
  grown = 0;
  /** the trees in typed arrays for prediction, built on first use (not serialized) */
  private compiled: CompiledTrees | null = null;
  /** fit with heldOut: mean held-out log loss after each tree (not serialized) */
  heldOutCurve: Float64Array | null = null;

  /** Validate params; nothing else. */
  constructor(params: z.input<typeof GbdtParamsSchema> = {}) {
    this.params = parseParams(GbdtParamsSchema, params, 'gradient boosting');
  }

  /**
   * Fit on X (rows x cols) and 0/1 labels; keeps no reference to the data. With `heldOut` (rows the
   * caller will predict, e.g. a fold's held-out rows), every row of X grows trees, boosting stops
   * `nIterNoChange` trees after the held-out log loss last improved, and every tree grown is kept
   * (`heldOutCurve` has the loss after each, so the caller can choose a tree count: see truncated()).
   * Without it, `validationFraction` of X is held out for early stopping and the trees after the best
   * are dropped.
   */
  fit(
    X: DenseMatrix,
    y: Uint8Array,
    opts: { heldOut?: { X: DenseMatrix; y: Uint8Array }; onProgress?: (m: string) => void } = {},
  ): this {
    const n = X.rows;
    if (y.length !== n) throw new DataError(`gradient boosting: ${n} rows but ${y.length} labels`);
    const p = this.params;
    const random = mulberry32(p.seed);

    // Early-stopping rows: the caller's held-out rows, or a stratified share of X never used to grow trees.
    let fitRows: Int32Array;
    let valRows: Int32Array;
    if (!opts.heldOut && p.validationFraction > 0 && Math.round(p.validationFraction * n) >= 2) {
      const folds = Math.max(2, Math.round(1 / p.validationFraction));
      const fold = stratifiedFolds(y, folds, p.seed);
      const fit: number[] = [];
      const val: number[] = [];
      for (let i = 0; i < n; i++) (fold[i] === 0 ? val : fit).push(i);
      fitRows = Int32Array.from(fit);
      valRows = Int32Array.from(val);
    } else {
      fitRows = Int32Array.from({ length: n }, (_, i) => i);
      valRows = new Int32Array(0);
    }
    let fitPos = 0;
    for (const i of fitRows) fitPos += y[i];
    if (fitPos === 0 || fitPos === fitRows.length)
      throw new DataError('cannot fit gradient boosting: the training labels need both classes');

    const features = treeFeatures(X, p.categorical === 'native');
    if (features.length === 0) throw new DataError('gradient boosting: the matrix has no columns to split on');
    const data = binRows(X, features, fitRows, p.maxBins);
    const m = features.length;
    const offset = data.offset;
    const categorical = Uint8Array.from(features, (f) => (f.kind === 'categorical' ? 1 : 0));
    const thresholdOf = (f: number, bin: number) => data.cuts[f][bin];
    // the rows early stopping watches: codes, labels and raw scores
    const watch = opts.heldOut
      ? {
          codes: binCodes(opts.heldOut.X, features, data),
          y: opts.heldOut.y,
          rows: Int32Array.from({ length: opts.heldOut.X.rows }, (_, i) => i),
        }
      : { codes: data.codes, y, rows: valRows };
    if (opts.heldOut && opts.heldOut.y.length !== opts.heldOut.X.rows)
      throw new DataError('gradient boosting: held-out rows and labels differ in number');

    const baseScore = Math.log(fitPos / (fitRows.length - fitPos));
    const raw = new Float64Array(n).fill(baseScore);
    const watchRaw = opts.heldOut ? new Float64Array(opts.heldOut.X.rows).fill(baseScore) : raw;
    const gh = new Float64Array(2 * n); // gradient and hessian of row i at 2i, 2i + 1
    const trees: GbdtTree[] = [];
    const sampleSize = Math.max(1, Math.round(p.rowSubsample * fitRows.length));
    const featureCount = Math.max(1, Math.round(p.colSubsample * m));
    const pool = fitRows.slice();
    const featureOrder = Int32Array.from({ length: m }, (_, f) => f);
    const allowed = new Uint8Array(m);
    const spareHists: Float64Array[] = [];
    const curve: number[] = [];
    let best = { iteration: 0, loss: watch.rows.length ? rawLogLoss(watchRaw, watch.y, watch.rows) : NaN };

    for (let it = 0; it < p.maxIter; it++) {
      for (const i of fitRows) {
        const q = 1 / (1 + Math.exp(-raw[i]));
        gh[2 * i] = q - y[i];
        gh[2 * i + 1] = Math.max(q * (1 - q), MIN_HESSIAN);
      }
      let rows: Int32Array;
      if (sampleSize < fitRows.length) {
        // partial Fisher-Yates: the first sampleSize entries are a seeded sample without replacement
        for (let k = 0; k < sampleSize; k++) {
          const j = k + Math.floor(random() * (pool.length - k));
          const t = pool[k];
          pool[k] = pool[j];
          pool[j] = t;
        }
        rows = pool.slice(0, sampleSize).sort();
      } else rows = fitRows.slice();
      if (featureCount < m) {
        shuffleInPlace(featureOrder, random);
        allowed.fill(0);
        for (let k = 0; k < featureCount; k++) allowed[featureOrder[k]] = 1;
      } else allowed.fill(1);

      const grown = growTree(data, gh, rows, allowed, categorical, p, thresholdOf, spareHists);
      const { binThreshold, ...tree } = grown;
      // a row walks the tree to its leaf (training rows also add to the nodes' cover and count)
      const leafOf = (codes: Uint16Array, i: number, cover: boolean): number => {
        let k = 0;
        const base = i * m;
        for (;;) {
          if (cover) {
            tree.cover[k] += gh[2 * i + 1];
            tree.count[k] += 1;
          }
          const f = tree.feature[k];
          if (f < 0) return k;
          const code = codes[base + f] - offset[f];
          const left = categorical[f] ? inBitset(tree.categories[k], code) : code <= binThreshold[k];
          k = left ? tree.left[k] : tree.right[k];
        }
      };
      for (const i of fitRows) raw[i] += tree.value[leafOf(data.codes, i, true)];
      for (const i of watch.rows) watchRaw[i] += tree.value[leafOf(watch.codes, i, false)];
      trees.push(tree);
      if (watch.rows.length) {
        const loss = rawLogLoss(watchRaw, watch.y, watch.rows);
        curve.push(loss);
        if (loss < best.loss - 1e-7) best = { iteration: it + 1, loss };
        else if (it + 1 - best.iteration >= p.nIterNoChange) break;
      }
      if (it % 25 === 24) opts.onProgress?.(`tree ${it + 1}/${p.maxIter}`);
    }
    this.grown = trees.length;
    this.heldOutCurve = opts.heldOut ? Float64Array.from(curve) : null;
    if (valRows.length) trees.length = best.iteration;
    this.state = {
      columns: X.columns.slice(),
      features,
      baseScore,
      trees,
      validation: watch.rows.length
        ? { rows: watch.rows.length, bestIteration: best.iteration, logLoss: best.loss }
        : null,
    };
    return this;
  }

  /** A copy that keeps only the first `iterations` trees (the fitted model is left as it is). */
  truncated(iterations: number): GradientBoosting {
    const s = this.state;
    if (!s) throw new DataError('gradient boosting is not fitted: call fit() first');
    const copy = new GradientBoosting(this.params);
    copy.state = { ...s, trees: s.trees.slice(0, Math.max(0, iterations)) };
    copy.grown = this.grown;
    return copy;
  }

  /** Log-odds of the positive class per row. */
  decisionFunction(X: DenseMatrix): Float64Array {
    const s = this.state;
    if (!s) throw new DataError('gradient boosting is not fitted: call fit() first');
    if (X.cols !== s.columns.length)
      throw new DataError(`gradient boosting was fitted on ${s.columns.length} columns, got ${X.cols}`);
    const c = (this.compiled ??= compileTrees(s.trees));
    const m = s.features.length;
    const numericColumn = Int32Array.from(s.features, (f) => (f.kind === 'numeric' ? f.column : -1));
    const values = new Float64Array(m);
    const out = new Float64Array(X.rows);
    const { feature, threshold, catAt, words, left, right, value, bits, roots } = c;
    for (let i = 0; i < X.rows; i++) {
      const base = i * X.cols;
      for (let f = 0; f < m; f++) {
        const col = numericColumn[f];
        values[f] = col >= 0 ? X.data[base + col] : levelOf(X, i, (s.features[f] as { columns: number[] }).columns);
      }
      let z = s.baseScore;
      for (let t = 0; t < roots.length; t++) {
        let k = roots[t];
        for (let f = feature[k]; f >= 0; f = feature[k]) {
          const at = catAt[k];
          let goLeft: boolean;
          if (at < 0) goLeft = values[f] <= threshold[k];
          else {
            const word = values[f] >>> 5;
            goLeft = word < words[k] && ((bits[at + word] >>> (values[f] & 31)) & 1) === 1;
          }
          k = goLeft ? left[k] : right[k];
        }
        z += value[k];
      }
      out[i] = z;
    }
    return out;
  }

  /** Probability of the positive class per row. */
  predictProba(X: DenseMatrix): Float64Array {
    const z = this.decisionFunction(X);
    for (let i = 0; i < z.length; i++) z[i] = 1 / (1 + Math.exp(-z[i]));
    return z;
  }

  /** Number of trees kept. */
  get iterations(): number {
    return this.state?.trees.length ?? 0;
  }

  /** Serialize params and state. */
  toJSON(): GbdtJSON {
    if (!this.state) throw new DataError('gradient boosting is not fitted: call fit() before toJSON()');
    return { kind: 'gbdt', params: { ...this.params }, state: this.state };
  }

  /** Rebuild from toJSON() output; predictions are identical. Artifacts from before categorical splits load too. */
  static fromJSON(json: GbdtJSON): GradientBoosting {
    if (json?.kind !== 'gbdt')
      throw new DataError(
        `expected a gradient boosting model, got ${JSON.stringify((json as { kind?: unknown })?.kind)}`,
      );
    const legacy = json.params as Partial<GbdtParams>;
    const m = new GradientBoosting({
      ...legacy,
      ...(json.state.features ? {} : { validationFraction: 0 }),
    });
    const s = json.state;
    m.state = s.features
      ? s
      : {
          columns: s.columns,
          features: s.columns.map((name, column) => ({ name, kind: 'numeric', column })),
          baseScore: s.baseScore,
          trees: s.trees.map((t) => ({
            ...t,
            categories: t.categories ?? t.feature.map(() => []),
            cover: t.cover ?? t.feature.map(() => 0),
            count: t.count ?? t.feature.map(() => 0),
          })),
          validation: null,
        };
    return m;
  }
}

/**
 * Gradient-boosted trees as a base estimator of the scoring model. Fold fits grow trees on all their
 * rows and watch their held-out rows; `settle` picks the one tree count with the lowest pooled
 * held-out log loss and cuts every fold's model to it; the final fit grows that many trees on every
 * row. Fitted alone (no folds), a fit stops early on `validationFraction` of its rows.
 */
export const GBDT_KIND: BaseEstimatorKind = {
  name: 'gbdt',
  label: 'gradient-boosted trees',
  fit: async (X, y, params, ctx) => {
    // refitScale: the final fit grows this many times the folds' tree count (it learns from more rows)
    const { refitScale = 1, ...rest } = params;
    if (typeof refitScale !== 'number' || !(refitScale > 0)) {
      throw new ConfigError(`gbdt.refitScale must be a positive number, got ${String(refitScale)}`);
    }
    const folds = (ctx.folds ?? []) as GbdtTuning[];
    const fixed = ctx.final && folds.length > 0 ? Math.max(1, Math.round(folds[0].iterations * refitScale)) : null;
    const est = new GradientBoosting({
      ...rest,
      seed: ctx.seed,
      ...(fixed ? { maxIter: fixed, validationFraction: 0 } : {}),
    });
    return est.fit(X, y, { heldOut: ctx.final ? undefined : ctx.heldOut, onProgress: ctx.onProgress });
  },
  tuning: (est) => {
    const gb = est as GradientBoosting;
    return { iterations: gb.iterations, work: gb.grown } satisfies GbdtTuning;
  },
  settle: (fits) => {
    const gbs = fits as GradientBoosting[];
    const iterations = pooledBestIteration(gbs);
    return {
      estimators: gbs.map((g) => g.truncated(iterations)),
      tunings: gbs.map((g) => ({ iterations, work: g.grown }) satisfies GbdtTuning),
    };
  },
  fromJSON: (json) => GradientBoosting.fromJSON(json as GbdtJSON),
};
