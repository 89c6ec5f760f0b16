import type { Calendar } from './calendar.ts';
import { engagementHazard, erlang2Cdf, EPISODE_INTENT, HAZARD, type LeadLatent } from './latent.ts';
import { PERSONA_BEHAVIOUR } from './personas.ts';

/**
 * The honest oracle: the probability that a lead wins in [a, b) given everything the generator
 * knows at `a` (persona, fit, frailty, engagement traits, lag, its buying episodes and negative
 * event so far) but none of the draws that lie after `a`: buying episodes that have not started
 * yet, an unsubscribe or bounce that has not happened yet, and the win draw itself. No snapshot
 * model can beat it in expectation, so "oracle AUC" is a ceiling for point-in-time models.
 *
 * It is computed, not simulated. Given the state at `a` the cumulative hazard over the window is
 *   k * [ known(tau) + sum over future episodes of intent * phi_tau(start) ]
 * where k = exp(b0) * propensity, tau is the (unknown) time of a future negative event, `known`
 * is the part driven by past episodes and engagement and phi_tau is how much of an episode's
 * lagged hazard lands in the window. Later episodes form a Poisson process (Campbell's formula),
 * the early episode is a single pending event with an exponential start (its posterior chance of
 * still coming follows from not having started), intents are lognormal (a precomputed Laplace
 * transform), and tau's distribution comes from the email schedule (bounces at a send, unsubscribes
 * a lognormal delay after one). Integrals are midpoint sums on 5-day steps (start) and, for tau,
 * bins between email sends (90-day windows; one mid-window scenario when a negative is unlikely
 * there) or 10-day steps and 30-day bins (the all-time probability); checked against a 1-day grid
 * the error is a few percent of p at worst, far below the noise in any AUC.
 */

/** Probability of winning in [a, b) given the lead's state at `a` (it has not won before `a`). */
export function forecastWin(l: LeadLatent, b0: number, cal: Calendar, a: number, b: number, grid: ForecastGrid = DEFAULT_GRID): number {
  if (l.propensity === 0 || b <= a) return 0;
  const k = Math.exp(b0) * l.propensity;
  const beh = PERSONA_BEHAVIOUR[l.persona];
  const lag = l.lagDays;
  const after = HAZARD.afterNegative;

  // hazard already set in motion by the past: episodes started before a, and engagement
  let nPast = 0;
  for (const e of l.episodes) if (e.start < a) nPast++;
  const known = (t: number): number => {
    let h = engagementHazard(l, t);
    for (let i = 0; i < nPast; i++) h += l.episodes[i].intent * erlang2Cdf(t - l.episodes[i].start, lag);
    return h;
  };
  const ra = known(a);
  const rb = known(b);

  // future episodes: later ones at `rate` per day; the early one still pending with chance q
  const rate = beh.episodesPerYear / 365;
  const early = beh.earlyEpisode;
  let q = 0;
  if (early > 0 && !(l.earlyAt < a)) {
    const still = early * Math.exp(-(Math.max(a, l.createdAt) - l.createdAt) / beh.earlyEpisodeDelay);
    q = still / (1 - early + still);
  }
  // start nodes (midpoints): what a future episode starting there would add, without a negative
  const n = Math.max(grid.minSteps, Math.ceil((b - a) / (b - a > grid.sendBinsUpToDays ? grid.longStepDays : grid.stepDays)));
  const step = (b - a) / n;
  const fb = new Float64Array(n);
  const earlyW = new Float64Array(n);
  const d = beh.earlyEpisodeDelay;
  for (let i = 0; i < n; i++) {
    const lo = a + i * step;
    fb[i] = erlang2Cdf(b - lo - step / 2, lag);
    if (q > 0) earlyW[i] = Math.exp(-(lo - a) / d) - Math.exp(-(lo + step - a) / d);
  }
  const earlyBeyond = q > 0 ? Math.exp(-(b - a) / d) : 0;

  // scenarios for the negative event: already happened, or a pending one binned over the window
  const taus: number[] = [];
  const masses: number[] = [];
  if (l.negativeAt < a) {
    taus.push(-Infinity);
    masses.push(1);
  } else {
    const G = (t: number) => negativeCdf(l, cal, t);
    const gA = G(a);
    const pending = 1 - gA;
    let rest = 1;
    const gB = G(b);
    if (pending > 1e-12 && gB - gA > grid.lumpBelow * pending) {
      // a negative event lands on an email send (a bounce) or a few hours after one (an unsubscribe):
      // short windows bin it between sends, at the send; long ones on a coarse grid, mid-bin
      const edges = [a];
      if (b - a <= grid.sendBinsUpToDays) {
        for (let i = cal.firstSendAfter(a); i < cal.sends.length && cal.sends[i].at < b; i++) if (cal.sends[i].at > a) edges.push(cal.sends[i].at);
      } else {
        const bins = Math.max(grid.minBins, Math.ceil((b - a) / grid.tauBinDays));
        for (let j = 1; j < bins; j++) edges.push(a + ((b - a) * j) / bins);
      }
      edges.push(b);
      const atSends = b - a <= grid.sendBinsUpToDays;
      let gLo = gA;
      for (let j = 1; j < edges.length; j++) {
        const lo = edges[j - 1];
        const hi = edges[j];
        const gHi = G(hi);
        const m = (gHi - gLo) / pending;
        if (m > 1e-4) {
          taus.push(atSends ? (j === 1 ? lo : Math.min(hi, lo + 0.2)) : (lo + hi) / 2);
          masses.push(m);
          rest -= m;
        }
        gLo = gHi;
      }
    } else if (pending > 1e-12 && gB - gA > 1e-6 * pending) {
      // unlikely within the window: one scenario mid-window carries it (error ~ its small mass)
      taus.push((a + b) / 2);
      masses.push((gB - gA) / pending);
      rest -= (gB - gA) / pending;
    }
    taus.push(Infinity);
    masses.push(Math.max(0, rest));
  }

  let pNoWin = 0;
  for (let j = 0; j < taus.length; j++) {
    const tau = Math.min(Math.max(taus[j], a), b);
    const kt = known(tau);
    const knownPart = kt - ra + after * (rb - kt);
    let logLater = 0;
    let earlyNoWin = 0;
    for (let i = 0; i < n; i++) {
      const s = a + (i + 0.5) * step;
      // hazard an episode starting at s puts in the window: full before tau, damped after it
      let phi: number;
      if (tau <= s) phi = after * fb[i];
      else if (tau >= b) phi = fb[i];
      else {
        const fu = erlang2Cdf(tau - s, lag);
        phi = fu + after * (fb[i] - fu);
      }
      const g = intentLaplace(k * phi);
      logLater -= 1 - g;
      earlyNoWin += earlyW[i] * g;
    }
    let f = Math.exp(-k * knownPart + rate * step * logLater);
    if (q > 0) f *= 1 - q + q * (earlyNoWin + earlyBeyond);
    pNoWin += masses[j] * f;
  }
  return Math.min(1, Math.max(0, 1 - pNoWin));
}

/** Integration grid: midpoint step for future episode starts, bins for a pending negative event (days). */
export interface ForecastGrid {
  stepDays: number;
  minSteps: number;
  tauBinDays: number;
  minBins: number;
  /** windows up to this long bin a pending negative between email sends instead */
  sendBinsUpToDays: number;
  /** start step for longer windows (the all-time probability) */
  longStepDays: number;
  /** a pending negative less likely than this within the window gets one mid-window scenario */
  lumpBelow: number;
}
export const DEFAULT_GRID: ForecastGrid = { stepDays: 5, minSteps: 6, tauBinDays: 30, minBins: 3, sendBinsUpToDays: 120, longStepDays: 10, lumpBelow: 0.05 };

// Chance that the lead's negative event has happened by t, as seen at creation (prior).
function negativeCdf(l: LeadLatent, cal: Calendar, t: number): number {
  const beh = PERSONA_BEHAVIOUR[l.persona];
  let g = 0;
  if (beh.bounce > 0) g += beh.bounce * sendCdf(l, cal, t - 1 / 1440, beh.negativeDelay);
  if (beh.unsubscribe > 0) {
    // unsubscribes follow their send by a lognormal delay (median 0.2 days, sigma 1)
    let s = 0;
    for (let i = 0; i < GH_X.length; i++) s += GH_W[i] * sendCdf(l, cal, t - 0.2 * Math.exp(Math.SQRT2 * GH_X[i]), beh.negativeDelay);
    g += beh.unsubscribe * (s / Math.sqrt(Math.PI));
  }
  return g;
}

// P(the first send at or after createdAt + Exp(mean) is at or before x).
function sendCdf(l: LeadLatent, cal: Calendar, x: number, mean: number): number {
  const sends = cal.sends;
  let lo = 0;
  let hi = sends.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sends[mid].at <= x) lo = mid + 1;
    else hi = mid;
  }
  if (lo === 0) return 0;
  const last = sends[lo - 1].at;
  return last < l.createdAt ? 0 : -Math.expm1(-(last - l.createdAt) / mean);
}

// Gauss-Hermite nodes and weights (10 points) for expectations over a normal.
const GH_X = [-3.4361591188, -2.5327316742, -1.7566836493, -1.0366108298, -0.3429013272, 0.3429013272, 1.0366108298, 1.7566836493, 2.5327316742, 3.4361591188];
const GH_W = [7.640432855e-6, 0.001343645747, 0.03387439446, 0.2401386110, 0.6108626337, 0.6108626337, 0.2401386110, 0.03387439446, 0.001343645747, 7.640432855e-6];

// E[exp(-x * I)] for the lognormal episode intent I, tabulated on log x.
const LAPLACE_LO = -14;
const LAPLACE_HI = 7;
const LAPLACE_STEP = 0.005;
const LAPLACE = (() => {
  const size = Math.round((LAPLACE_HI - LAPLACE_LO) / LAPLACE_STEP) + 1;
  const t = new Float64Array(size);
  for (let i = 0; i < size; i++) t[i] = laplaceDirect(Math.exp(LAPLACE_LO + i * LAPLACE_STEP));
  return t;
})();
const MEAN_INTENT = EPISODE_INTENT.median * Math.exp((EPISODE_INTENT.sigma * EPISODE_INTENT.sigma) / 2);

function laplaceDirect(x: number): number {
  // trapezoid over the normal on [-8, 8]: accurate for every x, used only to fill the table
  const m = 400;
  let s = 0;
  for (let i = 0; i <= m; i++) {
    const z = -8 + (16 * i) / m;
    const w = (i === 0 || i === m ? 0.5 : 1) * Math.exp(-z * z / 2);
    s += w * Math.exp(-x * EPISODE_INTENT.median * Math.exp(EPISODE_INTENT.sigma * z));
  }
  return (s * (16 / m)) / Math.sqrt(2 * Math.PI);
}

/** E[exp(-x * intent)] over the episode intent distribution. */
export function intentLaplace(x: number): number {
  if (x <= 0) return 1;
  const lx = Math.log(x);
  if (lx < LAPLACE_LO) return 1 - x * MEAN_INTENT;
  if (lx >= LAPLACE_HI) return laplaceDirect(x);
  const f = (lx - LAPLACE_LO) / LAPLACE_STEP;
  const i = Math.floor(f);
  const w = f - i;
  return LAPLACE[i] * (1 - w) + LAPLACE[i + 1] * w;
}
