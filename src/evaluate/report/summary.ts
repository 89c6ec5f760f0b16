/**
 * The plain-language summary at the top of the report, also printed by the CLI.
 * Sentences are built from parts so the HTML can tag every number with where it came from.
 */
import { formatCount, formatMetric, formatPercent, formatRatio } from './format.ts';
import type { ComparisonResult } from './types.ts';

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
/** Ratios within 5% of 1 read as "about the same". */
const SAME_BAND = 0.05;

const num = (metric: string, value: number, format: (x: number) => string): SummaryNumber => ({
  metric,
  value,
  text: format(value),
});

function sentence(key: string, value: number, parts: (string | SummaryNumber)[]): SummarySentence {
  const text = parts.map((p) => (typeof p === 'string' ? p : p.text)).join('');
  return { key, text, value, parts };
}

/** How many times the predictive score's top-10% converters outnumber the rules' (Infinity if the rules find none). */
export function topTenRatio(r: ComparisonResult): number {
  const rules = r.metrics.rules.gains_at_10pct;
  const predictive = r.metrics.predictive.gains_at_10pct;
  if (rules === 0) return predictive === 0 ? 1 : Infinity;
  return predictive / rules;
}

function overview(r: ComparisonResult): SummarySentence {
  return sentence('overview', r.n_leads, [
    'Compared on ',
    num('n_leads', r.n_leads, formatCount),
    ` holdout leads as of ${r.as_of}: `,
    num('n_converted', r.n_converted, formatCount),
    ' (',
    num('base_rate', r.base_rate, formatPercent),
    ') converted within ',
    num('horizon_days', r.horizon_days, formatCount),
    ' days.',
  ]);
}

function topTen(r: ComparisonResult): SummarySentence {
  const ratio = topTenRatio(r);
  const ratioNum = num('derived.top10_ratio', ratio, formatRatio);
  const shares = [
    ' (',
    num('metrics.predictive.gains_at_10pct', r.metrics.predictive.gains_at_10pct, formatPercent),
    ' of all converters vs ',
    num('metrics.rules.gains_at_10pct', r.metrics.rules.gains_at_10pct, formatPercent),
    ')',
  ];
  if (Math.abs(ratio - 1) <= SAME_BAND) {
    return sentence('top10_ratio', ratio, [
      'The two scores find about as many converting leads in the top 10% (',
      ratioNum,
      ')',
      ...shares,
      '.',
    ]);
  }
  const better = ratio > 1;
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
  return sentence('capture', c.ratio, [
    'Of the ',
    num('capture.mql_leads', c.mql_leads, formatCount),
    ' leads the rules call MQL, ',
    num('capture.mql_converted', c.mql_converted, formatCount),
    ' converted; the same number of leads from the top of the predictive score held ',
    num('capture.top_predictive_converted', c.top_predictive_converted, formatCount),
    ' converters (',
    num('capture.ratio', c.ratio, formatRatio),
    ' as many).',
  ]);
}

function ranking(r: ComparisonResult): SummarySentence {
  const p = r.metrics.predictive.auc;
  const q = r.metrics.rules.auc;
  const verdict =
    p > q
      ? 'The predictive score ranks leads better overall'
      : p < q
        ? 'The points score ranks leads better overall'
        : 'Both scores rank leads equally well overall';
  return sentence('ranking', p, [
    `${verdict}: ROC AUC `,
    num('metrics.predictive.auc', p, formatMetric),
    ' for the predictive score vs ',
    num('metrics.rules.auc', q, formatMetric),
    ' for the points score (0.5 is a coin toss).',
  ]);
}

function calibration(r: ComparisonResult): SummarySentence {
  const e = r.metrics.predictive.ece;
  const eceNum = num('metrics.predictive.ece', e, formatMetric);
  if (e < ECE_HONEST)
    return sentence('calibration', e, ['Predicted probabilities are honest: expected calibration error ', eceNum, '.']);
  if (e < ECE_ROUGH) {
    return sentence('calibration', e, [
      'Predicted probabilities are roughly right: expected calibration error ',
      eceNum,
      ` (under ${ECE_ROUGH}).`,
    ]);
  }
  return sentence('calibration', e, [
    'Predicted probabilities are off: expected calibration error ',
    eceNum,
    '; recalibrate before reading a score of 37 as "37 in 100 convert".',
  ]);
}

/** The report's headline findings as sentences, in reading order. */
export function summarySentences(result: ComparisonResult): SummarySentence[] {
  return [overview(result), topTen(result), capture(result), ranking(result), calibration(result)];
}
