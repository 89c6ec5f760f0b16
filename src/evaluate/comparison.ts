/**
 * The maths of a rules-vs-predictive comparison on the same leads: metrics per scorer, curves, band
 * and agreement tables, capture at equal effort, and which leads the two scores disagree on most.
 * No I/O: the compare pipeline reads the warehouse, this turns arrays into the report's numbers.
 */
import type { ComparisonResult, DisagreementDirection } from './report/index.ts';
import {
  averageRanks,
  brier,
  cumulativeGains,
  ece,
  liftAt,
  logLoss,
  orderByScoreDesc,
  prAuc,
  rocAuc,
  rocCurve,
} from './metrics.ts';

/**
 * Every metric of one score; `order` is orderByScoreDesc(rank) when the caller has it (the rank metrics share one
 * sort: at 375k leads each of eight sorts cost about 0.1 s).
 */
export function metricSet(
  y: Uint8Array,
  p: Float64Array,
  rank: Float64Array,
  order: Int32Array = orderByScoreDesc(rank),
): ComparisonResult['metrics']['rules'] {
  const g = cumulativeGains(y, rank, 100, order);
  const gains = (f: number) => g.gain[g.fraction.findIndex((x) => x >= f - 1e-9)];
  return {
    auc: rocAuc(y, rank, order),
    pr_auc: prAuc(y, rank, order),
    brier: brier(y, p),
    logloss: logLoss(y, p),
    ece: ece(y, p),
    lift_at_5pct: liftAt(y, rank, 0.05, order),
    lift_at_10pct: liftAt(y, rank, 0.1, order),
    lift_at_20pct: liftAt(y, rank, 0.2, order),
    gains_at_5pct: gains(0.05),
    gains_at_10pct: gains(0.1),
    gains_at_20pct: gains(0.2),
  };
}

/** The ROC curve in at most 200 points; `order` as metricSet's. */
export function rocPoints(y: Uint8Array, p: Float64Array, order?: Int32Array): { fpr: number; tpr: number }[] {
  const c = rocCurve(y, p, 200, order);
  return c.fpr.map((fpr, i) => ({ fpr, tpr: c.tpr[i] }));
}

/** Cumulative gains at every 5% of the leads; `order` as metricSet's. */
export function gainsPoints(
  y: Uint8Array,
  p: Float64Array,
  order?: Int32Array,
): { fraction: number; captured: number }[] {
  const g = cumulativeGains(y, p, 20, order);
  return g.fraction.map((fraction, i) => ({ fraction, captured: g.gain[i] }));
}

/**
 * Reliability bins on the range the predictions cover: up to `bins` equal-count bins (by the predictions' quantiles,
 * ties kept together), each with its mean prediction, observed rate, count and a 95% Wilson interval of the rate.
 * Equal-width bins on [0, 1] put every lead of a low base rate into the first bin; these never hold a handful.
 */
export function reliabilityPoints(
  y: Uint8Array,
  p: Float64Array,
  bins = 10,
): ComparisonResult['curves']['reliability']['rules'] {
  const n = p.length;
  const order = Array.from(p.keys()).sort((a, b) => p[a] - p[b] || a - b);
  const out: ComparisonResult['curves']['reliability']['rules'] = [];
  let start = 0;
  for (let b = 0; b < bins && start < n; b++) {
    // an equal share of the rows left, so a large tie in one bin does not leave the next ones a handful each
    let end = b === bins - 1 ? n : start + Math.max(1, Math.round((n - start) / (bins - b)));
    while (end < n && p[order[end]] === p[order[end - 1]]) end++; // a tie never straddles two bins
    let sumP = 0;
    let hits = 0;
    for (let k = start; k < end; k++) {
      sumP += p[order[k]];
      hits += y[order[k]];
    }
    const count = end - start;
    const [lower, upper] = wilson(hits, count);
    out.push({ bin: out.length, mean_predicted: sumP / count, observed_rate: hits / count, count, lower, upper });
    start = end;
  }
  return out;
}

/** 95% Wilson score interval of a rate of `hits` in `n`. */
export function wilson(hits: number, n: number, z = 1.959964): [number, number] {
  if (n === 0) return [0, 1];
  const q = hits / n;
  const d = 1 + (z * z) / n;
  const centre = (q + (z * z) / (2 * n)) / d;
  const half = (z * Math.sqrt((q * (1 - q)) / n + (z * z) / (4 * n * n))) / d;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

export function histogram(
  source: 'rules' | 'predictive',
  y: Uint8Array,
  scores: number[],
): ComparisonResult['curves']['score_histogram'] {
  const counts = new Map<string, number>();
  scores.forEach((s, i) => {
    const bucket = Math.min(90, Math.floor(Math.max(0, s) / 10) * 10);
    const key = `${y[i] ? 'converted' : 'not converted'}|${bucket}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  });
  return [...counts]
    .map(([k, count]) => {
      const [outcome, bucket] = k.split('|');
      return { source, outcome: outcome as 'converted' | 'not converted', bucket: Number(bucket), count };
    })
    .sort((a, b) => a.bucket - b.bucket || a.outcome.localeCompare(b.outcome));
}

export function bandRows(
  source: 'rules' | 'predictive',
  band: string[],
  y: Uint8Array,
  order: string[],
): ComparisonResult['bands'] {
  const seen = [...new Set(band)];
  const ordered = [...order.filter((b) => seen.includes(b)), ...seen.filter((b) => !order.includes(b)).sort()];
  return ordered.map((b) => {
    let leads = 0;
    let converted = 0;
    band.forEach((x, i) => {
      if (x === b) {
        leads++;
        converted += y[i];
      }
    });
    return { source, band: b, leads, converted, rate: leads ? converted / leads : 0 };
  });
}

export function agreementCells(
  ruleBand: string[],
  predBand: string[],
  y: Uint8Array,
  ruleOrder: string[],
  predOrder: string[],
): ComparisonResult['agreement'] {
  const cells = new Map<string, { leads: number; converted: number }>();
  ruleBand.forEach((rb, i) => {
    const k = `${rb}\u0000${predBand[i]}`;
    const c = cells.get(k) ?? { leads: 0, converted: 0 };
    c.leads++;
    c.converted += y[i];
    cells.set(k, c);
  });
  const rank = (order: string[], b: string) => (order.includes(b) ? order.indexOf(b) : order.length);
  return [...cells]
    .map(([k, c]) => {
      const [rule_band, predictive_band] = k.split('\u0000');
      return { rule_band, predictive_band, leads: c.leads, converted: c.converted, rate: c.converted / c.leads };
    })
    .sort(
      (a, b) =>
        rank(ruleOrder, a.rule_band) - rank(ruleOrder, b.rule_band) ||
        rank(predOrder, a.predictive_band) - rank(predOrder, b.predictive_band),
    );
}

/** Of the leads the rules call MQL, how many convert, versus as many leads from the top of the predictive score. */
export function captureAtEqualEffort(
  y: Uint8Array,
  mql: number[],
  pred: Float64Array,
  order: Int32Array = orderByScoreDesc(pred),
): ComparisonResult['capture'] {
  let mqlLeads = 0;
  let mqlConverted = 0;
  mql.forEach((m, i) => {
    if (m) {
      mqlLeads++;
      mqlConverted += y[i];
    }
  });
  let top = 0;
  for (let k = 0; k < mqlLeads; k++) top += y[order[k]];
  return {
    mql_leads: mqlLeads,
    mql_converted: mqlConverted,
    top_predictive_converted: top,
    ratio: mqlConverted > 0 ? top / mqlConverted : top > 0 ? top : 1,
  };
}

/** Percentile rank (0-1) of each value within the array; ties share their average rank. */
export function rankPct(v: ArrayLike<number>, desc?: Int32Array): Float64Array {
  const ranks = averageRanks(v, desc); // 1-based
  return ranks.map((r) => (v.length > 1 ? (r - 1) / (v.length - 1) : 0.5));
}

export function firedWords(json: string): string[] {
  try {
    const list = JSON.parse(json) as { rule: string; points: number }[];
    if (!Array.isArray(list) || list.length === 0) return ['no rule fired'];
    return list
      .slice()
      .sort((a, b) => Math.abs(b.points) - Math.abs(a.points))
      .slice(0, 5)
      .map((f) => `${f.points >= 0 ? '+' : ''}${Math.round(f.points * 10) / 10} ${f.rule}`);
  } catch {
    return [];
  }
}

/** How hot a band is on a common scale: 0 the hottest band, 1 the next, 2 every colder one (and unknown ones). */
function heat(band: string, order: string[]): number {
  const k = order.indexOf(band);
  return k < 0 ? 2 : Math.min(k, 2);
}

/**
 * The direction each lead's two scores disagree in: `rules_higher` when the rules put it in one of their two
 * hottest bands and the model in neither of its (and the reverse for `model_higher`); null when they agree.
 */
export function disagreementDirections(
  ruleBand: string[],
  predBand: string[],
  ruleOrder: string[],
  predOrder: string[],
): (DisagreementDirection | null)[] {
  return ruleBand.map((rb, i) => {
    const r = heat(rb, ruleOrder);
    const m = heat(predBand[i], predOrder);
    return r <= 1 && m === 2 ? 'rules_higher' : m <= 1 && r === 2 ? 'model_higher' : null;
  });
}

/** Every lead of each direction of disagreement: how many, and how many converted. */
export function disagreementGroups(
  directions: (DisagreementDirection | null)[],
  y: Uint8Array,
): NonNullable<ComparisonResult['disagreement_groups']> {
  return (['rules_higher', 'model_higher'] as const).map((direction) => {
    let leads = 0;
    let converted = 0;
    directions.forEach((d, i) => {
      if (d !== direction) return;
      leads++;
      converted += y[i];
    });
    return { direction, leads, converted, rate: leads ? converted / leads : 0 };
  });
}

/**
 * Up to k leads (indices) of each direction of disagreement, the widest gaps between the two scores' percentile
 * ranks first: so both directions are shown, whichever has the more extreme leads.
 */
export function mostDisagreedOrder(
  rulesPoints: Float64Array,
  probability: Float64Array,
  directions: (DisagreementDirection | null)[],
  k = 6,
  orders?: { rules: Int32Array; predictive: Int32Array },
): number[] {
  if (k <= 0) return [];
  const rr = rankPct(rulesPoints, orders?.rules);
  const pr = rankPct(probability, orders?.predictive);
  // the k largest gaps each way, ties to the earlier lead: kept in one pass, not by sorting every lead
  const picked: Record<DisagreementDirection, { i: number; gap: number }[]> = { rules_higher: [], model_higher: [] };
  for (let i = 0; i < probability.length; i++) {
    const direction = directions[i];
    if (!direction) continue;
    const top = picked[direction];
    const gap = Math.abs(pr[i] - rr[i]);
    if (top.length === k && !(gap > top[k - 1].gap)) continue;
    let at = top.length;
    while (at > 0 && gap > top[at - 1].gap) at--;
    top.splice(at, 0, { i, gap });
    if (top.length > k) top.pop();
  }
  return [...picked.rules_higher, ...picked.model_higher].map((x) => x.i);
}
