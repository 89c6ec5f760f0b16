/**
 * The disagreements section: leads one score rates hot and the other cold, grouped by which way they disagree,
 * with how they turned out and each score's reasons.
 */
import { formatCount, formatPercent } from './format.ts';
import { bandChip, escapeHtml, metricSpan } from './markup.ts';
import { bandColors } from './palette.ts';
import type { ComparisonResult, DisagreementDirection } from './types.ts';

/** A score's reasons for one lead as a list. */
function reasonList(reasons: string[]): string {
  if (reasons.length === 0) return '<span class="muted">none given</span>';
  return `<ul>${reasons.map((x) => `<li>${escapeHtml(x)}</li>`).join('')}</ul>`;
}

/** How each direction of disagreement is titled and what its group of leads is called. */
const DIRECTION_WORDS: Record<DisagreementDirection, { title: string; group: string }> = {
  rules_higher: {
    title: 'The rules rate them higher than the model',
    group: 'leads the rules put in one of their two hottest bands and the model in its coldest',
  },
  model_higher: {
    title: 'The model rates them higher than the rules',
    group: 'leads the model put in one of its two hottest bands and the rules in one of their coldest',
  },
};

/** One row per lead: both scores with their bands, the outcome, both scores' reasons. */
function disagreementRows(r: ComparisonResult, list: ComparisonResult['disagreements']): string {
  const ruleColors = bandColors(r, 'rules');
  const predictiveColors = bandColors(r, 'predictive');
  return list
    .map((d) => {
      const predictiveBand = bandChip(d.predictive_band, predictiveColors.get(d.predictive_band));
      return `<tr>
<td class="id">${escapeHtml(d.lead_id)}</td>
<td class="num">${formatCount(d.rule_score)} ${bandChip(d.rule_band, ruleColors.get(d.rule_band))}</td>
<td class="num">${formatCount(d.predictive_score)} ${predictiveBand}</td>
<td class="${d.converted ? 'yes' : 'no'}">${d.converted ? 'converted' : 'did not convert'}</td>
<td>${reasonList(d.rule_reasons)}</td>
<td>${reasonList(d.predictive_reasons)}</td>
</tr>`;
    })
    .join('\n');
}

/** The header row of every disagreements table. */
const DISAGREEMENT_HEAD =
  '<thead><tr><th>Lead</th><th class="num">Rule score</th><th class="num">Predictive score</th><th>Outcome</th>' +
  '<th>Why the rules scored it so</th><th>Why the model scored it so</th></tr></thead>';

/** A table of disagreeing leads around already rendered rows. */
function disagreementTable(rows: string): string {
  return `<table class="disagreements">${DISAGREEMENT_HEAD}<tbody>\n${rows}\n</tbody></table>`;
}

/** Where the scores disagree: per direction, how many leads and how they converted, then the widest gaps. */
export function disagreementsTable(r: ComparisonResult): string {
  if (!r.disagreement_groups) {
    // a result from before the directions: one table
    if (r.disagreements.length === 0) return '<p class="muted">The two scores put no lead far apart.</p>';
    return disagreementTable(disagreementRows(r, r.disagreements));
  }
  return r.disagreement_groups
    .map((g, k) => {
      const words = DIRECTION_WORDS[g.direction];
      const examples = r.disagreements.filter((d) => d.direction === g.direction);
      const span = (field: string, text: string) => metricSpan(`disagreement_groups.${k}.${field}`, text);
      const stats =
        g.leads === 0
          ? `<p class="muted">No ${escapeHtml(words.group)}.</p>`
          : `<p class="group-stats">${span('leads', formatCount(g.leads))} ${escapeHtml(words.group)}; ` +
            `${span('converted', formatCount(g.converted))} converted ` +
            `(${span('rate', formatPercent(g.rate))}, against ${formatPercent(r.base_rate)} of all leads).` +
            (examples.length ? ` The ${formatCount(examples.length)} with the widest gap:` : '') +
            '</p>';
      const table = examples.length ? disagreementTable(disagreementRows(r, examples)) : '';
      return `<div class="disagreement-group" data-direction="${g.direction}">
<h3>${escapeHtml(words.title)}</h3>
${stats}
${table}
</div>`;
    })
    .join('\n');
}
