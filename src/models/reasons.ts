/**
 * Reasons: per lead, the factors that pushed its score up or down the most, from an attribution that adds up
 * (attribution.ts: each factor's contribution to the blend logit). Each factor appears at most once per lead, with
 * the direction of its contribution: the top k up (largest positive) and the top k down (most negative), merged
 * into one list, strongest first. The ranking pass uses typed arrays only; objects are made just for the reasons
 * returned.
 */

/** One reason: a factor, which way it pushed, by how much (log-odds of the blend) and in words. */
export interface Reason {
  factor: string;
  direction: 'up' | 'down';
  text: string;
  weight: number;
}

/** The ranking in typed arrays: for row i and slot s (0..slots-1), factor index at i·slots + s (-1 = none). */
export interface ReasonRanking {
  factors: string[];
  /** slots per row: k up + k down */
  slots: number;
  ids: Int32Array;
  /** the factor's contribution; its sign is the reason's direction */
  weights: Float64Array;
}

/** What to rank: rows x factors contributions (row-major). */
export interface RankInput {
  values: ArrayLike<number>;
  rows: number;
  factors: readonly string[];
  /** reasons each way */
  k?: number;
  /** contributions with |weight| at or below this are not reasons */
  minAbsWeight?: number;
}

/** Per row, the top k up and top k down factors, merged by strength (|weight|, up first on a tie). */
export function rankFactors(input: RankInput): ReasonRanking {
  const { values, rows, factors } = input;
  const width = factors.length;
  const k = input.k ?? 3;
  const floor = input.minAbsWeight ?? 0;
  if (values.length !== rows * width) {
    throw new RangeError(`contributions have ${values.length} values, expected ${rows}x${width}`);
  }
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`k must be a non-negative integer, got ${k}`);
  const slots = 2 * k;
  const ids = new Int32Array(rows * slots).fill(-1);
  const weights = new Float64Array(rows * slots);
  const up = new Int32Array(Math.max(1, k));
  const upW = new Float64Array(Math.max(1, k));
  const down = new Int32Array(Math.max(1, k));
  const downW = new Float64Array(Math.max(1, k));
  for (let i = 0; i < rows; i++) {
    let nUp = 0;
    let nDown = 0;
    const base = i * width;
    // the row loop written out here, not passed as a callback: about three times faster at a million rows
    for (let f = 0; f < width; f++) {
      const w = values[base + f];
      // the checks before the calls: most factors are inside the floor or no better than the k-th kept
      if (w > floor) {
        if (nUp < k || w > upW[k - 1]) nUp = insertTop(up, upW, nUp, k, f, w, 1);
      } else if (w < -floor) {
        if (nDown < k || w < downW[k - 1]) nDown = insertTop(down, downW, nDown, k, f, w, -1);
      }
    }
    // merge the two lists, strongest first
    let a = 0;
    let b = 0;
    const at = i * slots;
    for (let s = 0; a < nUp || b < nDown; s++) {
      const takeUp = b >= nDown || (a < nUp && upW[a] >= -downW[b]);
      ids[at + s] = takeUp ? up[a] : down[b];
      weights[at + s] = takeUp ? upW[a++] : downW[b++];
    }
  }
  return { factors: [...factors], slots, ids, weights };
}

/** Insert (f, w) into a list kept sorted by sign·weight descending, capped at k; returns the new length. */
function insertTop(
  ids: Int32Array,
  weights: Float64Array,
  len: number,
  k: number,
  f: number,
  w: number,
  sign: number,
): number {
  if (k === 0) return 0;
  const key = sign * w;
  // not better than the worst kept; earlier factors win ties
  if (len === k && key <= sign * weights[k - 1]) return len;
  let pos = len < k ? len : k - 1;
  while (pos > 0 && key > sign * weights[pos - 1]) {
    ids[pos] = ids[pos - 1];
    weights[pos] = weights[pos - 1];
    pos--;
  }
  ids[pos] = f;
  weights[pos] = w;
  return len < k ? len + 1 : k;
}

/** Where a reason's words come from: a factor's text for a row, and a key that gives the same text. */
export interface PhraseSource {
  /** words for factor f (index into the ranking's factors) of ranking row i */
  text(f: number, i: number): string;
  /**
   * a cache key of factor f's words for row i: rows with equal keys must have equal text (e.g. the raw values the
   * words are made from); omit to make the words of every reason
   */
  key?(f: number, i: number): string;
}

/**
 * A ranking's reasons as phrases: each distinct JSON prefix `{"factor":..,"direction":..,"text":..,"weight":` once,
 * and per row and slot the phrase's id (-1: none). A reason's JSON is its phrase, its weight, then `}`; so the JSON
 * of a million rows can be assembled from a few thousand phrases and typed arrays, by JavaScript or by DuckDB.
 */
export interface ReasonPhrases {
  phrases: string[];
  slots: number;
  /** phrase id at row i, slot s: i·slots + s, as in the ranking */
  ids: Int32Array;
  weights: Float64Array;
}

/** The phrases of ranking rows 0..rows-1; words are made once per distinct key and direction. */
export function reasonPhrases(r: ReasonRanking, rows: number, source: PhraseSource): ReasonPhrases {
  return new PhraseBook(r.factors).add(r, rows, source);
}

/**
 * Phrases made once per distinct key and direction, kept across calls: rankings of successive row ranges get ids
 * into one growing list, the very ids one ranking of all the rows would get (a run words its reasons part by part).
 */
export class PhraseBook {
  /** every phrase so far, by id (grows with each add) */
  readonly phrases: string[] = [];
  private readonly factorJson: string[];
  // per factor and direction: key -> phrase id, and text -> phrase id (distinct keys may word alike)
  private readonly byKey: Map<string, number>[][];
  private readonly byText: Map<string, number>[][];

  constructor(readonly factors: readonly string[]) {
    this.factorJson = factors.map((f) => JSON.stringify(f));
    this.byKey = factors.map(() => [new Map<string, number>(), new Map<string, number>()]);
    this.byText = factors.map(() => [new Map<string, number>(), new Map<string, number>()]);
  }

  /** The phrases of ranking rows 0..rows-1 (a ranking over this book's factors); `phrases` is the whole book. */
  add(r: ReasonRanking, rows: number, source: PhraseSource): ReasonPhrases {
    const { slots } = r;
    const { phrases, factorJson, byKey, byText } = this;
    if (r.factors.length !== this.factors.length) throw new RangeError('the ranking has other factors than the book');
    const ids = new Int32Array(rows * slots).fill(-1);
    for (let i = 0; i < rows; i++) {
      for (let s = 0; s < slots; s++) {
        const at = i * slots + s;
        const f = r.ids[at];
        if (f < 0) break;
        const dir = r.weights[at] > 0 ? 0 : 1;
        const key = source.key?.(f, i);
        let id = key === undefined ? undefined : byKey[f][dir].get(key);
        if (id === undefined) {
          const text = source.text(f, i);
          id = byText[f][dir].get(text);
          if (id === undefined) {
            id = phrases.length;
            const direction = dir === 0 ? '"up"' : '"down"';
            phrases.push(
              `{"factor":${factorJson[f]},"direction":${direction},"text":${JSON.stringify(text)},"weight":`,
            );
            byText[f][dir].set(text, id);
          }
          if (key !== undefined) byKey[f][dir].set(key, id);
        }
        ids[at] = id;
      }
    }
    return { phrases, slots, ids, weights: r.weights.subarray(0, rows * slots) };
  }
}

/** Weights as the reasons JSON shows them: 4 decimals. */
export const roundWeight = (x: number): number => Math.round(x * 1e4) / 1e4;

/**
 * Per row, the JSON text `[{"factor","direction","text","weight"}, ...]` of its reasons (weights rounded), byte for
 * byte what JSON.stringify of `reasonObjects` gives, built from phrases and typed arrays without objects.
 */
export function reasonsJson(p: ReasonPhrases, rows: number, round: (w: number) => number = roundWeight): string[] {
  const out: string[] = new Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = '[';
    for (let slot = 0; slot < p.slots && p.ids[i * p.slots + slot] >= 0; slot++) {
      const at = i * p.slots + slot;
      s += `${slot ? ',' : ''}${p.phrases[p.ids[at]]}${JSON.stringify(round(p.weights[at]))}}`;
    }
    out[i] = `${s}]`;
  }
  return out;
}

/** The reasons of ranking rows 0..rows-1 as objects (strongest first), weights unrounded. */
export function reasonObjects(r: ReasonRanking, rows: number, source: PhraseSource): Reason[][] {
  const out: Reason[][] = new Array(rows);
  for (let i = 0; i < rows; i++) {
    const reasons: Reason[] = [];
    for (let s = 0; s < r.slots; s++) {
      const at = i * r.slots + s;
      const f = r.ids[at];
      if (f < 0) break;
      const weight = r.weights[at];
      reasons.push({ factor: r.factors[f], direction: weight > 0 ? 'up' : 'down', text: source.text(f, i), weight });
    }
    out[i] = reasons;
  }
  return out;
}
