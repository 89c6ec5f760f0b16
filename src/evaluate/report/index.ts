/** evaluate/report: the analyst-facing rules-vs-predictive comparison as one self-contained HTML file. */
import { DataError } from '../../errors.ts';
import { renderCharts } from './charts.ts';
import { reportHtml } from './html.ts';
import { summarySentences } from './summary.ts';
import { ComparisonResult } from './types.ts';

/** Check untrusted input (e.g. JSON read from disk) against the schema; the error names every bad path. */
export function parseComparisonResult(input: unknown, source = 'comparison result'): ComparisonResult {
  const parsed = ComparisonResult.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new DataError(
    `${source} is not a valid comparison result: ${problems.join('; ')}`,
    'regenerate it with `leadscore compare`',
  );
}

/**
 * Render the comparison report: one HTML page with inline CSS and SVG charts, no network needed to open it.
 * Async because Vega renders SVG asynchronously.
 */
export async function renderCompareReport(result: ComparisonResult): Promise<string> {
  const checked = parseComparisonResult(result);
  const charts = await renderCharts(checked);
  return reportHtml({ result: checked, sentences: summarySentences(checked), charts });
}

export { summarySentences, topTenRatio } from './summary.ts';
export type { SummarySentence, SummaryNumber } from './summary.ts';
export { ComparisonResult, DisagreementDirection, MetricSet, ScoreSource } from './types.ts';
export { chartSpecs, renderSvg } from './charts.ts';
export type { ChartSpec, RenderedChart } from './charts.ts';
export { formatCount, formatPercent, formatMetric, formatRatio, formatLift } from './format.ts';
export { bandColor } from './palette.ts';
