/** The report's stylesheet, inlined in the page's <style> so the file opens offline. */
import { SOURCES } from './palette.ts';

/** One CSS rule a line, in cascade order. */
const RULES = [
  ':root { --ink:#1d2330; --muted:#5f6b7a; --line:#e3e6ea; --good:#e6f4ea; --good-ink:#17663a; }',
  '* { box-sizing: border-box; }',
  'body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; ' +
    'color: var(--ink); background: #f6f7f9; }',
  'main { max-width: 1120px; margin: 0 auto; padding: 28px 32px 48px; background: white; }',
  'h1 { font-size: 26px; margin: 0 0 4px; }',
  'h2 { font-size: 19px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }',
  'h3 { font-size: 15px; margin: 0 0 2px; }',
  '.meta { color: var(--muted); font-size: 13px; margin: 0 0 18px; }',
  '.meta code { font-size: 12px; }',
  'ul.summary { list-style: none; padding: 14px 18px; margin: 0; background: #f1f5fb; ' +
    `border-left: 4px solid ${SOURCES.predictive.color}; border-radius: 4px; }`,
  'ul.summary li { margin: 4px 0; font-size: 16px; }',
  'ul.summary strong { font-variant-numeric: tabular-nums; }',
  '.notes { color: var(--muted); font-size: 13px; }',
  'table { border-collapse: collapse; margin: 8px 0 16px; font-size: 14px; }',
  'th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }',
  'thead th { font-size: 13px; color: var(--muted); font-weight: 600; }',
  'td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }',
  'table.metrics th small { display: block; font-weight: 400; color: var(--muted); font-size: 12px; }',
  'td.better { background: var(--good); color: var(--good-ink); font-weight: 700; }',
  'td.better::after { content: " ✓"; }',
  'small.ci { display: block; color: var(--muted); font-size: 11px; font-weight: 400; }',
  '.banner { padding: 12px 16px; margin: 10px 0 14px; border-radius: 4px; font-size: 15px; }',
  '.banner.danger { background: #fde8e6; border: 2px solid #d7301f; color: #7a1c12; }',
  '.banner.caution { background: #fff4d6; border: 2px solid #f0a202; color: #6b4a00; }',
  '.group-stats { margin: 4px 0 6px; }',
  'table caption { text-align: left; font-weight: 600; padding-bottom: 4px; }',
  '.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 6px; ' +
    'vertical-align: -1px; }',
  '.band { display: inline-block; min-width: 44px; padding: 1px 8px; border-radius: 10px; color: white; ' +
    'font-size: 12px; font-weight: 600; text-align: center; text-shadow: 0 0 2px rgba(0,0,0,.35); }',
  '.row { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }',
  '.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(330px, 1fr)); gap: 20px 28px; }',
  'figure.chart { margin: 0; }',
  'figure.chart.wide { grid-column: 1 / -1; }',
  'figure.chart p { margin: 0 0 6px; color: var(--muted); font-size: 13px; }',
  'figure.chart svg { max-width: 100%; height: auto; display: block; }',
  'table.disagreements td ul { margin: 0; padding-left: 16px; }',
  'table.disagreements td.id { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }',
  'td.yes { color: var(--good-ink); font-weight: 600; }',
  'td.no { color: var(--muted); }',
  'tr.total td { font-weight: 700; }',
  '.muted { color: var(--muted); }',
  'footer { margin-top: 36px; color: var(--muted); font-size: 12px; }',
  '@media print { body { background: white; } main { padding: 0; } }',
];

/** The whole stylesheet: every rule on its own line, with a blank line before and after. */
export const REPORT_CSS = `\n${RULES.join('\n')}\n`;
