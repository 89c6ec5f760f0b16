/**
 * The plain-language summary at the top of the report, also printed by the CLI.
 * Sentences are built from parts so the HTML can tag every number with where it came from.
 *
 * A sentence calls one score better only when the data can tell: with bootstrap intervals (the result's
 * `intervals`), only when the two scores' intervals do not overlap; without them, only past a 5% gap. Otherwise it
 * says "about the same". Calibration is called honest only out of time, on at least 100 converters, with the whole
 * interval of its error under the line.
 */
import { formatCount, formatMetric, formatPercent, formatRatio } from './format.ts';
import type { ComparisonResult, MetricSet } from './types.ts';

/** One number in a sentence: `metric` is its path in the result JSON (or `derived.*`), `text` how it reads. */
export interface SummaryNumber {
  metric: string;
  value: number;
  text: string;
}

/** One summary sentence: `value` is its headline number; `parts` interleave words and numbers. */
export interface SummarySentence {
  key: string;
  text: string;
  value: number;
  parts: (string | SummaryNumber)[];
}

/** ECE below which we call probabilities honest, and below which roughly right. */
const ECE_HONEST = 0.02;
const ECE_ROUGH = 0.05;
/** Without intervals: ratios within 5% of 1 read as "about the same". */
const SAME_BAND = 0.05;
/** Below this many converters every comparison is noisy: the report says so. */
export const FEW_CONVERTERS = 100;

const num = (metric: string, value: number, format: (x: number) => string): SummaryNumber => ({
  metric,
  value,
  text: format(value),
});

function sentence(key: string, value: number, parts: (string | SummaryNumber)[]): SummarySentence {
  const text = parts.map((p) => (typeof p === 'string' ? p : p.text)).join('');
  return { key, text, value, parts };
}

type Verdict = 'predictive' | 'rules' | 'same';

/** The interval of a score's metric, when the result has one. */
export function intervalOf(
  r: ComparisonResult,
  source: 'rules' | 'predictive',
  metric: string,
): [number, number] | undefined {
  return r.intervals?.[source]?.[metric] as [number, number] | undefined;
}

/** Which score is better on a metric (higher is better): 'same' when their intervals overlap. */
export function verdict(r: ComparisonResult, metric: keyof MetricSet): Verdict {
  const p = r.metrics.predictive[metric];
  const q = r.metrics.rules[metric];
  const a = intervalOf(r, 'predictive', metric);
  const b = intervalOf(r, 'rules', metric);
  if (a && b) {
    if (!(a[0] > b[1] || b[0] > a[1])) return 'same';
    return a[0] > b[1] ? 'predictive' : 'rules';
  }
  if (q === 0) return p === 0 ? 'same' : 'predictive';
  if (Math.abs(p / q - 1) <= SAME_BAND) return 'same';
  return p > q ? 'predictive' : 'rules';
}

/** " (a–b)" for a metric's interval, as its number is formatted (in [] inside brackets); nothing without one. */
function range(
  r: ComparisonResult,
  source: 'rules' | 'predictive',
  metric: string,
  format: (x: number) => string,
  brackets = '()',
) {
  const i = intervalOf(r, source, metric);
  return i ? ` ${brackets[0]}${format(i[0])}–${format(i[1])}${brackets[1]}` : '';
}

/** How many times the predictive score's top-10% converters outnumber the rules' (Infinity if the rules find none). */
export function topTenRatio(r: ComparisonResult): number {
  const rules = r.metrics.rules.gains_at_10pct;
  const predictive = r.metrics.predictive.gains_at_10pct;
  if (rules === 0) return predictive === 0 ? 1 : Infinity;
  return predictive / rules;
}

const inWindow = (r: ComparisonResult) => r.training_overlap?.overlaps === true;

function overview(r: ComparisonResult): SummarySentence {
  const which = inWindow(r)
    ? ` leads open on ${r.as_of}, inside the period the model was fitted on (not a holdout): `
    : r.training_overlap
      ? ` leads open on ${r.as_of}, after everything the model was fitted on: `
      : ` leads as of ${r.as_of}: `;
  return sentence('overview', r.n_leads, [
    'Compared on ',
    num('n_leads', r.n_leads, formatCount),
    which,
    num('n_converted', r.n_converted, formatCount),
    ' (',
    num('base_rate', r.base_rate, formatPercent),
    ') converted within ',
    num('horizon_days', r.horizon_days, formatCount),
    ' days.',
  ]);
}

function caution(r: ComparisonResult): SummarySentence[] {
  if (r.n_converted >= FEW_CONVERTERS) return [];
  return [
    sentence('small_sample', r.n_converted, [
      'Caution: only ',
      num('n_converted', r.n_converted, formatCount),
      ` leads converted (fewer than ${FEW_CONVERTERS}), so every figure here is noisy; read each with its interval.`,
    ]),
  ];
}

function ranking(r: ComparisonResult): SummarySentence {
  const p = r.metrics.predictive.auc;
  const q = r.metrics.rules.auc;
  const v = verdict(r, 'auc');
  const head =
    v === 'predictive'
      ? 'The predictive score ranks leads better overall'
      : v === 'rules'
        ? 'The points score ranks leads better overall'
        : 'The two scores rank leads about the same overall';
  return sentence('ranking', p, [
    `${head}: ROC AUC `,
    num('metrics.predictive.auc', p, formatMetric),
    `${range(r, 'predictive', 'auc', formatMetric)} for the predictive score vs `,
    num('metrics.rules.auc', q, formatMetric),
    `${range(r, 'rules', 'auc', formatMetric)} for the points score (0.5 is a coin toss).`,
  ]);
}

function topOfList(r: ComparisonResult): SummarySentence {
  const p = r.metrics.predictive;
  const q = r.metrics.rules;
  const pr = verdict(r, 'pr_auc');
  const lift = verdict(r, 'lift_at_5pct');
  const lift2 = (x: number) => x.toFixed(1);
  const head =
    pr === lift && pr !== 'same'
      ? `At the top of the list the ${pr === 'predictive' ? 'predictive' : 'points'} score is better`
      : pr === 'same' && lift === 'same'
        ? 'At the top of the list the two scores are about the same'
        : 'At the top of the list neither score is clearly better';
  return sentence('top_of_list', p.lift_at_5pct, [
    `${head}: the top 5% of leads convert `,
    num('metrics.predictive.lift_at_5pct', p.lift_at_5pct, lift2),
    `x${range(r, 'predictive', 'lift_at_5pct', lift2)} the average rate by the predictive score vs `,
    num('metrics.rules.lift_at_5pct', q.lift_at_5pct, lift2),
    `x${range(r, 'rules', 'lift_at_5pct', lift2)} by the points score; PR AUC `,
    num('metrics.predictive.pr_auc', p.pr_auc, formatMetric),
    ' vs ',
    num('metrics.rules.pr_auc', q.pr_auc, formatMetric),
    '.',
  ]);
}

function topTen(r: ComparisonResult): SummarySentence {
  const ratio = topTenRatio(r);
  const ratioNum = num('derived.top10_ratio', ratio, formatRatio);
  const shares = [
    ' (',
    num('metrics.predictive.gains_at_10pct', r.metrics.predictive.gains_at_10pct, formatPercent),
    `${range(r, 'predictive', 'gains_at_10pct', formatPercent, '[]')} of all converters vs `,
    num('metrics.rules.gains_at_10pct', r.metrics.rules.gains_at_10pct, formatPercent),
    `${range(r, 'rules', 'gains_at_10pct', formatPercent, '[]')})`,
  ];
  const v = verdict(r, 'gains_at_10pct');
  if (v === 'same') {
    return sentence('top10_ratio', ratio, [
      'The two scores find about as many converting leads in their top 10%: ',
      ratioNum,
      ...shares,
      '.',
    ]);
  }
  const better = v === 'predictive';
  return sentence('top10_ratio', ratio, [
    better ? 'The predictive score finds ' : 'The predictive score finds only ',
    ratioNum,
    ' as many converting leads in the top 10% as the points score',
    ...shares,
    better ? '.' : ': the points score ranks the top better.',
  ]);
}

function capture(r: ComparisonResult): SummarySentence {
  const c = r.capture;
  const ci = r.intervals?.capture_ratio;
  const tail: (string | SummaryNumber)[] = ci
    ? [
        ` as many; ${ci[0].toFixed(2)}x–${ci[1].toFixed(2)}x with 95% confidence`,
        ci[0] <= 1 && ci[1] >= 1 ? ', so about the same).' : ').',
      ]
    : [' as many).'];
  return sentence('capture', c.ratio, [
    'Of the ',
    num('capture.mql_leads', c.mql_leads, formatCount),
    ' leads the rules call MQL, ',
    num('capture.mql_converted', c.mql_converted, formatCount),
    ' converted; the same number of leads from the top of the predictive score held ',
    num('capture.top_predictive_converted', c.top_predictive_converted, formatCount),
    ' converters (',
    num('capture.ratio', c.ratio, formatRatio),
    ...tail,
  ]);
}

function calibration(r: ComparisonResult): SummarySentence {
  const e = r.metrics.predictive.ece;
  const eceNum = num('metrics.predictive.ece', e, formatMetric);
  const ci = intervalOf(r, 'predictive', 'ece');
  const within = range(r, 'predictive', 'ece', formatMetric);
  if (inWindow(r)) {
    return sentence('calibration', e, [
      'Calibration cannot be judged on these leads: the model was fitted on their period (expected calibration error ',
      eceNum,
      `${within}); compare as of ${r.training_overlap!.fitted_until} or later.`,
    ]);
  }
  if (r.n_converted < FEW_CONVERTERS) {
    return sentence('calibration', e, [
      `Too few converters to judge calibration: expected calibration error `,
      eceNum,
      `${within}.`,
    ]);
  }
  const upper = ci ? ci[1] : e;
  const lower = ci ? ci[0] : e;
  if (upper < ECE_HONEST)
    return sentence('calibration', e, [
      'Predicted probabilities are honest: expected calibration error ',
      eceNum,
      `${within}.`,
    ]);
  if (upper < ECE_ROUGH) {
    return sentence('calibration', e, [
      'Predicted probabilities are roughly right: expected calibration error ',
      eceNum,
      `${within}, under ${ECE_ROUGH}.`,
    ]);
  }
  if (lower < ECE_ROUGH) {
    return sentence('calibration', e, [
      'Predicted probabilities may be off: expected calibration error ',
      eceNum,
      `${within}; check the reliability diagram before reading a score of 37 as "37 in 100 convert".`,
    ]);
  }
  return sentence('calibration', e, [
    'Predicted probabilities are off: expected calibration error ',
    eceNum,
    `${within}; recalibrate before reading a score of 37 as "37 in 100 convert".`,
  ]);
}

/** The report's headline findings as sentences, in reading order. */
export function summarySentences(result: ComparisonResult): SummarySentence[] {
  return [
    overview(result),
    ...caution(result),
    ranking(result),
    topOfList(result),
    topTen(result),
    capture(result),
    calibration(result),
  ];
}
