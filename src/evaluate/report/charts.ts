/**
 * The report's charts as Vega-Lite specs built from a ComparisonResult, rendered server-side
 * to SVG strings (no browser, no canvas) so the HTML carries them inline.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { formatMetric } from './format.ts';
import { bandColors, bandOrder, OUTCOMES, REFERENCE, SOURCES } from './palette.ts';
import type { ComparisonResult, ScoreSource } from './types.ts';

/** A chart ready to inline: `id` names its container, `svg` is the drawing. */
export interface RenderedChart {
  id: string;
  title: string;
  caption: string;
  svg: string;
}

/** A chart before rendering. */
export interface ChartSpec {
  id: string;
  title: string;
  caption: string;
  spec: TopLevelSpec;
}

const SOURCE_ORDER: ScoreSource[] = ['rules', 'predictive']; // same order as the tables
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif';

const CONFIG = {
  font: FONT,
  background: 'white',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 600, gridColor: '#eee' },
  legend: {
    labelFontSize: 12,
    titleFontSize: 12,
    orient: 'bottom',
    direction: 'horizontal',
    labelLimit: 0,
    symbolStrokeWidth: 2.5,
  },
  header: { labelFontSize: 12, labelFontWeight: 600, title: null },
} as const;

/** One named line of a line chart: its colour, dash pattern and points. */
interface Series {
  name: string;
  color: string;
  dash: number[];
  points: { x: number; y: number; count?: number }[];
}

/** Colour/dash scales shared by the line charts: legend shows every series in the given order. */
function seriesScales(series: Series[]) {
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

const referenceLine = (name: string): Series => ({
  name,
  color: REFERENCE.color,
  dash: REFERENCE.dash,
  points: [
    { x: 0, y: 0 },
    { x: 1, y: 1 },
  ],
});

function rocChart(r: ComparisonResult): ChartSpec {
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
      'Share of converters found (up) against share of non-converters wrongly flagged (right) as the threshold drops. Higher and further left is better; the dashed line is random ranking.',
    spec: lineChart({
      xTitle: 'False positive rate',
      yTitle: 'True positive rate',
      series: [...series, referenceLine('Random')],
    }),
  };
}

function gainsChart(r: ComparisonResult): ChartSpec {
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
      'Work down each list from the top: share of all converters found (up) after contacting a share of the leads (right). The dashed line is calling leads at random.',
    spec: lineChart({
      xTitle: 'Share of leads contacted, best first',
      yTitle: 'Share of converters found',
      series: [...series, referenceLine('Random')],
    }),
  };
}

/** The top of a reliability diagram's axes: the highest rate or prediction shown, rounded up to a readable step. */
function reliabilityTop(r: ComparisonResult): number {
  let max = 0;
  for (const s of SOURCE_ORDER)
    for (const b of r.curves.reliability[s]) max = Math.max(max, b.mean_predicted, b.observed_rate);
  const step = max <= 0.1 ? 0.01 : max <= 0.3 ? 0.05 : 0.1;
  return Math.min(1, Math.max(step, Math.ceil((max * 1.15) / step) * step));
}

function reliabilityChart(r: ComparisonResult): ChartSpec {
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

function distributionChart(r: ComparisonResult): ChartSpec {
  // Share within each (score, outcome) so the small converted group is as visible as the large rest.
  const totals = new Map<string, number>();
  for (const h of r.curves.score_histogram)
    totals.set(`${h.source}|${h.outcome}`, (totals.get(`${h.source}|${h.outcome}`) ?? 0) + h.count);
  const values = r.curves.score_histogram.map((h) => ({
    score: SOURCES[h.source].label,
    outcome: h.outcome,
    bucket: `${h.bucket}–${h.bucket === 90 ? 100 : h.bucket + 9}`,
    bucket_start: h.bucket,
    share: h.count / Math.max(1, totals.get(`${h.source}|${h.outcome}`) ?? 0),
    count: h.count,
  }));
  const buckets = Array.from({ length: 10 }, (_, i) => `${i * 10}–${i === 9 ? 100 : i * 10 + 9}`);
  const outcomes = Object.keys(OUTCOMES);
  return {
    id: 'distribution',
    title: 'Score distributions by outcome',
    caption:
      'For each score, how converters (green) and non-converters (grey) spread over 10-point score buckets. The less the two overlap, the better the score separates them.',
    spec: {
      data: { values },
      facet: { column: { field: 'score', type: 'nominal', sort: SOURCE_ORDER.map((s) => SOURCES[s].label) } },
      spec: {
        width: 330,
        height: 220,
        mark: { type: 'bar' },
        encoding: {
          x: { field: 'bucket', type: 'ordinal', sort: buckets, title: 'Score (0–100)', axis: { labelAngle: -45 } },
          xOffset: { field: 'outcome', type: 'nominal', sort: outcomes },
          y: {
            field: 'share',
            type: 'quantitative',
            title: 'Share of leads with that outcome',
            axis: { format: '.0%' },
          },
          color: {
            field: 'outcome',
            type: 'nominal',
            title: null,
            scale: { domain: outcomes, range: Object.values(OUTCOMES) },
          },
        },
      },
      config: CONFIG,
    } as TopLevelSpec,
  };
}

function bandChart(r: ComparisonResult): ChartSpec {
  const colors = new Map([...bandColors(r, 'rules'), ...bandColors(r, 'predictive')]);
  const values = r.bands.map((b) => ({ score: SOURCES[b.source].label, band: b.band, rate: b.rate, leads: b.leads }));
  const order = [...new Set([...bandOrder(r, 'predictive'), ...bandOrder(r, 'rules')])];
  return {
    id: 'bands',
    title: 'Conversion rate by band',
    caption:
      'Share of leads in each band that converted. A useful banding converts far more in its hot band than in its cold one.',
    spec: {
      data: { values },
      facet: { column: { field: 'score', type: 'nominal', sort: SOURCE_ORDER.map((s) => SOURCES[s].label) } },
      resolve: { scale: { x: 'independent' } },
      spec: {
        width: 240,
        height: 200,
        layer: [
          {
            mark: { type: 'bar' },
            encoding: {
              x: { field: 'band', type: 'nominal', sort: order, title: 'Band', axis: { labelAngle: 0 } },
              y: { field: 'rate', type: 'quantitative', title: 'Conversion rate', axis: { format: '.0%' } },
              color: {
                field: 'band',
                type: 'nominal',
                legend: null,
                scale: { domain: [...colors.keys()], range: [...colors.values()] },
              },
            },
          },
          {
            mark: { type: 'text', dy: -7, fontSize: 11 },
            encoding: {
              x: { field: 'band', type: 'nominal', sort: order },
              y: { field: 'rate', type: 'quantitative' },
              text: { field: 'rate', type: 'quantitative', format: '.1%' },
            },
          },
        ],
      },
      config: CONFIG,
    } as TopLevelSpec,
  };
}

function heatmapChart(r: ComparisonResult): ChartSpec {
  const ruleOrder = bandOrder(r, 'rules');
  const predictiveOrder = bandOrder(r, 'predictive');
  const values = r.agreement.map((c) => ({ ...c, label_leads: `${c.leads.toLocaleString('en-US')} leads` }));
  const x = {
    field: 'predictive_band',
    type: 'nominal',
    sort: predictiveOrder,
    title: 'Predictive band',
    axis: { labelAngle: 0, orient: 'top' },
  };
  const y = { field: 'rule_band', type: 'nominal', sort: ruleOrder, title: 'Rule band' };
  // Dark cells get white text; the threshold sits at 60% of the highest rate on the colour scale.
  const maxRate = Math.max(0.0001, ...r.agreement.map((c) => c.rate));
  const textColor = { condition: { test: `datum.rate > ${0.6 * maxRate}`, value: 'white' }, value: '#222' };
  return {
    id: 'agreement',
    title: 'Where the scores agree',
    caption:
      'Each cell: leads the rules put in one band (row) and the predictive score in another (column), and how many of them converted. The diagonal is agreement; off-diagonal cells are where one score is wrong.',
    spec: {
      width: Math.max(240, 110 * predictiveOrder.length),
      height: Math.max(180, 70 * ruleOrder.length),
      data: { values },
      encoding: { x, y },
      layer: [
        {
          mark: { type: 'rect', stroke: 'white', strokeWidth: 2 },
          encoding: {
            color: {
              field: 'rate',
              type: 'quantitative',
              title: 'Conversion rate',
              scale: { scheme: 'orangered', domainMin: 0 },
              legend: { format: '.0%', orient: 'right', direction: 'vertical' },
            },
          },
        },
        {
          mark: { type: 'text', dy: -8, fontSize: 12, fontWeight: 600 },
          encoding: { text: { field: 'label_leads' }, color: textColor },
        },
        {
          mark: { type: 'text', dy: 9, fontSize: 12 },
          encoding: { text: { field: 'rate', type: 'quantitative', format: '.1%' }, color: textColor },
        },
      ],
      config: CONFIG,
    } as TopLevelSpec,
  };
}

/** The report's chart specs, in page order. */
export function chartSpecs(result: ComparisonResult): ChartSpec[] {
  return [
    rocChart(result),
    gainsChart(result),
    reliabilityChart(result),
    distributionChart(result),
    bandChart(result),
    heatmapChart(result),
  ];
}

/** Render one Vega-Lite spec to an SVG string, headless. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Render every chart of the report. */
export async function renderCharts(result: ComparisonResult): Promise<RenderedChart[]> {
  return Promise.all(
    chartSpecs(result).map(async (c) => ({
      id: c.id,
      title: c.title,
      caption: c.caption,
      svg: await renderSvg(c.spec),
    })),
  );
}
