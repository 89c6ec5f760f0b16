/**
 * The metrics table: each metric of both scores side by side, with its interval and the winner marked. A row has a
 * winner only when the difference shows: intervals apart, else (AUCs) the summary's verdict, else the displayed values.
 */
import { formatLift, formatMetric, formatPercent } from './format.ts';
import { escapeHtml, metricSpan, sourceChip } from './markup.ts';
import { intervalOf, verdict } from './summary.ts';
import type { ComparisonResult, MetricSet, ScoreSource } from './types.ts';

type Direction = 'higher' | 'lower';
interface MetricRow {
  key: keyof MetricSet;
  label: string;
  help: string;
  better: Direction;
  format: (x: number) => string;
}

const METRIC_ROWS: MetricRow[] = [
  {
    key: 'auc',
    label: 'ROC AUC',
    help: 'chance a random converter outranks a random non-converter',
    better: 'higher',
    format: formatMetric,
  },
  {
    key: 'pr_auc',
    label: 'PR AUC',
    help: 'average precision over all thresholds',
    better: 'higher',
    format: formatMetric,
  },
  {
    key: 'brier',
    label: 'Brier score',
    help: 'mean squared error of the probability',
    better: 'lower',
    format: formatMetric,
  },
  { key: 'logloss', label: 'Log loss', help: 'penalises confident mistakes', better: 'lower', format: formatMetric },
  {
    key: 'ece',
    label: 'Expected calibration error',
    help: 'gap between predicted and observed rates',
    better: 'lower',
    format: formatMetric,
  },
  {
    key: 'lift_at_5pct',
    label: 'Lift at top 5%',
    help: 'conversion in the top 5% / overall conversion',
    better: 'higher',
    format: formatLift,
  },
  {
    key: 'lift_at_10pct',
    label: 'Lift at top 10%',
    help: 'conversion in the top 10% / overall conversion',
    better: 'higher',
    format: formatLift,
  },
  {
    key: 'lift_at_20pct',
    label: 'Lift at top 20%',
    help: 'conversion in the top 20% / overall conversion',
    better: 'higher',
    format: formatLift,
  },
  {
    key: 'gains_at_5pct',
    label: 'Converters in top 5%',
    help: 'share of all converters found there',
    better: 'higher',
    format: formatPercent,
  },
  {
    key: 'gains_at_10pct',
    label: 'Converters in top 10%',
    help: 'share of all converters found there',
    better: 'higher',
    format: formatPercent,
  },
  {
    key: 'gains_at_20pct',
    label: 'Converters in top 20%',
    help: 'share of all converters found there',
    better: 'higher',
    format: formatPercent,
  },
];

const SOURCE_ORDER: ScoreSource[] = ['rules', 'predictive'];

/** Which score wins a metric, or null on a tie (as displayed: equal formatted values are a tie). */
export function betterSource(
  row: Pick<MetricRow, 'better' | 'format'>,
  rules: number,
  predictive: number,
): ScoreSource | null {
  if (row.format(rules) === row.format(predictive)) return null;
  const predictiveWins = row.better === 'higher' ? predictive > rules : predictive < rules;
  return predictiveWins ? 'predictive' : 'rules';
}

/** The winner of a table row: where the metric has intervals, only when they do not overlap. */
function rowWinner(r: ComparisonResult, row: MetricRow): ScoreSource | null {
  const a = intervalOf(r, 'predictive', row.key);
  const b = intervalOf(r, 'rules', row.key);
  if (a && b) {
    if (!(a[0] > b[1] || b[0] > a[1])) return null;
    const predictiveHigher = a[0] > b[1];
    return predictiveHigher === (row.better === 'higher') ? 'predictive' : 'rules';
  }
  if (row.key === 'auc' || row.key === 'pr_auc') {
    const v = verdict(r, row.key);
    return v === 'same' ? null : v;
  }
  return betterSource(row, r.metrics.rules[row.key], r.metrics.predictive[row.key]);
}

/** The metrics table: one row per metric, the winning score's cell marked, intervals where known. */
export function metricsTable(r: ComparisonResult): string {
  const rows = METRIC_ROWS.map((row) => {
    const values = { rules: r.metrics.rules[row.key], predictive: r.metrics.predictive[row.key] };
    const winner = rowWinner(r, row);
    const cells = SOURCE_ORDER.map((s) => {
      const cls = winner === s ? ' class="num better" data-better="true"' : ' class="num"';
      const ci = intervalOf(r, s, row.key);
      const interval = ci
        ? `<small class="ci">${escapeHtml(row.format(ci[0]))}–${escapeHtml(row.format(ci[1]))}</small>`
        : '';
      return `<td${cls}>${metricSpan(`metrics.${s}.${row.key}`, row.format(values[s]))}${interval}</td>`;
    }).join('');
    const label = `${escapeHtml(row.label)}<small>${escapeHtml(row.help)} (${row.better} is better)</small>`;
    return `<tr data-row="${row.key}"><th scope="row">${label}</th>${cells}</tr>`;
  }).join('\n');
  const head = SOURCE_ORDER.map((s) => `<th class="num">${sourceChip(s)}</th>`).join('');
  return `<table class="metrics"><thead><tr><th>Metric</th>${head}</tr></thead><tbody>\n${rows}\n</tbody></table>`;
}
