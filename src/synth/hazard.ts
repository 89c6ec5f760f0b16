import { UsageError } from '../errors.ts';
import { cumulativeHazard, type LeadLatent } from './latent.ts';

/**
 * From hazard to outcome. A lead's cumulative win hazard up to t is exp(b0) * H(t); it converts by
 * the end with probability 1 - exp(-exp(b0) * H(end)). b0 is calibrated so the mean of those
 * probabilities equals the requested conversion rate.
 */

/** Probability that a lead with raw cumulative hazard `h` converts, given intercept b0. */
export function convertProbability(h: number, b0: number): number {
  return -Math.expm1(-Math.exp(b0) * h);
}

/** Find b0 by bisection so the mean conversion probability over `hazards` equals `rate`. */
export function calibrateIntercept(hazards: Float64Array, rate: number): number {
  let positive = 0;
  for (const h of hazards) if (h > 0) positive++;
  const ceiling = positive / Math.max(1, hazards.length);
  if (rate >= ceiling * 0.98) {
    throw new UsageError(
      `--conversion-rate ${rate} cannot be reached: only ${(100 * ceiling).toFixed(1)}% of leads belong to ` +
        `personas that can buy`,
      'lower --conversion-rate, or give ideal/evaluator/newsletter/cold/unsubscriber a larger share of the persona mix',
    );
  }
  const live = hazards.filter((h) => h > 0);
  const meanAt = (b0: number) => {
    let s = 0;
    for (const h of live) s += convertProbability(h, b0);
    return s / hazards.length;
  };
  let lo = -40;
  let hi = 40;
  // 60 halvings of [-40, 40] leave an error far below a rounding of the rate
  for (let it = 0; it < 60; it++) {
    const mid = (lo + hi) / 2;
    if (meanAt(mid) < rate) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * When the lead wins, given a unit-exponential draw `e`: the time t with exp(b0) * H(t) = e,
 * or null when the lead's total hazard by `end` falls short (it never converts).
 */
export function winTime(l: LeadLatent, b0: number, end: number, e: number): number | null {
  const scale = Math.exp(b0);
  if (scale * cumulativeHazard(l, end) < e) return null;
  let lo = l.createdAt;
  let hi = end;
  // H is monotone; 50 halvings of at most ~2 years is well below a second
  for (let it = 0; it < 50; it++) {
    const mid = (lo + hi) / 2;
    if (scale * cumulativeHazard(l, mid) < e) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Probability of winning in [a, a + horizon) for a lead that has not won before a. */
export function windowProbability(l: LeadLatent, b0: number, a: number, horizonDays: number): number {
  const d = cumulativeHazard(l, a + horizonDays) - cumulativeHazard(l, a);
  return -Math.expm1(-Math.exp(b0) * d);
}
