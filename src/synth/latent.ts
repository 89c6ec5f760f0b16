import { drawAttributes, type LeadAttributes } from './attributes.ts';
import type { Calendar } from './calendar.ts';
import { PERSONA_BEHAVIOUR, type Persona } from './personas.ts';
import { chance, exponential, lognormal, normal, poisson, type Rng } from './random.ts';

/**
 * The hidden state of one lead: what it is, how engaged it is over time, when it goes through
 * buying episodes and when it turns negative. Activities are drawn from this state, and so is the
 * win: the win hazard follows buying episodes with a lag and current engagement, scaled by fit.
 */

/** A buying episode: a burst of high-intent interest starting at `start` (days), lasting `duration`. */
export interface Episode {
  start: number;
  duration: number;
  /** strength of the interest: more high-intent activity and more win hazard */
  intent: number;
}

export interface LeadLatent {
  index: number;
  leadId: string;
  persona: Persona;
  /** days since the epoch */
  createdAt: number;
  attrs: LeadAttributes;
  /** web sessions per day at creation; decays with `fadeDays` */
  sessionsPerDay: number;
  fadeDays: number;
  openRate: number;
  clickRate: number;
  /** when the lead unsubscribes or bounces (Infinity: never) */
  negativeAt: number;
  negativeKind: 'unsubscribe' | 'email_bounce' | null;
  episodes: Episode[];
  /** start of the early buying episode drawn at creation (may lie past the end; Infinity: none) */
  earlyAt: number;
  /** scale of the Erlang-2 lag from an episode to the win, in days (bigger firms decide slower) */
  lagDays: number;
  /** exp(fit + persona shift + unobserved frailty); 0 for personas that never buy */
  propensity: number;
}

/** Hazard-model constants. */
export const HAZARD = {
  /** weight of ongoing engagement (per expected web session) relative to one unit of episode intent */
  engagementWeight: 0.12,
  /** hazard multiplier after an unsubscribe or bounce */
  afterNegative: 0.15,
  /** sd of the unobserved per-lead frailty on the log hazard: why nobody can be perfect */
  frailtySd: 0.3,
  /** log-scale sd of web sessions per day across leads of a persona (heavy-tailed, but not so wide
   *  that a few months of sessions say little about a lead's rate) */
  sessionsSigma: 0.7,
  /** log-scale sd of the per-lead lag around what company size implies */
  lagSigma: 0.3,
} as const;

/** Intent of a buying episode: lognormal with this median and log-scale sigma. */
export const EPISODE_INTENT = { median: 1, sigma: 0.6 } as const;

/** Sortable lead id: L0000001, L0000002, ... */
export function leadIdOf(index: number): string {
  return 'L' + String(index + 1).padStart(7, '0');
}

/** Draw one lead's hidden state. */
export function drawLatent(rng: Rng, index: number, persona: Persona, createdAt: number, cal: Calendar): LeadLatent {
  const b = PERSONA_BEHAVIOUR[persona];
  const attrs = drawAttributes(rng, persona, index);
  const end = cal.end;

  const episodes: Episode[] = [];
  const addEpisode = (start: number) => {
    if (start < end)
      episodes.push({
        start,
        duration: 2 + exponential(rng, 8),
        intent: lognormal(rng, EPISODE_INTENT.median, EPISODE_INTENT.sigma),
      });
  };
  let earlyAt = Infinity;
  if (chance(rng, b.earlyEpisode)) addEpisode((earlyAt = createdAt + exponential(rng, b.earlyEpisodeDelay)));
  const years = (end - createdAt) / 365;
  const later = poisson(rng, b.episodesPerYear * years);
  for (let k = 0; k < later; k++) addEpisode(createdAt + rng() * (end - createdAt));
  episodes.sort((x, y) => x.start - y.start);

  let negativeAt = Infinity;
  let negativeKind: LeadLatent['negativeKind'] = null;
  const u = rng();
  if (u < b.bounce || u < b.bounce + b.unsubscribe) {
    negativeKind = u < b.bounce ? 'email_bounce' : 'unsubscribe';
    // both happen on an email: a bounce at the send, an unsubscribe shortly after it
    const send = cal.firstSendAfter(createdAt + exponential(rng, b.negativeDelay));
    if (send < cal.sends.length) {
      negativeAt = cal.sends[send].at + (negativeKind === 'email_bounce' ? 1 / 1440 : lognormal(rng, 0.2, 1));
      if (negativeAt > end) negativeAt = Infinity;
    }
    if (negativeAt === Infinity) negativeKind = null;
  }

  const size = attrs.companySize ?? 200;
  const frailty = normal(rng) * HAZARD.frailtySd;
  return {
    index,
    leadId: leadIdOf(index),
    persona,
    createdAt,
    attrs,
    sessionsPerDay: b.sessionsPer30d > 0 ? lognormal(rng, b.sessionsPer30d / 30, HAZARD.sessionsSigma) : 0,
    fadeDays: lognormal(rng, b.fadeDays, 0.5),
    openRate: logistic(logit(b.openRate) + 0.8 * normal(rng)),
    clickRate: b.clickRate,
    negativeAt,
    negativeKind,
    episodes,
    earlyAt,
    lagDays: (6 + 4 * Math.log10(1 + size)) * lognormal(rng, 1, HAZARD.lagSigma),
    propensity: b.buys ? Math.exp(attrs.fit + b.hazardShift + frailty) : 0,
  };
}

/** Cumulative win hazard from creation to `t`, before the intercept (multiply by exp(b0)). */
export function cumulativeHazard(l: LeadLatent, t: number): number {
  if (l.propensity === 0 || t <= l.createdAt) return 0;
  if (t <= l.negativeAt) return l.propensity * rawHazard(l, t);
  const atNegative = rawHazard(l, l.negativeAt);
  return l.propensity * (atNegative + HAZARD.afterNegative * (rawHazard(l, t) - atNegative));
}

// Episodes push the hazard through an Erlang-2 lag; ongoing engagement pushes it directly.
function rawHazard(l: LeadLatent, t: number): number {
  let h = 0;
  for (const e of l.episodes) h += e.intent * erlang2Cdf(t - e.start, l.lagDays);
  return h + engagementHazard(l, t);
}

/** Raw cumulative hazard from ongoing (fading) engagement up to t, before propensity and negatives. */
export function engagementHazard(l: LeadLatent, t: number): number {
  const age = t - l.createdAt;
  if (age <= 0) return 0;
  return HAZARD.engagementWeight * l.sessionsPerDay * l.fadeDays * -Math.expm1(-age / l.fadeDays);
}

/** CDF of the Erlang-2 lag from an episode's start to its hazard, at x days. */
export function erlang2Cdf(x: number, scale: number): number {
  if (x <= 0) return 0;
  const z = x / scale;
  return 1 - Math.exp(-z) * (1 + z);
}

function logit(p: number): number {
  return Math.log(p / (1 - p));
}

function logistic(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
