/**
 * Seeded bootstrap confidence intervals for the comparison's metrics: AUC, PR AUC (average precision), Brier, log
 * loss, ECE, lift and the share of converters captured at the top 5/10/20% of each score, and the equal-effort
 * capture ratio.
 *
 * Each replicate draws n leads with replacement (a multinomial count per lead) from one seeded stream, and both
 * scores are measured on the same draw, so the intervals are paired the way the scores are. Every metric is the
 * standard one (metrics.ts) computed on the replicate as if its leads were listed out, in O(n) per replicate from
 * one sort per score: counts are weights.
 *
 * Replicate b reads draws [b * n, (b + 1) * n) of the stream, and the stream can start anywhere (mulberry32's skip),
 * so any range of replicates can run on its own: bootstrapIntervalsParallel splits them across worker threads and
 * the intervals are those of bootstrapIntervals to the last bit.
 */
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { mulberry32 } from '../random.ts';
import { startWorker } from '../worker-thread.ts';

/** A two-sided interval. */
export type Interval = [lo: number, hi: number];

/** The metrics that get intervals, as MetricSet names them. */
export const INTERVAL_METRICS = [
  'auc',
  'pr_auc',
  'brier',
  'logloss',
  'ece',
  'lift_at_5pct',
  'lift_at_10pct',
  'lift_at_20pct',
  'gains_at_5pct',
  'gains_at_10pct',
  'gains_at_20pct',
] as const;
export type IntervalMetric = (typeof INTERVAL_METRICS)[number];

/** One score's inputs: what ranks the leads, and its probability (for ECE). */
export interface ScoredLeads {
  rank: ArrayLike<number>;
  probability: ArrayLike<number>;
}

/** Options of bootstrapIntervals. */
export interface BootstrapOptions {
  seed: number;
  /** replicates (default 500) */
  replicates?: number;
  /** coverage of the intervals (default 0.95) */
  level?: number;
  /** per lead, 1 when the rules call it MQL: gives the equal-effort capture ratio an interval */
  mql?: ArrayLike<number>;
}

/** Intervals of every metric of every score, and of the capture ratio. */
export interface BootstrapIntervals {
  level: number;
  replicates: number;
  seed: number;
  scores: Record<string, Record<IntervalMetric, Interval>>;
  capture_ratio?: Interval;
}

/**
 * A score's leads sorted once: descending by rank (ties by index), with tie groups, ECE bins and each
 * lead's own Brier and log-loss terms (the replicate only weighs them).
 */
interface Prepared {
  order: Int32Array;
  /** the tie groups in `order`: group g is positions starts[g] .. starts[g + 1] - 1 */
  starts: Int32Array;
  /** label of the lead at each position of `order` (read in order, not gathered per replicate) */
  yInOrder: Uint8Array;
  bin: Uint8Array;
  probability: Float64Array;
  /** probability - label, per lead */
  error: Float64Array;
  /** -log of the clipped probability given to the lead's own label */
  logLoss: Float64Array;
}

function prepare(s: ScoredLeads, y: Uint8Array): Prepared {
  const n = y.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => s.rank[b] - s.rank[a] || a - b);
  const starts: number[] = [];
  for (let k = 0; k < n;) {
    starts.push(k);
    let e = k + 1;
    while (e < n && s.rank[order[e]] === s.rank[order[k]]) e++;
    k = e;
  }
  starts.push(n);
  // plain loops: TypedArray.from with a map function took ~100 ms an array at 375k leads
  const yInOrder = new Uint8Array(n);
  for (let k = 0; k < n; k++) yInOrder[k] = y[order[k]];
  const probability = new Float64Array(n);
  const bin = new Uint8Array(n);
  const error = new Float64Array(n);
  const logLoss = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    probability[i] = s.probability[i];
    const q = probability[i];
    // 10 equal-width bins as ece(): bin i holds i/10 <= p < (i+1)/10, the last also p = 1
    bin[i] = Math.min(9, Math.max(0, Math.floor(q * 10)));
    error[i] = q - y[i];
    const c = Math.min(Math.max(q, 1e-15), 1 - 1e-15);
    logLoss[i] = y[i] ? Math.log(c) : Math.log(1 - c);
  }
  return { order, starts: Int32Array.from(starts), yInOrder, bin, probability, error, logLoss };
}

/**
 * How many times each lead was drawn in one replicate. Bytes as a rule: a count above 255 needs one lead drawn 256
 * times out of n (odds beyond 1 in 10^500), and at 375k leads a byte per lead stays in the core's cache where four
 * did not (the draws and the gathers were half of the bootstrap's time); a replicate that overflows is counted
 * again in 32-bit integers.
 */
type Counts = Uint8Array | Int32Array;

/** Number of rows in the top `frac` of n, as metrics.ts counts it. */
const topCount = (n: number, frac: number) => Math.min(n, Math.max(1, Math.ceil(frac * n - 1e-9)));

/** Per-replicate buffers of one score, reused across replicates (sized by its leads and tie groups). */
interface Scratch {
  wInOrder: Int32Array;
  groupPos: Float64Array;
  groupNeg: Float64Array;
}

function scratchFor(p: Prepared): Scratch {
  const groups = p.starts.length - 1;
  return {
    wInOrder: new Int32Array(p.order.length),
    groupPos: new Float64Array(groups),
    groupNeg: new Float64Array(groups),
  };
}

/**
 * Every metric of one score on one replicate (weights w: how many times each lead was drawn). The sums
 * run in the same order as the textbook loops, so every value is the same to the last bit; what is
 * saved is work: the weights are gathered into score order once, each tie group is summed once, and
 * logs come from prepare().
 */
function measure(
  p: Prepared,
  y: Uint8Array,
  w: Counts,
  n: number,
  out: Record<IntervalMetric, number[]>,
  scratch: Scratch = scratchFor(p),
): void {
  const { order, starts, yInOrder } = p;
  const { wInOrder, groupPos, groupNeg } = scratch;
  const groups = starts.length - 1;
  let P = 0;
  for (let k = 0; k < order.length; k++) {
    const c = w[order[k]];
    wInOrder[k] = c;
    if (yInOrder[k]) P += c;
  }
  const N = n - P;
  for (let g = 0; g < groups; g++) {
    let pos = 0;
    let neg = 0;
    for (let k = starts[g]; k < starts[g + 1]; k++) {
      if (yInOrder[k]) pos += wInOrder[k];
      else neg += wInOrder[k];
    }
    groupPos[g] = pos;
    groupNeg[g] = neg;
  }
  // AUC (average ranks for ties) walking up from the lowest score; AP walking down from the highest
  let u = 0;
  let negBelow = 0;
  for (let g = groups - 1; g >= 0; g--) {
    u += groupPos[g] * (negBelow + 0.5 * groupNeg[g]);
    negBelow += groupNeg[g];
  }
  out.auc.push(P > 0 && N > 0 ? u / (P * N) : NaN);
  let tp = 0;
  let fp = 0;
  let ap = 0;
  let prevRecall = 0;
  for (let g = 0; g < groups; g++) {
    tp += groupPos[g];
    fp += groupNeg[g];
    if (tp + fp === 0) continue;
    const recall = P > 0 ? tp / P : 0;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
  }
  out.pr_auc.push(P > 0 ? ap : NaN);
  // the top f of the list: whole copies of each lead in order, the boundary lead's copies split
  const fracs = [0.05, 0.1, 0.2] as const;
  const keys = ['5pct', '10pct', '20pct'] as const;
  fracs.forEach((f, t) => {
    const k = topCount(n, f);
    let taken = 0;
    let hits = 0;
    for (let r = 0; r < order.length && taken < k; r++) {
      const c = Math.min(wInOrder[r], k - taken);
      taken += c;
      if (yInOrder[r]) hits += c;
    }
    out[`lift_at_${keys[t]}`].push(P > 0 ? hits / k / (P / n) : NaN);
    out[`gains_at_${keys[t]}`].push(P > 0 ? hits / P : NaN);
  });
  let sq = 0;
  let loss = 0;
  const count = new Float64Array(10);
  const sumP = new Float64Array(10);
  const sumY = new Float64Array(10);
  const { error, logLoss, bin, probability } = p;
  // no skip of undrawn leads (a third of them, at random: a branch mispredicted as often as not); adding 0 leaves
  // every sum as it was, bit for bit
  for (let i = 0; i < w.length; i++) {
    const c = w[i];
    sq += c * error[i] * error[i];
    loss -= c * logLoss[i];
    const b = bin[i];
    count[b] += c;
    sumP[b] += c * probability[i];
    sumY[b] += c * y[i];
  }
  out.brier.push(sq / n);
  out.logloss.push(loss / n);
  let e = 0;
  for (let b = 0; b < 10; b++)
    if (count[b] > 0) e += (count[b] / n) * Math.abs(sumY[b] / count[b] - sumP[b] / count[b]);
  out.ece.push(e);
}

/** Converters among the MQL leads, against as many leads from the top of the predictive score. */
function captureRatio(p: Prepared, y: Uint8Array, mql: ArrayLike<number>, w: Counts): number {
  let leads = 0;
  let converted = 0;
  for (let i = 0; i < w.length; i++) {
    if (!mql[i]) continue;
    leads += w[i];
    converted += w[i] * y[i];
  }
  let taken = 0;
  let top = 0;
  for (let r = 0; r < p.order.length && taken < leads; r++) {
    const i = p.order[r];
    const c = Math.min(w[i], leads - taken);
    taken += c;
    top += c * y[i];
  }
  return converted > 0 ? top / converted : top > 0 ? top : 1;
}

/** Percentile interval of replicate values (NaN replicates, e.g. with no converter drawn, left out). */
function percentileInterval(values: number[], level: number): Interval {
  const v = values.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return [NaN, NaN];
  const q = (f: number) => {
    const pos = (v.length - 1) * f;
    const lo = Math.floor(pos);
    const hi = Math.min(lo + 1, v.length - 1);
    return v[lo] + (v[hi] - v[lo]) * (pos - lo);
  };
  return [q((1 - level) / 2), q(1 - (1 - level) / 2)];
}

/** Every score's metric values (scores in key order) and the capture ratios, one per replicate in replicate order. */
export interface ReplicateValues {
  metrics: Record<IntervalMetric, number[]>[];
  ratios: number[];
}

/**
 * Measure replicates [from, to) of the bootstrap seeded `opts.seed`, as one run of all of them would: replicate b
 * starts b * n draws into the stream. A replicate with a count above byteCap (255, what a byte holds; lower only in
 * tests, to take the other path) is counted in 32 bits.
 */
export function replicateValues(
  y: Uint8Array,
  scores: Record<string, ScoredLeads>,
  opts: Pick<BootstrapOptions, 'seed' | 'mql'>,
  from: number,
  to: number,
  byteCap = 255,
): ReplicateValues {
  const n = y.length;
  const names = Object.keys(scores);
  const check = (what: string, a: ArrayLike<number>) => {
    if (a.length !== n) throw new Error(`bootstrap: ${what} has ${a.length} values for ${n} leads`);
  };
  for (const s of names) {
    check(`score ${s}'s rank`, scores[s].rank);
    check(`score ${s}'s probability`, scores[s].probability);
  }
  if (opts.mql) check('mql', opts.mql);
  const random = mulberry32(opts.seed, from * n);
  const prepared = names.map((s) => prepare(scores[s], y));
  const scratch = prepared.map(scratchFor);
  const metrics = names.map(() => Object.fromEntries(INTERVAL_METRICS.map((m) => [m, [] as number[]])));
  const ratios: number[] = [];
  const predictive = names.indexOf('predictive');
  const bytes = new Uint8Array(n);
  let wide: Int32Array | undefined;
  for (let b = from; b < to; b++) {
    bytes.fill(0);
    let overflow = false;
    for (let k = 0; k < n; k++) {
      const i = Math.floor(random() * n);
      if (++bytes[i] > byteCap) overflow = true; // (the expression is the count before the byte wraps)
    }
    let w: Counts = bytes;
    if (overflow) {
      // the same draws again (replicate b's own stream), counted in 32 bits
      wide ??= new Int32Array(n);
      wide.fill(0);
      const again = mulberry32(opts.seed, b * n);
      for (let k = 0; k < n; k++) wide[Math.floor(again() * n)]++;
      w = wide;
    }
    prepared.forEach((p, s) => measure(p, y, w, n, metrics[s] as Record<IntervalMetric, number[]>, scratch[s]));
    if (opts.mql && predictive >= 0) ratios.push(captureRatio(prepared[predictive], y, opts.mql, w));
  }
  return { metrics: metrics as Record<IntervalMetric, number[]>[], ratios };
}

/** The intervals of all `replicates` replicates' values. */
function intervalsOf(
  names: string[],
  opts: BootstrapOptions,
  replicates: number,
  { metrics, ratios }: ReplicateValues,
): BootstrapIntervals {
  const level = opts.level ?? 0.95;
  const out: BootstrapIntervals = {
    level,
    replicates,
    seed: opts.seed,
    scores: Object.fromEntries(
      names.map((s, k) => [
        s,
        Object.fromEntries(INTERVAL_METRICS.map((m) => [m, percentileInterval(metrics[k][m], level)])) as Record<
          IntervalMetric,
          Interval
        >,
      ]),
    ),
  };
  if (ratios.length) out.capture_ratio = percentileInterval(ratios, level);
  return out;
}

/**
 * Bootstrap intervals of every score's metrics on the same replicates; `predictive` (when present) also gives the
 * capture ratio its interval against `mql`.
 */
export function bootstrapIntervals(
  y: Uint8Array,
  scores: Record<string, ScoredLeads>,
  opts: BootstrapOptions,
): BootstrapIntervals {
  const replicates = opts.replicates ?? 500;
  return intervalsOf(Object.keys(scores), opts, replicates, replicateValues(y, scores, opts, 0, replicates));
}

/** Options of bootstrapIntervalsParallel. */
export interface ParallelBootstrapOptions extends BootstrapOptions {
  /** worker threads (default: the cores available, at most 4); below 2, the replicates run in this thread */
  threads?: number;
  /** least leads x replicates worth starting workers for (default 20M: ~1.5 s in one thread) */
  minWork?: number;
}

/** What a bootstrap worker is asked: the inputs as compact typed arrays, and its range of replicates. */
export interface BootstrapRequest {
  y: Uint8Array;
  scores: Record<string, { rank: Float64Array; probability: Float64Array }>;
  seed: number;
  mql?: Float64Array;
  from: number;
  to: number;
}

/**
 * Below this much work (leads x replicates) a worker's start-up and its own sorts cost about what they save: at 10M,
 * 0.6 s in one thread and 0.7 s in two workers; at 20M, 1.5 s and 1.2 s.
 */
const PARALLEL_MIN_WORK = 20_000_000;

/**
 * bootstrapIntervals with the replicates split across worker threads when the work is big enough; the same intervals
 * to the last bit.
 */
export async function bootstrapIntervalsParallel(
  y: Uint8Array,
  scores: Record<string, ScoredLeads>,
  opts: ParallelBootstrapOptions,
): Promise<BootstrapIntervals> {
  const replicates = opts.replicates ?? 500;
  const threads = Math.floor(Math.min(opts.threads ?? Math.min(4, os.availableParallelism()), replicates));
  if (!(threads >= 2) || y.length * replicates < (opts.minWork ?? PARALLEL_MIN_WORK))
    return bootstrapIntervals(y, scores, opts);
  // copies: compact buffers (a view would send its whole buffer) that clone fast
  const inputs = {
    y: Uint8Array.from(y),
    scores: Object.fromEntries(
      Object.entries(scores).map(([s, v]) => [
        s,
        { rank: Float64Array.from(v.rank), probability: Float64Array.from(v.probability) },
      ]),
    ),
    seed: opts.seed,
    ...(opts.mql ? { mql: Float64Array.from(opts.mql) } : {}),
  };
  const ranges = Array.from({ length: threads }, (_, k) => [
    Math.floor((k * replicates) / threads),
    Math.floor(((k + 1) * replicates) / threads),
  ]);
  const parts = await inWorkers(ranges.map(([from, to]) => ({ ...inputs, from, to })));
  const names = Object.keys(scores);
  const merged: ReplicateValues = {
    metrics: names.map(
      (_, s) =>
        Object.fromEntries(INTERVAL_METRICS.map((m) => [m, parts.flatMap((p) => p.metrics[s][m])])) as Record<
          IntervalMetric,
          number[]
        >,
    ),
    ratios: parts.flatMap((p) => p.ratios),
  };
  return intervalsOf(names, opts, replicates, merged);
}

/** One worker per request, answers in request order; every worker is stopped however it ends. */
async function inWorkers(requests: BootstrapRequest[]): Promise<ReplicateValues[]> {
  const workers: Worker[] = [];
  // each worker starts inside its promise: one that fails to start rejects like any other failure
  const answer = (request: BootstrapRequest) =>
    new Promise<ReplicateValues>((resolve, reject) => {
      const worker = startWorker(new URL('./bootstrap-worker.ts', import.meta.url));
      workers.push(worker);
      worker.once('message', resolve);
      worker.on('error', (err) => reject(new Error(`bootstrap worker failed: ${err.message}`, { cause: err })));
      worker.once('exit', (code) => reject(new Error(`bootstrap worker exited (code ${code}) before it answered`)));
      worker.postMessage(request);
    });
  try {
    return await Promise.all(requests.map(answer));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** True when two intervals share any value: the data cannot tell the two apart at this level. */
export function overlaps(a: Interval, b: Interval): boolean {
  return !(a[0] > b[1] || b[0] > a[1]);
}

/** Every interval metric of one score with lead i counted w[i] times (one replicate; exposed for tests). */
export function weightedMetrics(y: Uint8Array, s: ScoredLeads, w: Int32Array): Record<IntervalMetric, number> {
  let n = 0;
  for (let i = 0; i < w.length; i++) n += w[i];
  const out = Object.fromEntries(INTERVAL_METRICS.map((m) => [m, [] as number[]])) as Record<IntervalMetric, number[]>;
  measure(prepare(s, y), y, w, n, out);
  return Object.fromEntries(INTERVAL_METRICS.map((m) => [m, out[m][0]])) as Record<IntervalMetric, number>;
}
