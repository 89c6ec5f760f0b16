/** The conversion-by-band table of one score: leads, converters and conversion rate per band. */
import { formatCount, formatPercent } from './format.ts';
import { bandChip, sourceChip } from './markup.ts';
import { bandColors } from './palette.ts';
import type { ComparisonResult, ScoreSource } from './types.ts';

const HEAD =
  '<thead><tr><th>Band</th><th class="num">Leads</th><th class="num">Converted</th><th class="num">Rate</th></tr>' +
  '</thead>';

/** One score's bands, hottest first, each with its leads, converters and rate. */
export function bandsTable(r: ComparisonResult, source: ScoreSource): string {
  const colors = bandColors(r, source);
  const rows = r.bands
    .filter((b) => b.source === source)
    .map(
      (b) =>
        `<tr><td>${bandChip(b.band, colors.get(b.band))}</td><td class="num">${formatCount(b.leads)}</td>` +
        `<td class="num">${formatCount(b.converted)}</td><td class="num">${formatPercent(b.rate)}</td></tr>`,
    )
    .join('\n');
  return `<table class="bands" data-source="${source}"><caption>${sourceChip(source)}</caption>
${HEAD}<tbody>
${rows}
</tbody></table>`;
}
