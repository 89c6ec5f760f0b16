/** The equal-effort table: converters among the rules' MQLs against as many leads from the top of the model's list. */
import { formatCount, formatRatio } from './format.ts';
import { metricSpan, sourceChip } from './markup.ts';
import type { ComparisonResult } from './types.ts';

/** Converters each score finds when sales calls the same number of leads. */
export function captureTable(r: ComparisonResult): string {
  const c = r.capture;
  const count = (metric: string, n: number) => metricSpan(`capture.${metric}`, formatCount(n));
  const head = `<th>Same effort: ${count('mql_leads', c.mql_leads)} leads</th><th class="num">Converters found</th>`;
  const rules = `<td>${sourceChip('rules')}: the leads it calls MQL</td>`;
  const predictive = `<td>${sourceChip('predictive')}: the same number from its top</td>`;
  const ratio = metricSpan('capture.ratio', formatRatio(c.ratio));
  return `<table class="capture"><thead><tr>${head}</tr></thead><tbody>
<tr>${rules}<td class="num">${count('mql_converted', c.mql_converted)}</td></tr>
<tr>${predictive}<td class="num">${count('top_predictive_converted', c.top_predictive_converted)}</td></tr>
<tr class="total"><td>Predictive / rules</td><td class="num">${ratio}</td></tr>
</tbody></table>`;
}
