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
  const { contributions, rows, cols } = input;
  if (contributions.length !== rows * cols)
    throw new RangeError(`contributions has ${contributions.length} values, expected ${rows}x${cols}`);
  const r = startRanking(input);
  const { columnToFeature, total } = r;
  for (let i = 0; i < rows; i++) {
    total.fill(0);
    const base = i * cols;
    for (let j = 0; j < cols; j++) total[columnToFeature[j]] += contributions[base + j];
    keepTop(r, i);
  }
  return r.ranking;
}

/** Input for reasons of a linear model: the matrix and the coefficients instead of their products. */
export interface LinearReasonInput extends Omit<ReasonInput, 'contributions'> {
  /** row-major matrix values, rows × cols */
  x: ArrayLike<number>;
  /** one coefficient per column */
  coef: ArrayLike<number>;
}

/**
 * rankReasons for a linear model, contribution coef_j · x_ij computed on the fly: the same ranking
 * without a rows × cols array of products (at a million rows, that array and its garbage cost more
 * than the ranking).
 */
export function rankLinearReasons(input: LinearReasonInput): ReasonRanking {
  const { x, coef, rows, cols } = input;
  if (x.length !== rows * cols) throw new RangeError(`x has ${x.length} values, expected ${rows}x${cols}`);
  if (coef.length !== cols) throw new RangeError(`coef has ${coef.length} values for ${cols} columns`);
  const r = startRanking(input);
  const { columnToFeature, total } = r;
  const c = Float64Array.from(coef);
  // the row loop written out here, not passed as a callback: about three times faster at a million rows
  for (let i = 0; i < rows; i++) {
    total.fill(0);
    const base = i * cols;
    for (let j = 0; j < cols; j++) total[columnToFeature[j]] += c[j] * x[base + j];
    keepTop(r, i);
  }
  return r.ranking;
}

/** A ranking being filled: the output arrays, the column -> feature map and a per-row scratch of feature totals. */
interface RankingState {
  ranking: ReasonRanking;
  columnToFeature: Int32Array;
  total: Float64Array;
  floor: number;
}

function startRanking(input: Omit<ReasonInput, 'contributions'>): RankingState {
  const { rows, cols, columnFeature } = input;
  const k = input.k ?? 3;
  if (columnFeature.length !== cols)
    throw new RangeError(`columnFeature has ${columnFeature.length} entries for ${cols} columns`);
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
  const ranking: ReasonRanking = {
    features,
    k,
    up: new Int32Array(rows * k).fill(-1),
    upWeight: new Float64Array(rows * k),
    down: new Int32Array(rows * k).fill(-1),
    downWeight: new Float64Array(rows * k),
  };
  return { ranking, columnToFeature, total: new Float64Array(features.length), floor: input.minAbsWeight ?? 0 };
}

/** Row i's top k up (largest positive) and top k down (most negative) features, from the totals in the scratch. */
function keepTop(r: RankingState, i: number): void {
  const { up, upWeight, down, downWeight, k } = r.ranking;
  const { total, floor } = r;
  const slot = i * k;
  let nUp = 0;
  let nDown = 0;
  const last = slot + k - 1;
  for (let f = 0; f < total.length; f++) {
    const w = total[f];
    // the checks before the calls: most features are inside the floor or no better than the k-th kept
    if (w > floor) {
      if (nUp < k || w > upWeight[last]) nUp = insertTop(up, upWeight, slot, nUp, k, f, w, 1);
    } else if (w < -floor) {
      if (nDown < k || w < downWeight[last]) nDown = insertTop(down, downWeight, slot, nDown, k, f, w, -1);
    }
  }
}

/** Insert (f, w) into the slot's list kept sorted by sign·weight descending, capped at k; returns the new length. */
function insertTop(
  ids: Int32Array,
  weights: Float64Array,
  slot: number,
  len: number,
  k: number,
  f: number,
  w: number,
  sign: number,
): number {
  if (k === 0) return 0;
  const key = sign * w;
  // not better than the worst kept; earlier features win ties
  if (len === k && key <= sign * weights[slot + k - 1]) return len;
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
        reasons.push({
          feature,
          direction,
          weight: weights[i * r.k + s],
          text: options.describe(feature, raw[feature]?.[i]),
        });
      }
    }
    out[i] = reasons;
  }
  return out;
}

/** Options for turning a ranking into reason phrases (and JSON text). */
export interface ReasonsJsonOptions {
  /** rows to write: ranking rows 0..rows-1 */
  rows: number;
  /** raw value per source feature, indexed by ranking row + rawOffset */
  rawValues?: Record<string, ArrayLike<unknown>>;
  /** index of ranking row 0 in rawValues (lets callers pass whole columns instead of slices) */
  rawOffset?: number;
  /** words for one reason; must depend only on (feature, rawValue), since its answers are cached */
  describe: (feature: string, rawValue: unknown) => string;
  /** weights are written rounded by this (default: 4 decimals) */
  round?: (weight: number) => number;
  /** distinct raw values cached per feature before that feature stops caching (default 4096) */
  cacheLimit?: number;
}

/**
 * A ranking's reasons as phrases: each distinct JSON prefix `{"feature":...,"text":...,"weight":`
 * once, and per row and slot the phrase's id (-1: no reason there). A reason's JSON is its phrase,
 * its weight, then `}`; so the JSON of a million rows can be assembled from a few thousand phrases
 * and typed arrays, by JavaScript or by DuckDB.
 */
export interface ReasonPhrases {
  phrases: string[];
  k: number;
  /** phrase id at row i, slot s: i·k + s, as in the ranking */
  up: Int32Array;
  down: Int32Array;
}

/**
 * The phrases of ranking rows 0..rows-1. Phrases are cached per (feature, raw value), so describe
 * runs once per distinct value, not once per reason; past cacheLimit values a feature's phrases are
 * deduplicated by their text instead.
 */
export function reasonPhrases(r: ReasonRanking, options: Omit<ReasonsJsonOptions, 'round'>): ReasonPhrases {
  const { rows, describe } = options;
  const raw = options.rawValues ?? {};
  const offset = options.rawOffset ?? 0;
  const limit = options.cacheLimit ?? 4096;
  const k = r.k;
  const nf = r.features.length;
  const columns = r.features.map((f) => raw[f]);
  const featureJson = r.features.map((f) => JSON.stringify(f));
  const caches: (Map<unknown, number> | null)[] = r.features.map(() => new Map());
  const phrases: string[] = [];
  // per feature, describe's text -> phrase id: a value past the cache costs a describe, not a new phrase
  const byText = r.features.map(() => new Map<string, number>());
  const idOf = (f: number, i: number): number => {
    const col = columns[f];
    const v = col === undefined ? undefined : col[offset + i];
    const cache = caches[f];
    const cacheable = cache !== null && !(v === 0 && 1 / (v as number) < 0); // Map keys do not tell -0 from 0
    if (cacheable) {
      const hit = cache.get(v);
      if (hit !== undefined) return hit;
    }
    const text = describe(r.features[f], v);
    let id = byText[f].get(text);
    if (id === undefined) {
      id = phrases.length;
      phrases.push(`{"feature":${featureJson[f]},"text":${JSON.stringify(text)},"weight":`);
      byText[f].set(text, id);
    }
    if (cacheable) {
      if (cache.size >= limit) caches[f] = null;
      else cache.set(v, id);
    }
    return id;
  };
  const side = (ids: Int32Array): Int32Array => {
    const out = new Int32Array(rows * k).fill(-1);
    for (let i = 0; i < rows; i++) {
      for (let slot = 0; slot < k; slot++) {
        const f = ids[i * k + slot];
        if (f < 0 || f >= nf) break;
        out[i * k + slot] = idOf(f, i);
      }
    }
    return out;
  };
  return { phrases, k, up: side(r.up), down: side(r.down) };
}

/**
 * Per row, the JSON text `{"up":[{"feature","text","weight"}...],"down":[...]}` of `explainRows`'s
 * reasons, byte for byte what JSON.stringify of those objects gives (weights rounded), built from
 * the ranking's typed arrays and its phrases, without objects.
 */
export function reasonsJson(r: ReasonRanking, options: ReasonsJsonOptions): string[] {
  const { rows } = options;
  const round = options.round ?? ((x: number) => Math.round(x * 1e4) / 1e4);
  const { phrases, k, up, down } = reasonPhrases(r, options);
  const side = (ids: Int32Array, weights: Float64Array, i: number): string => {
    let s = '';
    for (let slot = 0; slot < k && ids[i * k + slot] >= 0; slot++) {
      s += `${slot ? ',' : ''}${phrases[ids[i * k + slot]]}${JSON.stringify(round(weights[i * k + slot]))}}`;
    }
    return s;
  };
  const out: string[] = new Array(rows);
  for (let i = 0; i < rows; i++) out[i] = `{"up":[${side(up, r.upWeight, i)}],"down":[${side(down, r.downWeight, i)}]}`;
  return out;
}
