/**
 * Colours of the report: one hue per score (never reused for bands) and, for bands, the palette the CLI and
 * the rules file share (src/schema/palette.ts), so "hot" reads red in every table, chart and terminal.
 */
import { bandColour } from '../../schema/palette.ts';
import type { ComparisonResult, ScoreSource } from './types.ts';

/** Display name and colour of each score. */
export const SOURCES: Record<ScoreSource, { label: string; color: string }> = {
  predictive: { label: 'Predictive score', color: '#1f5fbf' },
  rules: { label: 'Points score (rules)', color: '#9b3fb5' },
};

/** Reference lines (random ranking, perfect calibration). */
export const REFERENCE = { color: '#8a8a8a', dash: [5, 4] };

/** Outcome colours for the score distributions. */
export const OUTCOMES = { converted: '#2ca25f', 'not converted': '#b8b8b8' } as const;

/** The colour of a band: by name from the shared palette (hot red, warm amber, cold blue), else by rank. */
export function bandColor(band: string, rank: number, count: number): string {
  return bandColour(band, rank, count).hex;
}

/** Bands of one score, hottest first, in the order the result lists them (agreement cells fill in any missing). */
export function bandOrder(result: ComparisonResult, source: ScoreSource): string[] {
  const order: string[] = [];
  const add = (b: string) => {
    if (!order.includes(b)) order.push(b);
  };
  for (const row of result.bands) if (row.source === source) add(row.band);
  for (const cell of result.agreement) add(source === 'rules' ? cell.rule_band : cell.predictive_band);
  return order;
}

/** Colour of every band of one score, keyed by band name. */
export function bandColors(result: ComparisonResult, source: ScoreSource): Map<string, string> {
  const order = bandOrder(result, source);
  const given = result.band_colours?.[source] ?? {};
  return new Map(order.map((b, i) => [b, given[b] ?? bandColor(b, i, order.length)]));
}
