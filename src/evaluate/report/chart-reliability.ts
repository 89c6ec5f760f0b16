/** The reliability diagram: predicted probability against observed conversion, per tenth of the leads. */
import type { TopLevelSpec } from 'vega-lite';
import { CONFIG, SOURCE_ORDER, type ChartSpec } from './chart-config.ts';
import { referenceLine, seriesScales, type Series } from './chart-lines.ts';
import { SOURCES } from './palette.ts';
import type { ComparisonResult } from './types.ts';

/** The top of a reliability diagram's axes: the highest rate or prediction shown, rounded up to a readable step. */
function reliabilityTop(r: ComparisonResult): number {
  let max = 0;
  for (const s of SOURCE_ORDER)
    for (const b of r.curves.reliability[s]) max = Math.max(max, b.mean_predicted, b.observed_rate);
  const step = max <= 0.1 ? 0.01 : max <= 0.3 ? 0.05 : 0.1;
  return Math.min(1, Math.max(step, Math.ceil((max * 1.15) / step) * step));
}

/** Calibration of both scores: bins with intervals and counts, against the diagonal of perfect calibration. */
export function reliabilityChart(r: ComparisonResult): ChartSpec {
  const top = reliabilityTop(r);
  const points = SOURCE_ORDER.flatMap((s) =>
    r.curves.reliability[s].map((b) => ({
      series: SOURCES[s].label,
      dot: SOURCES[s].label,
      x: b.mean_predicted,
      y: b.observed_rate,
      lower: b.lower ?? b.observed_rate,
      upper: b.upper ?? b.observed_rate,
      count: b.count,
      label: b.count.toLocaleString('en-US'),
    })),
  );
  const diagonal = [
    { series: 'Perfect calibration', x: 0, y: 0 },
    { series: 'Perfect calibration', x: top, y: top },
  ];
  const series: Series[] = [
    ...SOURCE_ORDER.map((s) => ({ name: SOURCES[s].label, color: SOURCES[s].color, dash: [1, 0], points: [] })),
    { ...referenceLine('Perfect calibration'), points: [] },
  ];
  const format = top <= 0.1 ? '.1%' : '.0%';
  // low rates crowd the corner: a square-root scale spreads them out and keeps the diagonal straight
  const scale = { domain: [0, top], ...(top <= 0.3 ? { type: 'sqrt' } : {}) };
  const axis = (title: string) => ({ type: 'quantitative', title, scale, axis: { format, tickCount: 6 } });
  const x = { field: 'x', ...axis('Mean predicted probability') };
  const y = { field: 'y', ...axis('Observed conversion rate') };
  const scales = seriesScales(series);
  const spec = {
    width: 300,
    height: 300,
    layer: [
      // one line per score through its bins (every bin holds a tenth of the leads: none is empty) and the diagonal
      {
        data: { values: [...points, ...diagonal] },
        mark: { type: 'line', strokeWidth: 2, clip: true },
        encoding: { x, y, ...scales },
      },
      {
        data: { values: points },
        mark: { type: 'rule', strokeWidth: 1.5, opacity: 0.6, clip: true },
        encoding: {
          x,
          y: { ...y, field: 'lower' },
          y2: { field: 'upper' },
          stroke: { ...scales.color, field: 'dot', legend: null },
        },
      },
      {
        data: { values: points },
        mark: { type: 'circle', opacity: 0.9, clip: true },
        encoding: {
          x,
          y,
          fill: { ...scales.color, field: 'dot', legend: null },
          size: { field: 'count', type: 'quantitative', legend: null, scale: { range: [30, 200] } },
        },
      },
      {
        data: { values: points },
        mark: { type: 'text', dx: 7, dy: -7, align: 'left', fontSize: 9, clip: true },
        encoding: { x, y, text: { field: 'label' }, fill: { ...scales.color, field: 'dot', legend: null } },
      },
    ],
    config: CONFIG,
  } as TopLevelSpec;
  return {
    id: 'reliability',
    title: 'Reliability diagram',
    caption:
      'Leads in ten equal groups by predicted probability: the mean prediction of each group (right) against how ' +
      'many of it converted (up), with a 95% interval and the number of leads. The axes cover the range the ' +
      'predictions take (on a square-root scale when they are all low). On the dashed diagonal, a score of 3 ' +
      'means 3 in 100 convert.',
    spec,
  };
}
