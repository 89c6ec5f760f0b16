/**
 * Reason codes: for each row, the source features that pushed its score up or down the most.
 * Contributions of matrix columns are summed per source feature (one-hot columns such as
 * `industry=software` group into `industry`), then the top k positive and top k negative features
 * are picked. The ranking pass uses typed arrays only; objects are made just for the reasons returned.
 */

/** One reason: a source feature, which way it pushed, by how much (logit units) and in words. */
export interface Reason {
  feature: string;
  direction: 'up' | 'down';
  weight: number;
  text: string;
}

export interface ReasonInput {
  /** per-row, per-column contributions, row-major rows × cols (e.g. coef_j · x_ij) */
  contributions: ArrayLike<number>;
  rows: number;
  cols: number;
  /** matrix column -> source feature name, length cols */
  columnFeature: readonly string[];
  /** how many reasons each way */
  k?: number;
  /** contributions with |weight| at or below this are not reasons */
  minAbsWeight?: number;
}

/** The ranking in typed arrays: for row i and slot s (0..k-1), feature index at i·k + s (-1 = none). */
export interface ReasonRanking {
  features: string[];
  k: number;
  up: Int32Array;
  upWeight: Float64Array;
  down: Int32Array;
  downWeight: Float64Array;
}

/** Rank features per row by summed contribution: top k up (largest positive) and top k down (most negative). */
export function rankReasons(input: ReasonInput): ReasonRanking {
  const { contributions, rows, cols, columnFeature } = input;
  const k = input.k ?? 3;
  const floor = input.minAbsWeight ?? 0;
  if (columnFeature.length !== cols) throw new RangeError(`columnFeature has ${columnFeature.length} entries for ${cols} columns`);
  if (contributions.length !== rows * cols) throw new RangeError(`contributions has ${contributions.length} values, expected ${rows}x${cols}`);
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`k must be a non-negative integer, got ${k}`);
  const features: string[] = [];
  const featureIndex = new Map<string, number>();
  const columnToFeature = new Int32Array(cols);
  for (let j = 0; j < cols; j++) {
    let f = featureIndex.get(columnFeature[j]);
    if (f === undefined) {
      f = features.length;
      features.push(columnFeature[j]);
      featureIndex.set(columnFeature[j], f);
    }
    columnToFeature[j] = f;
  }
  const nf = features.length;
  const total = new Float64Array(nf); // scratch, reused for every row
  const up = new Int32Array(rows * k).fill(-1);
  const upWeight = new Float64Array(rows * k);
  const down = new Int32Array(rows * k).fill(-1);
  const downWeight = new Float64Array(rows * k);
  for (let i = 0; i < rows; i++) {
    total.fill(0);
    const base = i * cols;
    for (let j = 0; j < cols; j++) total[columnToFeature[j]] += contributions[base + j];
    const slot = i * k;
    let nUp = 0;
    let nDown = 0;
    for (let f = 0; f < nf; f++) {
      const w = total[f];
      if (w > floor) nUp = insertTop(up, upWeight, slot, nUp, k, f, w, 1);
      else if (w < -floor) nDown = insertTop(down, downWeight, slot, nDown, k, f, w, -1);
    }
  }
  return { features, k, up, upWeight, down, downWeight };
}

/** Insert (f, w) into the slot's list kept sorted by sign·weight descending, capped at k; returns the new length. */
function insertTop(ids: Int32Array, weights: Float64Array, slot: number, len: number, k: number, f: number, w: number, sign: number): number {
  if (k === 0) return 0;
  const key = sign * w;
  if (len === k && key <= sign * weights[slot + k - 1]) return len; // not better than the worst kept; earlier features win ties
  let pos = len < k ? len : k - 1;
  while (pos > 0 && key > sign * weights[slot + pos - 1]) {
    ids[slot + pos] = ids[slot + pos - 1];
    weights[slot + pos] = weights[slot + pos - 1];
    pos--;
  }
  ids[slot + pos] = f;
  weights[slot + pos] = w;
  return len < k ? len + 1 : k;
}

/** Options for turning a ranking into worded reasons. */
export interface ExplainOptions extends ReasonInput {
  /** raw (unencoded) value per source feature, per row; passed to describe */
  rawValues?: Record<string, ArrayLike<unknown>>;
  /** words for one reason, supplied by the caller, e.g. ('industry', 'software') -> 'Industry is software' */
  describe: (feature: string, rawValue: unknown) => string;
}

/** Top k up and top k down reasons per row (up first, strongest first within each direction). */
export function explainRows(options: ExplainOptions): Reason[][] {
  const r = rankReasons(options);
  const raw = options.rawValues ?? {};
  const out: Reason[][] = new Array(options.rows);
  for (let i = 0; i < options.rows; i++) {
    const reasons: Reason[] = [];
    for (const [ids, weights, direction] of [
      [r.up, r.upWeight, 'up'],
      [r.down, r.downWeight, 'down'],
    ] as const) {
      for (let s = 0; s < r.k; s++) {
        const f = ids[i * r.k + s];
        if (f < 0) break;
        const feature = r.features[f];
        reasons.push({ feature, direction, weight: weights[i * r.k + s], text: options.describe(feature, raw[feature]?.[i]) });
      }
    }
    out[i] = reasons;
  }
  return out;
}
