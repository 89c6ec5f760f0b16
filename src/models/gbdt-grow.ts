/**
 * Growing one boosted tree on binned rows (the second-order recipe of XGBoost / LightGBM / scikit-learn's
 * HistGradientBoosting): per-bin sums of gradient g and hessian h, the smaller child's histogram built
 * and its sibling's taken as the parent's minus it, best-first growth to `maxLeafNodes` leaves (and
 * `maxDepth`), split gain G_L²/(H_L+λ) + G_R²/(H_R+λ) - G²/(H+λ), leaf value -G/(H+λ) times the
 * learning rate. Categorical features split natively: the node's levels are ordered by
 * G/(H + catSmooth) and the best prefix of that order goes left (Fisher's optimal grouping, as
 * LightGBM does), with an extra L2 `catL2` on those splits.
 *
 * Speed: a histogram holds only (sum g, sum h) per bin, filled from one interleaved g/h array and the
 * rows' global bin numbers. Rows per bin are not counted; as in LightGBM, a side's row count in the
 * split search is estimated as its hessian share of the node's rows (`minSamplesLeaf` is checked on
 * that estimate; the children's real counts are known once the rows are partitioned).
 */
import type { BinnedRows } from './gbdt-data.ts';

/** One tree in flat arrays; node 0 is the root; a node is a leaf when feature[k] < 0. See gbdt.ts. */
export interface GbdtTree {
  /** index into the model's `features` (-1: leaf) */
  feature: number[];
  /** numeric split: x <= threshold goes left (0 for leaves and categorical splits) */
  threshold: number[];
  /** categorical split: bitset of the levels that go left, 32 levels per number ([] otherwise) */
  categories: number[][];
  left: number[];
  right: number[];
  /** leaf: the raw-score (log-odds) step it adds; inner node: the step it would add as a leaf */
  value: number[];
  /** sum of the loss's hessian p(1-p) over the training rows that reach the node (XGBoost's "cover") */
  cover: number[];
  /** number of training rows that reach the node */
  count: number[];
}

/** Growth settings (a subset of the model's params). */
export interface GrowParams {
  maxLeafNodes: number;
  maxDepth: number;
  minSamplesLeaf: number;
  minChildWeight: number;
  l2: number;
  catL2: number;
  catSmooth: number;
  minCatGroup: number;
  minSplitGain: number;
  learningRate: number;
}

interface Leaf {
  node: number;
  start: number;
  end: number;
  depth: number;
  /** per-bin sums (null for a leaf that can never split) */
  hist: Float64Array | null;
  G: number;
  H: number;
  gain: number;
  feature: number;
  /** numeric: last bin that goes left; categorical: -1 */
  bin: number;
  /** categorical: levels going left */
  leftLevels: number[] | null;
}

/**
 * Grow one tree on `rows` (indices into `data`, ascending), using only features with allowed[f] = 1.
 * `gh` holds each row's gradient and hessian at 2i and 2i + 1. `rows` is reordered in place (each
 * node's rows stay contiguous). Returns the tree with values already multiplied by the learning rate;
 * cover and count are left at 0 (the caller fills them from every training row, not just the sampled
 * ones). `thresholdOf(f, bin)` turns a bin into a cut.
 */
export function growTree(
  data: BinnedRows,
  gh: Float64Array,
  rows: Int32Array,
  allowed: Uint8Array,
  categorical: Uint8Array,
  p: GrowParams,
  thresholdOf: (f: number, bin: number) => number,
  /** spare histograms, reused from tree to tree (fewer allocations, less garbage collection) */
  pool: Float64Array[] = [],
): GbdtTree & { binThreshold: number[] } {
  const m = data.features;
  const codes = data.codes;
  const offset = data.offset;
  const totalBins = offset[m];
  const scratch = new Int32Array(rows.length);
  const tree: GbdtTree & { binThreshold: number[] } = {
    feature: [],
    threshold: [],
    categories: [],
    left: [],
    right: [],
    value: [],
    cover: [],
    count: [],
    binThreshold: [],
  };
  const newNode = (G: number, H: number): number => {
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.categories.push([]);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push((-G / (H + p.l2)) * p.learningRate);
    tree.cover.push(0);
    tree.count.push(0);
    tree.binThreshold.push(-1);
    return tree.feature.length - 1;
  };

  // with column subsampling, histograms cover only the features this tree may split on
  let allowedCount = 0;
  for (let f = 0; f < m; f++) allowedCount += allowed[f];
  const used = Int32Array.from({ length: m }, (_, f) => f).filter((f) => allowed[f] === 1);
  const histogram = (start: number, end: number): Float64Array => {
    const spare = pool.pop();
    const hist = spare ? spare.fill(0) : new Float64Array(totalBins * 2);
    if (allowedCount < m) {
      for (let k = start; k < end; k++) {
        const i = rows[k];
        const gi = gh[2 * i];
        const hi = gh[2 * i + 1];
        const base = i * m;
        for (let u = 0; u < used.length; u++) {
          const at = codes[base + used[u]] << 1;
          hist[at] += gi;
          hist[at + 1] += hi;
        }
      }
      return hist;
    }
    for (let k = start; k < end; k++) {
      const i = rows[k];
      const gi = gh[2 * i];
      const hi = gh[2 * i + 1];
      const last = i * m + m;
      for (let q = i * m; q < last; q++) {
        const at = codes[q] << 1;
        hist[at] += gi;
        hist[at + 1] += hi;
      }
    }
    return hist;
  };
  const score = (G: number, H: number, lambda: number) => (G * G) / (H + lambda);

  const findSplit = (leaf: Leaf): void => {
    leaf.gain = 0;
    leaf.feature = -1;
    const count = leaf.end - leaf.start;
    if (count < 2 * p.minSamplesLeaf || leaf.depth >= p.maxDepth) return;
    const { hist, G, H } = leaf;
    if (!hist) return;
    const parent = score(G, H, p.l2);
    const perHessian = count / H; // rows per unit of hessian at this node (count estimate)
    const minH = Math.max(p.minChildWeight, p.minSamplesLeaf / perHessian);
    for (let f = 0; f < m; f++) {
      if (!allowed[f]) continue;
      const o = offset[f];
      const nb = data.bins[f];
      if (!categorical[f]) {
        let gl = 0,
          hl = 0;
        for (let b = 0; b < nb - 1; b++) {
          const at = (o + b) << 1;
          gl += hist[at];
          hl += hist[at + 1];
          if (hl < minH) continue;
          const hr = H - hl;
          if (hr < minH) break;
          const gain = score(gl, hl, p.l2) + score(G - gl, hr, p.l2) - parent;
          if (gain > leaf.gain + 1e-12) {
            leaf.gain = gain;
            leaf.feature = f;
            leaf.bin = b;
            leaf.leftLevels = null;
          }
        }
      } else {
        // levels present at this node (every row has a positive hessian)
        const levels: number[] = [];
        for (let b = 0; b < nb; b++) if (hist[((o + b) << 1) + 1] > 0) levels.push(b);
        if (levels.length < 2) continue;
        // one level against the rest (what a one-hot column allows), with the plain L2
        for (const b of levels) {
          const at = (o + b) << 1;
          const gl = hist[at];
          const hl = hist[at + 1];
          const hr = H - hl;
          if (hl < minH || hr < minH) continue;
          const gain = score(gl, hl, p.l2) + score(G - gl, hr, p.l2) - parent;
          if (gain > leaf.gain + 1e-12) {
            leaf.gain = gain;
            leaf.feature = f;
            leaf.bin = -1;
            leaf.leftLevels = [b];
          }
        }
        if (levels.length < 3) continue;
        // groups of levels: a prefix of the levels ordered by smoothed gradient ratio, with the extra
        // catL2 and at least minCatGroup rows a side (many levels overfit easily)
        const ratio = (b: number) => hist[(o + b) << 1] / (hist[((o + b) << 1) + 1] + p.catSmooth);
        levels.sort((a, b) => ratio(a) - ratio(b) || a - b);
        const lambda = p.l2 + p.catL2;
        const minGroupH = Math.max(minH, p.minCatGroup / perHessian);
        let gl = 0,
          hl = 0;
        for (let k = 0; k < levels.length - 2; k++) {
          const at = (o + levels[k]) << 1;
          gl += hist[at];
          hl += hist[at + 1];
          if (k === 0 || hl < minGroupH) continue; // a single level was tried above
          const hr = H - hl;
          if (hr < minGroupH) break;
          const gain = score(gl, hl, lambda) + score(G - gl, hr, lambda) - parent;
          if (gain > leaf.gain + 1e-12) {
            leaf.gain = gain;
            leaf.feature = f;
            leaf.bin = -1;
            leaf.leftLevels = levels.slice(0, k + 1);
          }
        }
      }
    }
    if (leaf.gain <= p.minSplitGain) leaf.feature = -1;
  };

  let G0 = 0,
    H0 = 0;
  for (let k = 0; k < rows.length; k++) {
    G0 += gh[2 * rows[k]];
    H0 += gh[2 * rows[k] + 1];
  }
  const root: Leaf = {
    node: newNode(G0, H0),
    start: 0,
    end: rows.length,
    depth: 0,
    hist: histogram(0, rows.length),
    G: G0,
    H: H0,
    gain: 0,
    feature: -1,
    bin: -1,
    leftLevels: null,
  };
  findSplit(root);
  const open: Leaf[] = [root];
  const goesLeft = new Uint8Array(totalBins); // by global bin number: 1 for the bins going left
  let leaves = 1;
  while (leaves < p.maxLeafNodes) {
    // best-first: the open leaf with the largest gain (ties: the earliest)
    let best = -1;
    for (let k = 0; k < open.length; k++) {
      if (open[k].feature >= 0 && (best < 0 || open[k].gain > open[best].gain)) best = k;
    }
    if (best < 0) break;
    const leaf = open.splice(best, 1)[0];
    const f = leaf.feature;
    const o = offset[f];
    if (leaf.leftLevels) for (const l of leaf.leftLevels) goesLeft[o + l] = 1;
    else for (let b = 0; b <= leaf.bin; b++) goesLeft[o + b] = 1;
    // stable partition of the leaf's rows: left rows first, then right rows
    let nl = 0;
    let nr = 0;
    for (let k = leaf.start; k < leaf.end; k++) {
      const i = rows[k];
      if (goesLeft[codes[i * m + f]]) rows[leaf.start + nl++] = i;
      else scratch[nr++] = i;
    }
    rows.set(scratch.subarray(0, nr), leaf.start + nl);
    goesLeft.fill(0, o, o + data.bins[f]);
    const mid = leaf.start + nl;
    // Histograms only for children that may split later (none once the leaf budget is spent, none at
    // the depth limit or below 2 x minSamplesLeaf rows): the smaller child's is built, the larger's is
    // the parent's minus it.
    const splittable = (rowCount: number) =>
      leaves + 1 < p.maxLeafNodes && leaf.depth + 1 < p.maxDepth && rowCount >= 2 * p.minSamplesLeaf;
    const smallIsLeft = nl <= nr;
    const needSmall = splittable(smallIsLeft ? nl : nr);
    const needBig = splittable(smallIsLeft ? nr : nl);
    let small: Float64Array | null = null;
    let big: Float64Array | null = null;
    if (needSmall || needBig) {
      small = smallIsLeft ? histogram(leaf.start, mid) : histogram(mid, leaf.end);
      const parentHist = leaf.hist!;
      if (needBig) {
        for (let k = 0; k < parentHist.length; k++) parentHist[k] -= small[k];
        big = parentHist;
      } else pool.push(parentHist);
      if (!needSmall) {
        pool.push(small);
        small = null;
      }
    } else pool.push(leaf.hist!);
    const [histL, histR] = smallIsLeft ? [small, big] : [big, small];
    let GL = 0,
      HL = 0;
    for (let k = leaf.start; k < mid; k++) {
      GL += gh[2 * rows[k]];
      HL += gh[2 * rows[k] + 1];
    }
    const node = leaf.node;
    tree.feature[node] = f;
    if (leaf.leftLevels) {
      const bits = new Array<number>(Math.ceil(data.bins[f] / 32)).fill(0);
      for (const l of leaf.leftLevels) bits[l >>> 5] = (bits[l >>> 5] | (1 << (l & 31))) >>> 0;
      tree.categories[node] = bits;
    } else {
      tree.threshold[node] = thresholdOf(f, leaf.bin);
      tree.binThreshold[node] = leaf.bin;
    }
    const child = (start: number, end: number, hist: Float64Array | null, G: number, H: number): Leaf => {
      const c: Leaf = {
        node: newNode(G, H),
        start,
        end,
        depth: leaf.depth + 1,
        hist,
        G,
        H,
        gain: 0,
        feature: -1,
        bin: -1,
        leftLevels: null,
      };
      findSplit(c);
      return c;
    };
    const l = child(leaf.start, mid, histL, GL, HL);
    const r = child(mid, leaf.end, histR, leaf.G - GL, leaf.H - HL);
    tree.left[node] = l.node;
    tree.right[node] = r.node;
    open.push(l, r);
    leaves++;
  }
  for (const leaf of open) if (leaf.hist) pool.push(leaf.hist);
  return tree;
}

/** True when a categorical level is in a node's left bitset. */
export function inBitset(bits: number[], level: number): boolean {
  const word = level >>> 5;
  return word < bits.length && ((bits[word] >>> (level & 31)) & 1) === 1;
}
