/**
 * Colours of the report: one hue per score (never reused for bands) and traffic-light colours
 * for bands, so "hot" reads red in every table and chart.
 */
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

const NAMED_BANDS: Record<string, string> = {
  hot: '#d7301f',
  warm: '#f0a202',
  cold: '#5b8db8',
};
/** Hottest to coldest, for band names we do not know: red, orange, amber, steel blue, blue, grey. */
const RAMP = ['#d7301f', '#f46d43', '#f0a202', '#7fa7c9', '#5b8db8', '#8c8c8c'];

/** Traffic-light colour of a band: by name (hot/warm/cold), else by its rank among `count` bands, hottest first. */
export function bandColor(band: string, rank: number, count: number): string {
  const named = NAMED_BANDS[band.trim().toLowerCase()];
  if (named) return named;
  const pos = count <= 1 ? 0 : Math.round((rank / (count - 1)) * (RAMP.length - 1));
  return RAMP[Math.min(RAMP.length - 1, Math.max(0, pos))];
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
  return new Map(order.map((b, i) => [b, bandColor(b, i, order.length)]));
}
