/**
 * The maths of a rules-vs-predictive comparison on the same leads: metrics per scorer, curves, band
 * and agreement tables, capture at equal effort, and which leads the two scores disagree on most.
 * No I/O: the compare pipeline reads the warehouse, this turns arrays into the report's numbers.
 */
import type { ComparisonResult } from './report/index.ts';
import {
  averageRanks,
  brier,
  cumulativeGains,
  ece,
  liftAt,
  logLoss,
  prAuc,
  reliabilityBins,
  rocAuc,
  rocCurve,
} from './metrics.ts';

export function metricSet(y: Uint8Array, p: Float64Array, rank: Float64Array): ComparisonResult['metrics']['rules'] {
  const gains = (f: number) => {
    const g = cumulativeGains(y, rank, 100);
    const k = g.fraction.findIndex((x) => x >= f - 1e-9);
    return g.gain[k];
  };
  return {
    auc: rocAuc(y, rank),
    pr_auc: prAuc(y, rank),
    brier: brier(y, p),
    logloss: logLoss(y, p),
    ece: ece(y, p),
    lift_at_5pct: liftAt(y, rank, 0.05),
    lift_at_10pct: liftAt(y, rank, 0.1),
    lift_at_20pct: liftAt(y, rank, 0.2),
    gains_at_5pct: gains(0.05),
    gains_at_10pct: gains(0.1),
    gains_at_20pct: gains(0.2),
  };
}

export function rocPoints(y: Uint8Array, p: Float64Array): { fpr: number; tpr: number }[] {
  const c = rocCurve(y, p, 200);
  return c.fpr.map((fpr, i) => ({ fpr, tpr: c.tpr[i] }));
}

export function gainsPoints(y: Uint8Array, p: Float64Array): { fraction: number; captured: number }[] {
  const g = cumulativeGains(y, p, 20);
  return g.fraction.map((fraction, i) => ({ fraction, captured: g.gain[i] }));
}

export function reliabilityPoints(y: Uint8Array, p: Float64Array): ComparisonResult['curves']['reliability']['rules'] {
  return reliabilityBins(y, p, 10)
    .map((b, bin) => ({ bin, mean_predicted: b.meanPredicted, observed_rate: b.observedRate, count: b.count }))
    .filter((b) => b.count > 0);
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
export function captureAtEqualEffort(y: Uint8Array, mql: number[], pred: Float64Array): ComparisonResult['capture'] {
  let mqlLeads = 0;
  let mqlConverted = 0;
  mql.forEach((m, i) => {
    if (m) {
      mqlLeads++;
      mqlConverted += y[i];
    }
  });
  const order = Array.from(pred.keys()).sort((a, b) => pred[b] - pred[a] || a - b);
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
export function rankPct(v: ArrayLike<number>): Float64Array {
  const ranks = averageRanks(v); // 1-based
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

/** The k leads (indices into the arrays) whose percentile ranks under the two scores differ most. */
export function mostDisagreedOrder(rulesPoints: Float64Array, probability: Float64Array, k = 10): number[] {
  const rr = rankPct(rulesPoints);
  const pr = rankPct(probability);
  return Array.from(probability.keys())
    .sort((a, b) => Math.abs(pr[b] - rr[b]) - Math.abs(pr[a] - rr[a]) || a - b)
    .slice(0, k);
}
