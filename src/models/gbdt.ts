import { z } from 'zod';
import { DataError } from '../errors.ts';
import type { DenseMatrix } from '../schema/matrix.ts';
import { parseParams } from './estimator-kit.ts';
import type { BaseEstimatorKind } from './base-estimator.ts';

/**
 * Histogram gradient boosting for log loss (scikit-learn's HistGradientBoostingClassifier recipe):
 * every column is cut into at most `maxBins` bins on the training rows, trees grow best-first to
 * `maxLeafNodes` leaves on per-bin gradient/hessian sums (the smaller child's histogram is built,
 * its sibling's is the parent's minus it), leaves take Newton steps shrunk by `learningRate`.
 * Trees capture the interactions a linear model and a small MLP miss. No randomness: same data,
 * same trees.
 */

export const GbdtParamsSchema = z
  .object({
    maxIter: z.number().int().positive().max(10_000).default(100),
    learningRate: z.number().positive().max(1).default(0.1),
    maxLeafNodes: z.number().int().min(2).max(4096).default(31),
    minSamplesLeaf: z.number().int().positive().default(20),
    /** L2 penalty on leaf values */
    l2: z.number().min(0).finite().default(0),
    maxBins: z.number().int().min(2).max(255).default(255),
  })
  .strict();
export type GbdtParams = z.infer<typeof GbdtParamsSchema>;

/** One tree in flat arrays; a node is a leaf when feature[k] < 0. */
export interface GbdtTree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

export interface GbdtState {
  columns: string[];
  baseScore: number;
  trees: GbdtTree[];
}

export interface GbdtJSON {
  kind: 'gbdt';
  params: GbdtParams;
  state: GbdtState;
}

const MIN_HESSIAN = 1e-3;

/** Cut points per column: midpoints between distinct training values, or quantiles when there are too many. */
function binThresholds(X: DenseMatrix, col: number, maxBins: number): Float64Array {
  const v = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) v[i] = X.data[i * X.cols + col];
  v.sort();
  const distinct: number[] = [];
  for (let i = 0; i < v.length; i++) if (i === 0 || v[i] !== v[i - 1]) distinct.push(v[i]);
  const cuts: number[] = [];
  if (distinct.length <= maxBins) {
    for (let k = 1; k < distinct.length; k++) cuts.push((distinct[k - 1] + distinct[k]) / 2);
  } else {
    for (let k = 1; k < maxBins; k++) {
      const c = v[Math.floor((k / maxBins) * v.length)];
      if (c > v[0] && (cuts.length === 0 || c > cuts[cuts.length - 1])) cuts.push(c);
    }
  }
  return Float64Array.from(cuts);
}

/** Bin of x: the number of cut points below x (so bin <= b exactly when x <= cuts[b]). */
function binOf(cuts: Float64Array, x: number): number {
  let lo = 0,
    hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cuts[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface Candidate {
  rows: Int32Array;
  hist: Float64Array; // per (column, bin): sum g, sum h, count
  node: number;
  gain: number;
  feature: number;
  bin: number;
  sumG: number;
  sumH: number;
}

/** Gradient-boosted trees on log loss. */
export class GradientBoosting {
  readonly params: GbdtParams;
  state: GbdtState | null = null;

  /** Validate params; nothing else. */
  constructor(params: z.input<typeof GbdtParamsSchema> = {}) {
    this.params = parseParams(GbdtParamsSchema, params, 'gradient boosting');
  }

  /** Fit on X (rows x cols) and 0/1 labels; keeps no reference to the data. */
  fit(X: DenseMatrix, y: Uint8Array): this {
    const n = X.rows,
      d = X.cols;
    if (y.length !== n) throw new DataError(`gradient boosting: ${n} rows but ${y.length} labels`);
    let pos = 0;
    for (let i = 0; i < n; i++) pos += y[i];
    if (pos === 0 || pos === n)
      throw new DataError('cannot fit gradient boosting: the training labels need both classes');
    const p = this.params;
    // Column-major bins, and each column's offset into a histogram.
    const cuts: Float64Array[] = [];
    const offset = new Int32Array(d + 1);
    for (let c = 0; c < d; c++) {
      cuts.push(binThresholds(X, c, p.maxBins));
      offset[c + 1] = offset[c] + cuts[c].length + 1;
    }
    // Row-major bins of the columns that can split (a constant column has no cut): histogram
    // building walks each row's bins in order, which keeps memory access sequential.
    const active = Int32Array.from({ length: d }, (_, c) => c).filter((c) => cuts[c].length > 0);
    const m = active.length;
    const bins = new Uint8Array(n * m);
    for (let i = 0; i < n; i++)
      for (let a = 0; a < m; a++) bins[i * m + a] = binOf(cuts[active[a]], X.data[i * d + active[a]]);
    const activeOffset = Int32Array.from(active, (c) => offset[c]);
    const totalBins = offset[d];

    const baseScore = Math.log(pos / (n - pos));
    const raw = new Float64Array(n).fill(baseScore);
    const g = new Float64Array(n);
    const h = new Float64Array(n);
    const trees: GbdtTree[] = [];

    const histogram = (rows: Int32Array): Float64Array => {
      const hist = new Float64Array(totalBins * 3);
      for (let k = 0; k < rows.length; k++) {
        const i = rows[k];
        const gi = g[i],
          hi = h[i];
        const base = i * m;
        for (let a = 0; a < m; a++) {
          const at = (activeOffset[a] + bins[base + a]) * 3;
          hist[at] += gi;
          hist[at + 1] += hi;
          hist[at + 2] += 1;
        }
      }
      return hist;
    };
    const score = (G: number, H: number) => (G * G) / (H + p.l2);
    const bestSplit = (cand: Candidate) => {
      cand.gain = 0;
      cand.feature = -1;
      const parent = score(cand.sumG, cand.sumH);
      const count = cand.rows.length;
      if (count < 2 * p.minSamplesLeaf) return;
      for (const c of active) {
        let gl = 0,
          hl = 0,
          nl = 0;
        const last = offset[c + 1] - 1;
        for (let b = offset[c]; b < last; b++) {
          gl += cand.hist[b * 3];
          hl += cand.hist[b * 3 + 1];
          nl += cand.hist[b * 3 + 2];
          if (nl < p.minSamplesLeaf) continue;
          if (count - nl < p.minSamplesLeaf) break;
          const hr = cand.sumH - hl;
          if (hl < MIN_HESSIAN || hr < MIN_HESSIAN) continue;
          const gain = score(gl, hl) + score(cand.sumG - gl, hr) - parent;
          if (gain > cand.gain + 1e-12) {
            cand.gain = gain;
            cand.feature = c;
            cand.bin = b - offset[c];
          }
        }
      }
    };

    const all = Int32Array.from({ length: n }, (_, i) => i);
    for (let it = 0; it < p.maxIter; it++) {
      for (let i = 0; i < n; i++) {
        const q = 1 / (1 + Math.exp(-raw[i]));
        g[i] = q - y[i];
        h[i] = Math.max(q * (1 - q), 1e-16);
      }
      const tree: GbdtTree = { feature: [-1], threshold: [0], left: [-1], right: [-1], value: [0] };
      let sumG = 0,
        sumH = 0;
      for (let i = 0; i < n; i++) {
        sumG += g[i];
        sumH += h[i];
      }
      const root: Candidate = { rows: all, hist: histogram(all), node: 0, gain: 0, feature: -1, bin: 0, sumG, sumH };
      bestSplit(root);
      const open: Candidate[] = [root];
      const leaves: Candidate[] = [];
      let leafCount = 1;
      while (open.length > 0) {
        // best-first: split the open node with the largest gain (ties: the earliest node)
        let best = 0;
        for (let k = 1; k < open.length; k++) if (open[k].gain > open[best].gain) best = k;
        const cand = open.splice(best, 1)[0];
        if (cand.feature < 0 || leafCount >= p.maxLeafNodes) {
          leaves.push(cand);
          continue;
        }
        const c = cand.feature;
        const leftRows: number[] = [];
        const rightRows: number[] = [];
        const a = active.indexOf(c);
        for (const i of cand.rows) (bins[i * m + a] <= cand.bin ? leftRows : rightRows).push(i);
        const L = Int32Array.from(leftRows);
        const R = Int32Array.from(rightRows);
        const small = L.length <= R.length ? L : R;
        const smallHist = histogram(small);
        const bigHist = cand.hist;
        for (let k = 0; k < bigHist.length; k++) bigHist[k] -= smallHist[k];
        const [histL, histR] = small === L ? [smallHist, bigHist] : [bigHist, smallHist];
        const node = cand.node;
        tree.feature[node] = c;
        tree.threshold[node] = cuts[c][cand.bin];
        const mk = (rows: Int32Array, hist: Float64Array): Candidate => {
          let G = 0,
            H = 0;
          for (const i of rows) {
            G += g[i];
            H += h[i];
          }
          const id = tree.feature.length;
          tree.feature.push(-1);
          tree.threshold.push(0);
          tree.left.push(-1);
          tree.right.push(-1);
          tree.value.push(0);
          const child: Candidate = { rows, hist, node: id, gain: 0, feature: -1, bin: 0, sumG: G, sumH: H };
          bestSplit(child);
          return child;
        };
        const left = mk(L, histL);
        const right = mk(R, histR);
        tree.left[node] = left.node;
        tree.right[node] = right.node;
        open.push(left, right);
        leafCount++;
      }
      for (const leaf of leaves) {
        const v = (-leaf.sumG / (leaf.sumH + p.l2)) * p.learningRate;
        tree.value[leaf.node] = v;
        for (const i of leaf.rows) raw[i] += v;
      }
      trees.push(tree);
    }
    this.state = { columns: X.columns.slice(), baseScore, trees };
    return this;
  }

  /** Probability of the positive class per row. */
  predictProba(X: DenseMatrix): Float64Array {
    const s = this.state;
    if (!s) throw new DataError('gradient boosting is not fitted: call fit() first');
    if (X.cols !== s.columns.length)
      throw new DataError(`gradient boosting was fitted on ${s.columns.length} columns, got ${X.cols}`);
    const out = new Float64Array(X.rows);
    for (let i = 0; i < X.rows; i++) {
      let z = s.baseScore;
      const base = i * X.cols;
      for (const t of s.trees) {
        let k = 0;
        while (t.feature[k] >= 0) k = X.data[base + t.feature[k]] <= t.threshold[k] ? t.left[k] : t.right[k];
        z += t.value[k];
      }
      out[i] = 1 / (1 + Math.exp(-z));
    }
    return out;
  }

  /** Serialize params and state. */
  toJSON(): GbdtJSON {
    if (!this.state) throw new DataError('gradient boosting is not fitted: call fit() before toJSON()');
    return { kind: 'gbdt', params: { ...this.params }, state: this.state };
  }

  /** Rebuild from toJSON() output; predictions are identical. */
  static fromJSON(json: GbdtJSON): GradientBoosting {
    if (json?.kind !== 'gbdt')
      throw new DataError(
        `expected a gradient boosting model, got ${JSON.stringify((json as { kind?: unknown })?.kind)}`,
      );
    const m = new GradientBoosting(json.params);
    m.state = json.state;
    return m;
  }
}

/** Gradient-boosted trees as a base estimator of the scoring model. */
export const GBDT_KIND: BaseEstimatorKind = {
  name: 'gbdt',
  label: 'gradient-boosted trees',
  fit: async (X, y, params) => new GradientBoosting(params).fit(X, y),
  fromJSON: (json) => GradientBoosting.fromJSON(json as GbdtJSON),
};
