/** Bar charts of the report: score distributions by outcome, and conversion rate by band. */
import type { TopLevelSpec } from 'vega-lite';
import { CONFIG, SOURCE_ORDER, type ChartSpec } from './chart-config.ts';
import { bandColors, bandOrder, OUTCOMES, SOURCES } from './palette.ts';
import type { ComparisonResult } from './types.ts';

/** Each score's distribution over 10-point buckets, converters and the rest side by side. */
export function distributionChart(r: ComparisonResult): ChartSpec {
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
      'For each score, how converters (green) and non-converters (grey) spread over 10-point score buckets. The less ' +
      'the two overlap, the better the score separates them.',
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

/** Each score's conversion rate per band. */
export function bandChart(r: ComparisonResult): ChartSpec {
  const colors = new Map([...bandColors(r, 'rules'), ...bandColors(r, 'predictive')]);
  const values = r.bands.map((b) => ({ score: SOURCES[b.source].label, band: b.band, rate: b.rate, leads: b.leads }));
  const order = [...new Set([...bandOrder(r, 'predictive'), ...bandOrder(r, 'rules')])];
  return {
    id: 'bands',
    title: 'Conversion rate by band',
    caption:
      'Share of leads in each band that converted. A useful banding converts far more in its hot band than in its ' +
      'cold one.',
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
