/** What every chart of the report shares: the ChartSpec shape, the order of the scores, the Vega-Lite config. */
import type { TopLevelSpec } from 'vega-lite';
import type { ScoreSource } from './types.ts';

/** A chart before rendering. */
export interface ChartSpec {
  id: string;
  title: string;
  caption: string;
  spec: TopLevelSpec;
}

/** The scores in the order the tables show them. */
export const SOURCE_ORDER: ScoreSource[] = ['rules', 'predictive'];

/** The page's font stack, so the charts match the text. */
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif';

/** Vega-Lite config of every chart: fonts, axes, legends below the plot. */
export const CONFIG = {
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
