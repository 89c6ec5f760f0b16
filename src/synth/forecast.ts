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
export function forecastWin(
  l: LeadLatent,
  b0: number,
  cal: Calendar,
  a: number,
  b: number,
  grid: ForecastGrid = DEFAULT_GRID,
): number {
  if (l.propensity === 0 || b <= a) return 0;
  const k = Math.exp(b0) * l.propensity;
  const beh = PERSONA_BEHAVIOUR[l.persona];
  const lag = l.lagDays;
  const after = HAZARD.afterNegative;

  // hazard already set in motion by the past: episodes started before a, and engagement
  let nPast = 0;
  for (const e of l.episodes) if (e.start < a) nPast++;
  const ra = knownHazard(l, nPast, a);
  const rb = knownHazard(l, nPast, b);

  // future episodes: later ones at `rate` per day; the early one still pending with chance q
  const rate = beh.episodesPerYear / 365;
  const early = beh.earlyEpisode;
  let q = 0;
  if (early > 0 && !(l.earlyAt < a)) {
    const still = early * Math.exp(-(Math.max(a, l.createdAt) - l.createdAt) / beh.earlyEpisodeDelay);
    q = still / (1 - early + still);
  }
  // scenarios for the negative event: already happened, or a pending one binned over the window
  let nt = 0;
  if (l.negativeAt < a) {
    TAUS[nt] = -Infinity;
    MASSES[nt++] = 1;
  } else {
    // short (snapshot) windows start and end on dates shared by every lead: cache their send lookups
    const shared = b - a <= grid.sendBinsUpToDays;
    const gA = negativeCdf(l, cal, a, shared);
    const pending = 1 - gA;
    let rest = 1;
    const gB = negativeCdf(l, cal, b, shared);
    if (pending > 1e-12 && gB - gA > grid.lumpBelow * pending) {
      // a negative event lands on an email send (a bounce) or a few hours after one (an unsubscribe):
      // short windows bin it between sends, at the send; long ones on a coarse grid, mid-bin
      const atSends = b - a <= grid.sendBinsUpToDays;
      let ne = 0;
      if (atSends) {
        for (let i = cal.firstSendAfter(a); i < cal.sends.length && cal.sends[i].at < b; i++) {
          if (cal.sends[i].at > a) {
            if (ne + 2 > EDGES.length) growEdges();
            EDGES[ne] = cal.sends[i].at;
            EDGE_G[ne++] = negativeCdfAtSend(l, cal, i);
          }
        }
      } else {
        const bins = Math.max(grid.minBins, Math.ceil((b - a) / grid.tauBinDays));
        for (let j = 1; j < bins; j++) {
          if (ne + 2 > EDGES.length) growEdges();
          EDGES[ne] = a + ((b - a) * j) / bins;
          EDGE_G[ne] = negativeCdf(l, cal, EDGES[ne]);
          ne++;
        }
      }
      EDGES[ne] = b;
      EDGE_G[ne++] = gB;
      let gLo = gA;
      let lo = a;
      for (let j = 1; j <= ne; j++) {
        const hi = EDGES[j - 1];
        const gHi = EDGE_G[j - 1];
        const m = (gHi - gLo) / pending;
        if (m > 1e-4) {
          if (nt + 2 > TAUS.length) growScenarios();
          TAUS[nt] = atSends ? (j === 1 ? lo : Math.min(hi, lo + 0.2)) : (lo + hi) / 2;
          MASSES[nt++] = m;
          rest -= m;
        }
        gLo = gHi;
        lo = hi;
      }
    } else if (pending > 1e-12 && gB - gA > 1e-6 * pending) {
      // unlikely within the window: one scenario mid-window carries it (error ~ its small mass)
      TAUS[nt] = (a + b) / 2;
      MASSES[nt++] = (gB - gA) / pending;
      rest -= (gB - gA) / pending;
    }
    if (nt + 1 > TAUS.length) growScenarios();
    TAUS[nt] = Infinity;
    MASSES[nt++] = Math.max(0, rest);
  }

  // start nodes (midpoints): what a future episode starting there would add, without a negative,
  // and its Laplace factor with (gFull) and without (gAfter) the negative damping. Each factor costs a log per
  // node, so it is computed only when a scenario uses it: gFull when the negative may come after the window (not
  // when it already happened: ~13% of calls), gAfter when it may come before some node.
  let useFull = false;
  let useAfter = false;
  for (let j = 0; j < nt; j++) {
    if (Math.min(Math.max(TAUS[j], a), b) >= b) useFull = true;
    else useAfter = true;
  }
  const n = Math.max(
    grid.minSteps,
    Math.ceil((b - a) / (b - a > grid.sendBinsUpToDays ? grid.longStepDays : grid.stepDays)),
  );
  const step = (b - a) / n;
  if (n > FB.length) growSteps(n);
  const fb = FB;
  const earlyW = EARLY_W;
  const gFull = G_FULL;
  const gAfter = G_AFTER;
  const d = beh.earlyEpisodeDelay;
  // a node's upper exponent is usually the next node's lower one to the bit: then its exp is reused
  let xPrev = NaN;
  let ePrev = NaN;
  for (let i = 0; i < n; i++) {
    const lo = a + i * step;
    fb[i] = erlang2Cdf(b - lo - step / 2, lag);
    if (useFull) gFull[i] = intentLaplace(k * fb[i]);
    if (useAfter) gAfter[i] = intentLaplace(k * (after * fb[i]));
    if (q > 0) {
      const x0 = -(lo - a) / d;
      const x1 = -(lo + step - a) / d;
      const e1 = Math.exp(x1);
      earlyW[i] = (x0 === xPrev ? ePrev : Math.exp(x0)) - e1;
      xPrev = x1;
      ePrev = e1;
    } else earlyW[i] = 0;
  }
  const earlyBeyond = q > 0 ? Math.exp(-(b - a) / d) : 0;

  let pNoWin = 0;
  for (let j = 0; j < nt; j++) {
    const tau = Math.min(Math.max(TAUS[j], a), b);
    // the window's ends recur in most scenarios: their known hazard is already at hand
    const kt = tau === a ? ra : tau === b ? rb : knownHazard(l, nPast, tau);
    const knownPart = kt - ra + after * (rb - kt);
    let logLater = 0;
    let earlyNoWin = 0;
    for (let i = 0; i < n; i++) {
      const s = a + (i + 0.5) * step;
      // hazard an episode starting at s puts in the window: full before tau, damped after it
      let g: number;
      if (tau <= s) g = gAfter[i];
      else if (tau >= b) g = gFull[i];
      else {
        const fu = erlang2Cdf(tau - s, lag);
        g = intentLaplace(k * (fu + after * (fb[i] - fu)));
      }
      logLater -= 1 - g;
      earlyNoWin += earlyW[i] * g;
    }
    let f = Math.exp(-k * knownPart + rate * step * logLater);
    if (q > 0) f *= 1 - q + q * (earlyNoWin + earlyBeyond);
    pNoWin += MASSES[j] * f;
  }
  return Math.min(1, Math.max(0, 1 - pNoWin));
}

// Raw hazard known at the start of a window: engagement plus the first nPast episodes.
function knownHazard(l: LeadLatent, nPast: number, t: number): number {
  let h = engagementHazard(l, t);
  const eps = l.episodes;
  const lag = l.lagDays;
  for (let i = 0; i < nPast; i++) h += eps[i].intent * erlang2Cdf(t - eps[i].start, lag);
  return h;
}

// Reused work arrays (forecastWin is synchronous and not re-entrant).
let FB = new Float64Array(64);
let EARLY_W = new Float64Array(64);
let G_FULL = new Float64Array(64);
let G_AFTER = new Float64Array(64);
let TAUS = new Float64Array(64);
let MASSES = new Float64Array(64);
let EDGES = new Float64Array(64);
let EDGE_G = new Float64Array(64);
function growSteps(n: number): void {
  FB = new Float64Array(2 * n);
  EARLY_W = new Float64Array(2 * n);
  G_FULL = new Float64Array(2 * n);
  G_AFTER = new Float64Array(2 * n);
}
function grown(x: Float64Array): Float64Array<ArrayBuffer> {
  const t = new Float64Array(x.length * 2);
  t.set(x);
  return t;
}
function growScenarios(): void {
  TAUS = grown(TAUS);
  MASSES = grown(MASSES);
}
function growEdges(): void {
  EDGES = grown(EDGES);
  EDGE_G = grown(EDGE_G);
}

// negativeCdf memoised at email sends for the lead being forecast (it depends only on the persona
// and creation time): consecutive monthly windows share most of their sends.
let memoCal: Calendar | null = null;
let memoPersona = '';
let memoCreated = NaN;
let memo = new Float64Array(0);
function negativeCdfAtSend(l: LeadLatent, cal: Calendar, i: number): number {
  if (memoCal !== cal || memoPersona !== l.persona || memoCreated !== l.createdAt) {
    memoCal = cal;
    memoPersona = l.persona;
    memoCreated = l.createdAt;
    if (memo.length !== cal.sends.length) memo = new Float64Array(cal.sends.length);
    memo.fill(NaN);
  }
  let g = memo[i];
  if (g !== g) g = memo[i] = negativeCdf(l, cal, cal.sends[i].at);
  return g;
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
export const DEFAULT_GRID: ForecastGrid = {
  stepDays: 5,
  minSteps: 6,
  tauBinDays: 30,
  minBins: 3,
  sendBinsUpToDays: 120,
  longStepDays: 10,
  lumpBelow: 0.05,
};

// Chance that the lead's negative event has happened by t, as seen at creation (prior).
function negativeCdf(l: LeadLatent, cal: Calendar, t: number, cache = false): number {
  const beh = PERSONA_BEHAVIOUR[l.persona];
  const last = cache ? lastSendsBefore(cal, t) : fillLastSends(cal, t, LAST_SCRATCH);
  let g = 0;
  if (beh.bounce > 0) g += beh.bounce * sendCdf(l, last[0], beh.negativeDelay);
  if (beh.unsubscribe > 0) {
    // unsubscribes follow their send by a lognormal delay (median 0.2 days, sigma 1); most nodes
    // land on the same send, so its value is reused (same inputs, same bits)
    let s = 0;
    let prevLast = NaN;
    let prev = 0;
    for (let i = 0; i < GH_X.length; i++) {
      const x = last[i + 1];
      if (x !== prevLast) {
        prev = sendCdf(l, x, beh.negativeDelay);
        prevLast = x;
      }
      s += GH_W[i] * prev;
    }
    g += beh.unsubscribe * (s / Math.sqrt(Math.PI));
  }
  return g;
}

// P(the first send at or after createdAt + Exp(mean) is at or before the send at `last`
// (the last one at or before some x; NaN: none)).
function sendCdf(l: LeadLatent, last: number, mean: number): number {
  if (!(last >= l.createdAt)) return 0;
  return -Math.expm1(-(last - l.createdAt) / mean);
}

// Times of the last send at or before t - 1 minute (a bounce) and t - each unsubscribe delay
// (NaN: none). They depend on t alone, and the same t (snapshot dates, sends) recur for every
// lead, so they are cached per calendar.
let lastCal: Calendar | null = null;
let lastCache = new Map<number, Float64Array>();
function lastSendsBefore(cal: Calendar, t: number): Float64Array {
  if (lastCal !== cal) {
    lastCal = cal;
    lastCache = new Map();
  }
  let r = lastCache.get(t);
  if (r === undefined) {
    r = fillLastSends(cal, t, new Float64Array(1 + GH_X.length));
    if (lastCache.size > 10_000) lastCache.clear();
    lastCache.set(t, r);
  }
  return r;
}
const LAST_SCRATCH = new Float64Array(11);
function fillLastSends(cal: Calendar, t: number, r: Float64Array): Float64Array {
  // one binary search for the latest instant, then walk back: the delays only grow
  const sends = cal.sends;
  let x = t - 1 / 1440;
  let k = lastSendIndex(cal, x);
  r[0] = k < 0 ? NaN : sends[k].at;
  for (let i = 0; i < GH_X.length; i++) {
    x = t - GH_DELAY[i];
    while (k >= 0 && sends[k].at > x) k--;
    r[i + 1] = k < 0 ? NaN : sends[k].at;
  }
  return r;
}

// Index of the last send at or before x (-1: none).
function lastSendIndex(cal: Calendar, x: number): number {
  const sends = cal.sends;
  let lo = 0;
  let hi = sends.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sends[mid].at <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

// Gauss-Hermite nodes and weights (10 points) for expectations over a normal.
const GH_X = [
  -3.4361591188, -2.5327316742, -1.7566836493, -1.0366108298, -0.3429013272, 0.3429013272, 1.0366108298, 1.7566836493,
  2.5327316742, 3.4361591188,
];
// the unsubscribe delays at the nodes: 0.2 * exp(sqrt(2) * x)
const GH_DELAY = GH_X.map((x) => 0.2 * Math.exp(Math.SQRT2 * x));
const GH_W = [
  7.640432855e-6, 0.001343645747, 0.03387439446, 0.240138611, 0.6108626337, 0.6108626337, 0.240138611, 0.03387439446,
  0.001343645747, 7.640432855e-6,
];

// Trapezoid nodes of laplaceDirect on z in [-8, 8]: weight * normal density (unnormalised), exp(sigma * z).
const LAPLACE_NODES = 400;
const NORMAL_W = new Float64Array(LAPLACE_NODES + 1);
const INTENT_AT = new Float64Array(LAPLACE_NODES + 1);
for (let i = 0; i <= LAPLACE_NODES; i++) {
  const z = -8 + (16 * i) / LAPLACE_NODES;
  NORMAL_W[i] = (i === 0 || i === LAPLACE_NODES ? 0.5 : 1) * Math.exp((-z * z) / 2);
  INTENT_AT[i] = Math.exp(EPISODE_INTENT.sigma * z);
}

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
  // trapezoid over the normal on [-8, 8]: accurate for every x (used to fill the table and for huge x).
  // Terms fall with z, so once one underflows to 0 the rest add nothing: stopping there is exact.
  let s = 0;
  for (let i = 0; i <= LAPLACE_NODES; i++) {
    const e = Math.exp(-x * EPISODE_INTENT.median * INTENT_AT[i]);
    if (e === 0) break;
    s += NORMAL_W[i] * e;
  }
  return (s * (16 / LAPLACE_NODES)) / Math.sqrt(2 * Math.PI);
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
