/**
 * Assembles the comparison report: one HTML file with inline CSS and inline SVG charts,
 * readable offline. Every value from the result is HTML-escaped (lead ids and reasons come from CRM data).
 */
import type { RenderedChart } from './charts.ts';
import { formatCount, formatLift, formatMetric, formatPercent, formatRatio } from './format.ts';
import { bandColors, SOURCES } from './palette.ts';
import { FEW_CONVERTERS, intervalOf, verdict, type SummarySentence } from './summary.ts';
import type { ComparisonResult, DisagreementDirection, MetricSet, ScoreSource } from './types.ts';

/** Escape text for HTML element content and double-quoted attributes. */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A number tagged with its path in the result JSON, so a reader (or test) can trace it back. */
function metricSpan(metric: string, text: string, tag = 'span'): string {
  return `<${tag} data-metric="${escapeHtml(metric)}">${escapeHtml(text)}</${tag}>`;
}

type Direction = 'higher' | 'lower';
interface MetricRow {
  key: keyof MetricSet;
  label: string;
  help: string;
  better: Direction;
  format: (x: number) => string;
}

const METRIC_ROWS: MetricRow[] = [
  {
    key: 'auc',
    label: 'ROC AUC',
    help: 'chance a random converter outranks a random non-converter',
    better: 'higher',
    format: formatMetric,
  },
  {
    key: 'pr_auc',
    label: 'PR AUC',
    help: 'average precision over all thresholds',
    better: 'higher',
    format: formatMetric,
  },
  {
    key: 'brier',
    label: 'Brier score',
    help: 'mean squared error of the probability',
    better: 'lower',
    format: formatMetric,
  },
  { key: 'logloss', label: 'Log loss', help: 'penalises confident mistakes', better: 'lower', format: formatMetric },
  {
    key: 'ece',
    label: 'Expected calibration error',
    help: 'gap between predicted and observed rates',
    better: 'lower',
    format: formatMetric,
  },
  {
    key: 'lift_at_5pct',
    label: 'Lift at top 5%',
    help: 'conversion in the top 5% / overall conversion',
    better: 'higher',
    format: formatLift,
  },
  {
    key: 'lift_at_10pct',
    label: 'Lift at top 10%',
    help: 'conversion in the top 10% / overall conversion',
    better: 'higher',
    format: formatLift,
  },
  {
    key: 'lift_at_20pct',
    label: 'Lift at top 20%',
    help: 'conversion in the top 20% / overall conversion',
    better: 'higher',
    format: formatLift,
  },
  {
    key: 'gains_at_5pct',
    label: 'Converters in top 5%',
    help: 'share of all converters found there',
    better: 'higher',
    format: formatPercent,
  },
  {
    key: 'gains_at_10pct',
    label: 'Converters in top 10%',
    help: 'share of all converters found there',
    better: 'higher',
    format: formatPercent,
  },
  {
    key: 'gains_at_20pct',
    label: 'Converters in top 20%',
    help: 'share of all converters found there',
    better: 'higher',
    format: formatPercent,
  },
];

const SOURCE_ORDER: ScoreSource[] = ['rules', 'predictive'];

/** Which score wins a metric, or null on a tie (as displayed: equal formatted values are a tie). */
export function betterSource(
  row: Pick<MetricRow, 'better' | 'format'>,
  rules: number,
  predictive: number,
): ScoreSource | null {
  if (row.format(rules) === row.format(predictive)) return null;
  const predictiveWins = row.better === 'higher' ? predictive > rules : predictive < rules;
  return predictiveWins ? 'predictive' : 'rules';
}

/** The winner of a table row: where the metric has intervals, only when they do not overlap. */
function rowWinner(r: ComparisonResult, row: MetricRow): ScoreSource | null {
  const a = intervalOf(r, 'predictive', row.key);
  const b = intervalOf(r, 'rules', row.key);
  if (a && b) {
    if (!(a[0] > b[1] || b[0] > a[1])) return null;
    const predictiveHigher = a[0] > b[1];
    return predictiveHigher === (row.better === 'higher') ? 'predictive' : 'rules';
  }
  if (row.key === 'auc' || row.key === 'pr_auc') {
    const v = verdict(r, row.key);
    return v === 'same' ? null : v;
  }
  return betterSource(row, r.metrics.rules[row.key], r.metrics.predictive[row.key]);
}

function metricsTable(r: ComparisonResult): string {
  const rows = METRIC_ROWS.map((row) => {
    const values = { rules: r.metrics.rules[row.key], predictive: r.metrics.predictive[row.key] };
    const winner = rowWinner(r, row);
    const cells = SOURCE_ORDER.map((s) => {
      const cls = winner === s ? ' class="num better" data-better="true"' : ' class="num"';
      const ci = intervalOf(r, s, row.key);
      const interval = ci
        ? `<small class="ci">${escapeHtml(row.format(ci[0]))}–${escapeHtml(row.format(ci[1]))}</small>`
        : '';
      return `<td${cls}>${metricSpan(`metrics.${s}.${row.key}`, row.format(values[s]))}${interval}</td>`;
    }).join('');
    return `<tr data-row="${row.key}"><th scope="row">${escapeHtml(row.label)}<small>${escapeHtml(row.help)} (${row.better} is better)</small></th>${cells}</tr>`;
  }).join('\n');
  return `<table class="metrics"><thead><tr><th>Metric</th>${SOURCE_ORDER.map((s) => `<th class="num">${sourceChip(s)}</th>`).join('')}</tr></thead><tbody>
${rows}
</tbody></table>`;
}

function sourceChip(s: ScoreSource): string {
  return `<span class="swatch" style="background:${SOURCES[s].color}"></span>${escapeHtml(SOURCES[s].label)}`;
}

function bandChip(band: string, color: string | undefined): string {
  return `<span class="band" style="background:${color ?? '#999'}">${escapeHtml(band)}</span>`;
}

function bandsTable(r: ComparisonResult, source: ScoreSource): string {
  const colors = bandColors(r, source);
  const rows = r.bands
    .filter((b) => b.source === source)
    .map(
      (b) =>
        `<tr><td>${bandChip(b.band, colors.get(b.band))}</td><td class="num">${formatCount(b.leads)}</td><td class="num">${formatCount(b.converted)}</td><td class="num">${formatPercent(b.rate)}</td></tr>`,
    )
    .join('\n');
  return `<table class="bands" data-source="${source}"><caption>${sourceChip(source)}</caption>
<thead><tr><th>Band</th><th class="num">Leads</th><th class="num">Converted</th><th class="num">Rate</th></tr></thead><tbody>
${rows}
</tbody></table>`;
}

function captureTable(r: ComparisonResult): string {
  const c = r.capture;
  return `<table class="capture"><thead><tr><th>Same effort: ${metricSpan('capture.mql_leads', formatCount(c.mql_leads))} leads</th><th class="num">Converters found</th></tr></thead><tbody>
<tr><td>${sourceChip('rules')}: the leads it calls MQL</td><td class="num">${metricSpan('capture.mql_converted', formatCount(c.mql_converted))}</td></tr>
<tr><td>${sourceChip('predictive')}: the same number from its top</td><td class="num">${metricSpan('capture.top_predictive_converted', formatCount(c.top_predictive_converted))}</td></tr>
<tr class="total"><td>Predictive / rules</td><td class="num">${metricSpan('capture.ratio', formatRatio(c.ratio))}</td></tr>
</tbody></table>`;
}

function reasonList(reasons: string[]): string {
  if (reasons.length === 0) return '<span class="muted">none given</span>';
  return `<ul>${reasons.map((x) => `<li>${escapeHtml(x)}</li>`).join('')}</ul>`;
}

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

function disagreementRows(r: ComparisonResult, list: ComparisonResult['disagreements']): string {
  const ruleColors = bandColors(r, 'rules');
  const predictiveColors = bandColors(r, 'predictive');
  return list
    .map(
      (d) => `<tr>
<td class="id">${escapeHtml(d.lead_id)}</td>
<td class="num">${formatCount(d.rule_score)} ${bandChip(d.rule_band, ruleColors.get(d.rule_band))}</td>
<td class="num">${formatCount(d.predictive_score)} ${bandChip(d.predictive_band, predictiveColors.get(d.predictive_band))}</td>
<td class="${d.converted ? 'yes' : 'no'}">${d.converted ? 'converted' : 'did not convert'}</td>
<td>${reasonList(d.rule_reasons)}</td>
<td>${reasonList(d.predictive_reasons)}</td>
</tr>`,
    )
    .join('\n');
}

const DISAGREEMENT_HEAD =
  '<thead><tr><th>Lead</th><th class="num">Rule score</th><th class="num">Predictive score</th><th>Outcome</th>' +
  '<th>Why the rules scored it so</th><th>Why the model scored it so</th></tr></thead>';

function disagreementsTable(r: ComparisonResult): string {
  if (!r.disagreement_groups) {
    // a result from before the directions: one table
    if (r.disagreements.length === 0) return '<p class="muted">The two scores put no lead far apart.</p>';
    const rows = disagreementRows(r, r.disagreements);
    return `<table class="disagreements">${DISAGREEMENT_HEAD}<tbody>\n${rows}\n</tbody></table>`;
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
      const table = examples.length
        ? `<table class="disagreements">${DISAGREEMENT_HEAD}<tbody>\n${disagreementRows(r, examples)}\n</tbody></table>`
        : '';
      return `<div class="disagreement-group" data-direction="${g.direction}">
<h3>${escapeHtml(words.title)}</h3>
${stats}
${table}
</div>`;
    })
    .join('\n');
}

/** The loud warnings: a comparison inside the model's training period, too few converters. */
function banners(r: ComparisonResult): string {
  const out: string[] = [];
  if (r.training_overlap?.overlaps) {
    out.push(
      `<div class="banner danger" role="alert" data-banner="training-overlap"><strong>Not a holdout.</strong> ` +
        `The leads open on ${escapeHtml(r.as_of)} and their outcomes fall inside the period the model was fitted on ` +
        `(everything before ${escapeHtml(r.training_overlap.fitted_until)}). Every figure below flatters the ` +
        `predictive score; compare as of ${escapeHtml(r.training_overlap.fitted_until)} or later for an honest ` +
        'answer.</div>',
    );
  }
  if (r.n_converted < FEW_CONVERTERS) {
    out.push(
      `<div class="banner caution" role="note" data-banner="small-sample"><strong>Small sample.</strong> ` +
        `Only ${formatCount(r.n_converted)} of these leads converted (fewer than ${FEW_CONVERTERS}): differences ` +
        `between the scores are within noise unless their intervals say otherwise.</div>`,
    );
  }
  return out.join('\n');
}

function figure(chart: RenderedChart, wide = false): string {
  return `<figure class="chart${wide ? ' wide' : ''}" data-chart="${escapeHtml(chart.id)}">
<figcaption><h3>${escapeHtml(chart.title)}</h3><p>${escapeHtml(chart.caption)}</p></figcaption>
${chart.svg}
</figure>`;
}

function summaryList(sentences: SummarySentence[]): string {
  const items = sentences.map((s) => {
    const body = s.parts
      .map((p) => (typeof p === 'string' ? escapeHtml(p) : metricSpan(p.metric, p.text, 'strong')))
      .join('');
    return `<li data-sentence="${escapeHtml(s.key)}">${body}</li>`;
  });
  return `<ul class="summary">\n${items.join('\n')}\n</ul>`;
}

/**
 * The result as inert JSON inside the page, so analysts can recover the numbers; `<` escaped so it cannot close the
 * tag.
 */
function embeddedData(r: ComparisonResult): string {
  const json = JSON.stringify(r).replace(/</g, '\\u003c');
  return `<script type="application/json" id="comparison-data">${json}</script>`;
}

const CSS = `
:root { --ink:#1d2330; --muted:#5f6b7a; --line:#e3e6ea; --good:#e6f4ea; --good-ink:#17663a; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--ink); background: #f6f7f9; }
main { max-width: 1120px; margin: 0 auto; padding: 28px 32px 48px; background: white; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 0 0 2px; }
.meta { color: var(--muted); font-size: 13px; margin: 0 0 18px; }
.meta code { font-size: 12px; }
ul.summary { list-style: none; padding: 14px 18px; margin: 0; background: #f1f5fb; border-left: 4px solid ${SOURCES.predictive.color}; border-radius: 4px; }
ul.summary li { margin: 4px 0; font-size: 16px; }
ul.summary strong { font-variant-numeric: tabular-nums; }
.notes { color: var(--muted); font-size: 13px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 14px; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { font-size: 13px; color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.metrics th small { display: block; font-weight: 400; color: var(--muted); font-size: 12px; }
td.better { background: var(--good); color: var(--good-ink); font-weight: 700; }
td.better::after { content: " ✓"; }
small.ci { display: block; color: var(--muted); font-size: 11px; font-weight: 400; }
.banner { padding: 12px 16px; margin: 10px 0 14px; border-radius: 4px; font-size: 15px; }
.banner.danger { background: #fde8e6; border: 2px solid #d7301f; color: #7a1c12; }
.banner.caution { background: #fff4d6; border: 2px solid #f0a202; color: #6b4a00; }
.group-stats { margin: 4px 0 6px; }
table caption { text-align: left; font-weight: 600; padding-bottom: 4px; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
.band { display: inline-block; min-width: 44px; padding: 1px 8px; border-radius: 10px; color: white; font-size: 12px; font-weight: 600; text-align: center; text-shadow: 0 0 2px rgba(0,0,0,.35); }
.row { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(330px, 1fr)); gap: 20px 28px; }
figure.chart { margin: 0; }
figure.chart.wide { grid-column: 1 / -1; }
figure.chart p { margin: 0 0 6px; color: var(--muted); font-size: 13px; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
table.disagreements td ul { margin: 0; padding-left: 16px; }
table.disagreements td.id { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }
td.yes { color: var(--good-ink); font-weight: 600; }
td.no { color: var(--muted); }
tr.total td { font-weight: 700; }
.muted { color: var(--muted); }
footer { margin-top: 36px; color: var(--muted); font-size: 12px; }
@media print { body { background: white; } main { padding: 0; } }
`;

/** Everything the page needs, already rendered. */
export interface ReportParts {
  result: ComparisonResult;
  sentences: SummarySentence[];
  charts: RenderedChart[];
}

/** The whole report page. */
export function reportHtml({ result: r, sentences, charts }: ReportParts): string {
  const chart = new Map(charts.map((c) => [c.id, c]));
  const fig = (id: string, wide = false) => {
    const c = chart.get(id);
    return c ? figure(c, wide) : '';
  };
  const notes = (r.notes ?? []).map((n) => `<li>${escapeHtml(n)}</li>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rules vs predictive score: ${escapeHtml(r.model.name)} ${escapeHtml(r.model.version)} (${escapeHtml(r.as_of)})</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>Rules vs predictive lead score</h1>
${banners(r)}
<p class="meta">Model <code>${escapeHtml(r.model.name)}@${escapeHtml(r.model.version)}</code> against the points model <code>${escapeHtml(r.rules_file)}</code>,
leads open on ${escapeHtml(r.as_of)}, conversion within ${formatCount(r.horizon_days)} days. Run <code>${escapeHtml(r.run_id)}</code>, created ${escapeHtml(r.created_at)}.</p>

<section id="summary">
<h2>In short</h2>
${summaryList(sentences)}
${notes ? `<ul class="notes">${notes}</ul>` : ''}
</section>

<section id="metrics">
<h2>Metrics</h2>
${metricsTable(r)}
</section>

<section id="curves">
<h2>Ranking and calibration</h2>
<div class="charts">
${fig('roc')}
${fig('gains')}
${fig('reliability')}
</div>
<div class="charts">
${fig('distribution', true)}
</div>
</section>

<section id="bands">
<h2>Conversion by band</h2>
<div class="row">
${bandsTable(r, 'rules')}
${bandsTable(r, 'predictive')}
</div>
<div class="charts">${fig('bands', true)}</div>
</section>

<section id="agreement">
<h2>Agreement and equal effort</h2>
<div class="charts">
${fig('agreement')}
<div><h3>Capture at equal effort</h3><p class="muted">Sales calls as many leads either way; which list holds more converters?</p>${captureTable(r)}</div>
</div>
</section>

<section id="disagreements">
<h2>Where they disagree, both ways</h2>
${disagreementsTable(r)}
</section>

<footer>Generated by leadscore from ${formatCount(r.n_leads)} leads. Every number above is in the JSON embedded in this file (<code>#comparison-data</code>).</footer>
</main>
${embeddedData(r)}
</body>
</html>
`;
}
