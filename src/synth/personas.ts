/**
 * The personas behind the synthetic leads: who they are and how they behave over time.
 * Attribute draws live in attributes.ts; these numbers drive behaviour and the win hazard.
 */

export const PERSONAS = [
  'ideal',
  'evaluator',
  'newsletter',
  'cold',
  'student',
  'unsubscriber',
  'spam',
  'competitor',
] as const;
export type Persona = (typeof PERSONAS)[number];

/** Realistic default mix (sums to 1). */
export const DEFAULT_PERSONA_MIX: Readonly<Record<Persona, number>> = {
  ideal: 0.08,
  evaluator: 0.25,
  newsletter: 0.22,
  cold: 0.15,
  student: 0.1,
  unsubscriber: 0.08,
  spam: 0.07,
  competitor: 0.05,
};

/** How a persona behaves: engagement level and fade, email habits, buying episodes, negatives. */
export interface PersonaBehaviour {
  /** can this persona ever buy (students, competitors and spam never do) */
  buys: boolean;
  /** persona-level shift of the log win hazard, on top of observable fit */
  hazardShift: number;
  /** median probability of opening a marketing email while engaged */
  openRate: number;
  /** probability of clicking given an open */
  clickRate: number;
  /** median web sessions per 30 days at the start (lognormal across leads, sigma 1) */
  sessionsPer30d: number;
  /** median days for engagement to fall by e (cold leads fade fast) */
  fadeDays: number;
  /** chance of a buying episode soon after creation, and its mean delay in days */
  earlyEpisode: number;
  earlyEpisodeDelay: number;
  /** later buying episodes per year of lifetime */
  episodesPerYear: number;
  /** share of web page views that hit pricing outside buying episodes */
  pricingShare: number;
  /** chance that a session includes a download (ebook, datasheet) */
  downloadShare: number;
  /** chance of unsubscribing, and of a bouncing address; mean days until it happens */
  unsubscribe: number;
  bounce: number;
  negativeDelay: number;
  /** chance of registering for a monthly webinar while engaged */
  webinarRate: number;
}

/** Behaviour per persona (tuned so the defaults meet the documented targets). */
export const PERSONA_BEHAVIOUR: Readonly<Record<Persona, PersonaBehaviour>> = {
  ideal: {
    buys: true,
    hazardShift: 0.4,
    openRate: 0.3,
    clickRate: 0.2,
    sessionsPer30d: 0.8,
    fadeDays: 240,
    earlyEpisode: 0.55,
    earlyEpisodeDelay: 25,
    episodesPerYear: 0.7,
    pricingShare: 0.08,
    downloadShare: 0.12,
    unsubscribe: 0.04,
    bounce: 0.01,
    negativeDelay: 120,
    webinarRate: 0.1,
  },
  evaluator: {
    buys: true,
    hazardShift: 0.2,
    openRate: 0.22,
    clickRate: 0.15,
    sessionsPer30d: 0.5,
    fadeDays: 150,
    earlyEpisode: 0.3,
    earlyEpisodeDelay: 45,
    episodesPerYear: 0.45,
    pricingShare: 0.05,
    downloadShare: 0.12,
    unsubscribe: 0.08,
    bounce: 0.02,
    negativeDelay: 150,
    webinarRate: 0.06,
  },
  newsletter: {
    buys: true,
    hazardShift: -0.4,
    openRate: 0.3,
    clickRate: 0.1,
    sessionsPer30d: 0.2,
    fadeDays: 900,
    earlyEpisode: 0.0,
    earlyEpisodeDelay: 30,
    episodesPerYear: 0.15,
    pricingShare: 0.01,
    downloadShare: 0.04,
    unsubscribe: 0.05,
    bounce: 0.02,
    negativeDelay: 200,
    webinarRate: 0.02,
  },
  cold: {
    buys: true,
    hazardShift: 0.4,
    openRate: 0.25,
    clickRate: 0.12,
    sessionsPer30d: 1.2,
    fadeDays: 25,
    earlyEpisode: 0.25,
    earlyEpisodeDelay: 12,
    episodesPerYear: 0.0,
    pricingShare: 0.05,
    downloadShare: 0.15,
    unsubscribe: 0.12,
    bounce: 0.03,
    negativeDelay: 60,
    webinarRate: 0.04,
  },
  student: {
    buys: false,
    hazardShift: 0,
    openRate: 0.18,
    clickRate: 0.25,
    sessionsPer30d: 0.8,
    fadeDays: 120,
    earlyEpisode: 0,
    earlyEpisodeDelay: 30,
    episodesPerYear: 0,
    pricingShare: 0.01,
    downloadShare: 0.7,
    unsubscribe: 0.05,
    bounce: 0.08,
    negativeDelay: 120,
    webinarRate: 0.12,
  },
  unsubscriber: {
    buys: true,
    hazardShift: 0.5,
    openRate: 0.22,
    clickRate: 0.1,
    sessionsPer30d: 0.4,
    fadeDays: 60,
    earlyEpisode: 0.15,
    earlyEpisodeDelay: 20,
    episodesPerYear: 0.0,
    pricingShare: 0.02,
    downloadShare: 0.1,
    unsubscribe: 0.7,
    bounce: 0.3,
    negativeDelay: 35,
    webinarRate: 0.02,
  },
  spam: {
    buys: false,
    hazardShift: 0,
    openRate: 0.01,
    clickRate: 0.05,
    sessionsPer30d: 0,
    fadeDays: 5,
    earlyEpisode: 0,
    earlyEpisodeDelay: 1,
    episodesPerYear: 0,
    pricingShare: 0.05,
    downloadShare: 0.3,
    unsubscribe: 0.02,
    bounce: 0.6,
    negativeDelay: 5,
    webinarRate: 0,
  },
  competitor: {
    // they open nearly every email and read everything, pricing included, and never buy
    buys: false,
    hazardShift: 0,
    openRate: 0.9,
    clickRate: 0.2,
    sessionsPer30d: 0.5,
    fadeDays: 2000,
    earlyEpisode: 0,
    earlyEpisodeDelay: 30,
    episodesPerYear: 0,
    pricingShare: 0.35,
    downloadShare: 0.25,
    unsubscribe: 0,
    bounce: 0,
    negativeDelay: 100,
    webinarRate: 0.15,
  },
};
