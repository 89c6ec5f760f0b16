/** Small HTML building blocks shared by the report's tables and page: escaping, traceable numbers, chips. */
import { SOURCES } from './palette.ts';
import type { ScoreSource } from './types.ts';

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
export function metricSpan(metric: string, text: string, tag = 'span'): string {
  return `<${tag} data-metric="${escapeHtml(metric)}">${escapeHtml(text)}</${tag}>`;
}

/** A score's colour swatch and name. */
export function sourceChip(s: ScoreSource): string {
  return `<span class="swatch" style="background:${SOURCES[s].color}"></span>${escapeHtml(SOURCES[s].label)}`;
}

/** A band's name on its colour (grey when the band has none). */
export function bandChip(band: string, color: string | undefined): string {
  return `<span class="band" style="background:${color ?? '#999'}">${escapeHtml(band)}</span>`;
}
