/**
 * Number formats shared by the HTML report and the CLI summary, pinned to en-US so the same
 * result reads the same on every machine (and a test can parse it back).
 */

const counts = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** A whole number with thousands separators: 1234 -> "1,234". */
export function formatCount(n: number): string {
  return counts.format(n);
}

/** A share as a percentage with one decimal: 0.1234 -> "12.3%". */
export function formatPercent(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/** A metric with three decimals: 0.81234 -> "0.812". */
export function formatMetric(x: number): string {
  return x.toFixed(3);
}

/** A multiple with one decimal: 1.84 -> "1.8x"; infinite (nothing to compare against) -> "∞". */
export function formatRatio(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(1)}x` : '∞';
}

/** A lift with two decimals: 3.1 -> "3.10". */
export function formatLift(x: number): string {
  return x.toFixed(2);
}
