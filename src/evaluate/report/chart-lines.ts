/** Line charts of the report: ROC and cumulative gains, and the line-chart pieces the reliability diagram reuses. */
import type { TopLevelSpec } from 'vega-lite';
import { CONFIG, SOURCE_ORDER, type ChartSpec } from './chart-config.ts';
import { formatMetric } from './format.ts';
import { REFERENCE, SOURCES } from './palette.ts';
import type { ComparisonResult } from './types.ts';

/** One named line of a line chart: its colour, dash pattern and points. */
export interface Series {
  name: string;
  color: string;
  dash: number[];
  points: { x: number; y: number; count?: number }[];
}

/** Colour/dash scales shared by the line charts: legend shows every series in the given order. */
export function seriesScales(series: Series[]) {
  const domain = series.map((s) => s.name);
  return {
    color: {
      field: 'series',
      type: 'nominal',
      title: null,
      scale: { domain, range: series.map((s) => s.color) },
      legend: { direction: 'vertical' },
    },
    // Same field and domain as colour, so Vega-Lite merges both into one legend showing dashed references.
    strokeDash: { field: 'series', type: 'nominal', title: null, scale: { domain, range: series.map((s) => s.dash) } },
  } as const;
}

/** A square line chart of series on [0,1] axes, optionally with dots sized by each point's count. */
function lineChart(opts: {
  xTitle: string;
  yTitle: string;
  series: Series[];
  points?: boolean;
  format?: string;
}): TopLevelSpec {
  // `dot` duplicates `series` so the dots get their own legend-less colour scale (same field would merge legends).
  const values = opts.series.flatMap((s) => s.points.map((p) => ({ series: s.name, dot: s.name, ...p })));
  const axisFormat = opts.format ?? '.0%';
  const encoding = {
    x: {
      field: 'x',
      type: 'quantitative',
      title: opts.xTitle,
      scale: { domain: [0, 1] },
      axis: { format: axisFormat },
    },
    y: {
      field: 'y',
      type: 'quantitative',
      title: opts.yTitle,
      scale: { domain: [0, 1] },
      axis: { format: axisFormat },
    },
    ...seriesScales(opts.series),
  };
  const layers: object[] = [{ mark: { type: 'line', strokeWidth: 2.5, clip: true }, encoding }];
  if (opts.points) {
    layers.push({
      // Only the score series carry counts; reference lines get no dots.
      transform: [{ filter: 'isValid(datum.count)' }],
      mark: { type: 'circle', opacity: 0.85, clip: true },
      encoding: {
        x: encoding.x,
        y: encoding.y,
        fill: { ...encoding.color, field: 'dot', legend: null },
        // Size says how much each bin counts; the caption explains it, a second legend would squeeze the plot.
        size: { field: 'count', type: 'quantitative', legend: null, scale: { range: [20, 260] } },
      },
    });
  }
  return { width: 300, height: 300, data: { values }, layer: layers, config: CONFIG } as TopLevelSpec;
}

/** A dashed reference diagonal from (0,0) to (1,1). */
export const referenceLine = (name: string): Series => ({
  name,
  color: REFERENCE.color,
  dash: REFERENCE.dash,
  points: [
    { x: 0, y: 0 },
    { x: 1, y: 1 },
  ],
});

/** ROC curves of both scores against random ranking. */
export function rocChart(r: ComparisonResult): ChartSpec {
  const series: Series[] = SOURCE_ORDER.map((s) => ({
    name: `${SOURCES[s].label}, AUC ${formatMetric(r.metrics[s].auc)}`,
    color: SOURCES[s].color,
    dash: [1, 0],
    points: r.curves.roc[s].map((p) => ({ x: p.fpr, y: p.tpr })),
  }));
  return {
    id: 'roc',
    title: 'ROC curves',
    caption:
      'Share of converters found (up) against share of non-converters wrongly flagged (right) as the threshold ' +
      'drops. Higher and further left is better; the dashed line is random ranking.',
    spec: lineChart({
      xTitle: 'False positive rate',
      yTitle: 'True positive rate',
      series: [...series, referenceLine('Random')],
    }),
  };
}

/** Cumulative gains of both scores against calling leads at random. */
export function gainsChart(r: ComparisonResult): ChartSpec {
  const series: Series[] = SOURCE_ORDER.map((s) => ({
    name: SOURCES[s].label,
    color: SOURCES[s].color,
    dash: [1, 0],
    points: r.curves.gains[s].map((p) => ({ x: p.fraction, y: p.captured })),
  }));
  return {
    id: 'gains',
    title: 'Cumulative gains',
    caption:
      'Work down each list from the top: share of all converters found (up) after contacting a share of the leads ' +
      '(right). The dashed line is calling leads at random.',
    spec: lineChart({
      xTitle: 'Share of leads contacted, best first',
      yTitle: 'Share of converters found',
      series: [...series, referenceLine('Random')],
    }),
  };
}
