/**
 * Exact Shapley values of a tree ensemble's raw output (log-odds) against one reference row: TreeSHAP in its
 * interventional form with a single background row, which is what shap's TreeExplainer computes per background
 * sample. The players are the matrix columns; coalition S plays the hybrid row that takes x's values on S and the
 * reference's elsewhere, so the values add up exactly: Σ_j φ_j = f(x) - f(reference).
 *
 * For one tree, a leaf is reached by the hybrid of S when every split on its path lets it through. Per column on the
 * path: if only x's value goes that way the column must be in S (set A), if only the reference's value does it must
 * not be (set B), if both do it does not matter, if neither the leaf is out of reach. The leaf's game is then
 * 1[A ⊆ S, B ∩ S = ∅], whose Shapley values are (|A|-1)!|B|!/(|A|+|B|)! for each column of A and
 * -|A|!(|B|-1)!/(|A|+|B|)! for each of B. A depth-first walk that follows both ways wherever x and the reference
 * part visits every reachable leaf once; a row costs O(reachable leaves x depth) per tree, no cover statistics needed.
 *
 * Trees come in through `NormalizedTree`, so another tree format (categorical splits, learned missing-value
 * directions) needs only a converter to it, not a change here.
 */

/** A tree as flat arrays; node k is a leaf when feature[k] < 0. */
export interface NormalizedTree {
  feature: Int32Array;
  left: Int32Array;
  right: Int32Array;
  /** leaf values (log-odds); ignored on internal nodes */
  value: Float64Array;
  /** numeric splits: a value goes left when value <= threshold[k] */
  threshold: Float64Array;
  /**
   * categorical splits: when leftSet[k] is set, a value goes left when it is one of its members (the threshold is
   * ignored); missing values follow missingLeft
   */
  leftSet?: (ReadonlySet<number> | null)[];
  /** where a missing (NaN) value goes, per node (1: left); absent: NaN goes right, as `NaN <= t` is false */
  missingLeft?: Uint8Array;
}

/** An additive ensemble of trees on the log-odds scale: raw(x) = baseScore + Σ trees. */
export interface NormalizedEnsemble {
  baseScore: number;
  trees: NormalizedTree[];
}

/** True when value v goes to the left child of node k. */
export function goesLeft(t: NormalizedTree, k: number, v: number): boolean {
  if (v !== v) return t.missingLeft ? t.missingLeft[k] === 1 : false;
  const set = t.leftSet?.[k];
  return set ? set.has(v) : v <= t.threshold[k];
}

/** The leaf value row `offset` of `data` reaches in one tree. */
export function treeValue(t: NormalizedTree, data: ArrayLike<number>, offset: number): number {
  let k = 0;
  while (t.feature[k] >= 0) k = goesLeft(t, k, data[offset + t.feature[k]]) ? t.left[k] : t.right[k];
  return t.value[k];
}

/** Raw output (log-odds) of the ensemble for row `offset` of `data`. */
export function ensembleRaw(e: NormalizedEnsemble, data: ArrayLike<number>, offset: number): number {
  let z = e.baseScore;
  for (const t of e.trees) z += treeValue(t, data, offset);
  return z;
}

/** Shapley weights of the leaf game for |A| = a, |B| = b: [weight of a column in A, weight of a column in B]. */
function shapleyWeights(maxDepth: number): { inA: Float64Array[]; inB: Float64Array[] } {
  const fact = new Float64Array(2 * maxDepth + 2);
  fact[0] = 1;
  for (let i = 1; i < fact.length; i++) fact[i] = fact[i - 1] * i;
  const inA: Float64Array[] = [];
  const inB: Float64Array[] = [];
  for (let a = 0; a <= maxDepth; a++) {
    inA.push(new Float64Array(maxDepth + 1));
    inB.push(new Float64Array(maxDepth + 1));
    for (let b = 0; b <= maxDepth; b++) {
      if (a > 0) inA[a][b] = (fact[a - 1] * fact[b]) / fact[a + b];
      if (b > 0) inB[a][b] = (fact[a] * fact[b - 1]) / fact[a + b];
    }
  }
  return { inA, inB };
}

function depthOf(t: NormalizedTree): number {
  let max = 0;
  const walk = (k: number, d: number) => {
    if (t.feature[k] < 0) {
      if (d > max) max = d;
      return;
    }
    walk(t.left[k], d + 1);
    walk(t.right[k], d + 1);
  };
  walk(0, 0);
  return max;
}

/**
 * Shapley values of every row of `data` (rows x cols, row-major) against `reference` (one row), folded into groups:
 * out[i * groups + group[j]] += φ_ij. `out` is added to, not cleared. Returns f(reference) (raw, with baseScore).
 */
export function treeShapGrouped(
  e: NormalizedEnsemble,
  data: ArrayLike<number>,
  rows: number,
  cols: number,
  reference: ArrayLike<number>,
  group: Int32Array,
  groups: number,
  out: Float64Array,
): number {
  let depth = 0;
  for (const t of e.trees) depth = Math.max(depth, depthOf(t));
  const { inA, inB } = shapleyWeights(depth);
  // per column: path splits where x / the reference go the other way (only columns on the current path are non-zero)
  const xOff = new Int32Array(cols);
  const rOff = new Int32Array(cols);
  const setA = new Int32Array(depth + 1);
  const setB = new Int32Array(depth + 1);
  let nA = 0;
  let nB = 0;
  let row = 0;
  let tree: NormalizedTree = e.trees[0];
  let outAt = 0;

  const visit = (k: number): void => {
    const j = tree.feature[k];
    if (j < 0) {
      if (nA + nB === 0) return; // x and the reference both reach it: no column is responsible
      const v = tree.value[k];
      if (nA > 0) {
        const w = v * inA[nA][nB];
        for (let a = 0; a < nA; a++) out[outAt + group[setA[a]]] += w;
      }
      if (nB > 0) {
        const w = v * inB[nA][nB];
        for (let b = 0; b < nB; b++) out[outAt + group[setB[b]]] -= w;
      }
      return;
    }
    const xl = goesLeft(tree, k, data[row * cols + j]);
    const rl = goesLeft(tree, k, reference[j]);
    for (let side = 0; side < 2; side++) {
      const toLeft = side === 0;
      const xAway = xl !== toLeft ? 1 : 0;
      const rAway = rl !== toLeft ? 1 : 0;
      if (xAway && rAway) continue;
      const wasX = xOff[j];
      const wasR = rOff[j];
      const nowX = wasX + xAway;
      const nowR = wasR + rAway;
      if (nowX > 0 && nowR > 0) continue; // neither x's nor the reference's value of j gets here
      // a column's role changes at most once on the way down: irrelevant -> must be x's (A) or the reference's (B)
      const enterA = nowR > 0 && wasR === 0;
      const enterB = nowX > 0 && wasX === 0;
      xOff[j] = nowX;
      rOff[j] = nowR;
      if (enterA) setA[nA++] = j;
      if (enterB) setB[nB++] = j;
      visit(toLeft ? tree.left[k] : tree.right[k]);
      if (enterA) nA--;
      if (enterB) nB--;
      xOff[j] = wasX;
      rOff[j] = wasR;
    }
  };

  for (row = 0; row < rows; row++) {
    outAt = row * groups;
    for (const t of e.trees) {
      tree = t;
      visit(0);
    }
  }
  return ensembleRaw(e, reference, 0);
}

/** Ungrouped Shapley values (rows x cols) of the ensemble against `reference`; returns f(reference). */
export function treeShap(
  e: NormalizedEnsemble,
  data: ArrayLike<number>,
  rows: number,
  cols: number,
  reference: ArrayLike<number>,
  out: Float64Array,
): number {
  return treeShapGrouped(
    e,
    data,
    rows,
    cols,
    reference,
    Int32Array.from({ length: cols }, (_, j) => j),
    cols,
    out,
  );
}
