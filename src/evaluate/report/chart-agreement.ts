/** The agreement heatmap: leads and conversion rate for every (rule band, predictive band) pair. */
import type { TopLevelSpec } from 'vega-lite';
import { CONFIG, type ChartSpec } from './chart-config.ts';
import { bandOrder } from './palette.ts';
import type { ComparisonResult } from './types.ts';

/** Rule bands (rows) against predictive bands (columns): leads and conversion rate in each cell. */
export function agreementChart(r: ComparisonResult): ChartSpec {
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
      'Each cell: leads the rules put in one band (row) and the predictive score in another (column), and how many ' +
      'of them converted. The diagonal is agreement; off-diagonal cells are where one score is wrong.',
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
