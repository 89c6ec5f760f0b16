/**
 * The report's charts as Vega-Lite specs built from a ComparisonResult, rendered server-side
 * to SVG strings (no browser, no canvas) so the HTML carries them inline. Each family of chart has its own module.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { agreementChart } from './chart-agreement.ts';
import { bandChart, distributionChart } from './chart-bars.ts';
import type { ChartSpec } from './chart-config.ts';
import { gainsChart, rocChart } from './chart-lines.ts';
import { reliabilityChart } from './chart-reliability.ts';
import type { ComparisonResult } from './types.ts';

export type { ChartSpec } from './chart-config.ts';

/** A chart ready to inline: `id` names its container, `svg` is the drawing. */
export interface RenderedChart {
  id: string;
  title: string;
  caption: string;
  svg: string;
}

/** The report's chart specs, in page order. */
export function chartSpecs(result: ComparisonResult): ChartSpec[] {
  return [
    rocChart(result),
    gainsChart(result),
    reliabilityChart(result),
    distributionChart(result),
    bandChart(result),
    agreementChart(result),
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
