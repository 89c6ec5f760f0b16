import type { ActivityType } from '../schema/index.ts';
import type { Calendar } from './calendar.ts';
import type { LeadLatent } from './latent.ts';
import type { ActivityColumns } from './staging.ts';
import { PERSONA_BEHAVIOUR } from './personas.ts';
import { chance, exponential, lognormal, pick, poisson, type Rng } from './random.ts';
import { PAGES } from './words.ts';

/**
 * Activities drawn from a lead's hidden state: the arrival touch, marketing emails (opens fade with
 * engagement; a bounce or unsubscribe ends them), web sessions (heavy-tailed, fading, weekday and
 * season weighted), webinars, buying-episode bursts of high intent, and spam bursts within seconds.
 * Nothing is dated before the lead's creation or after `stop` (the end, or the win).
 */

/** What the outcome stage needs to know about the activities drawn. */
export interface ActivitySummary {
  /** time of the first demo/trial/contact-sales request (Infinity: none) */
  firstHighIntent: number;
  /** time of the last one before the stop (Infinity: none) */
  lastHighIntent: number;
}

const SECOND = 1 / 86_400;
const MINUTE = 60 * SECOND;
// Share of buying episodes that leave no trace (offline research): only the oracle knows them.
const DARK_EPISODES = 0.05;
// Engaged leads still open some mail after they fade.
const OPEN_FLOOR = 0.08;

type Channel = 'email' | 'web' | 'webinar' | 'event';

/** Draw all activities of one lead into `out`, stopping at `stop`. */
export function drawActivities(
  rng: Rng,
  l: LeadLatent,
  cal: Calendar,
  stop: number,
  out: ActivityColumns,
): ActivitySummary {
  const summary: ActivitySummary = { firstHighIntent: Infinity, lastHighIntent: Infinity };
  const c = l.createdAt;
  const emit = (
    t: number,
    type: ActivityType,
    channel: Channel,
    campaign: string | null,
    url: string | null,
    value: number | null,
  ) => {
    if (t < c || t > stop) return;
    out.add(Math.round(t * 86_400), type, channel, campaign, url, value);
    if (type === 'demo_request' || type === 'trial_request' || type === 'contact_sales') {
      if (t < summary.firstHighIntent) summary.firstHighIntent = t;
      if (summary.lastHighIntent === Infinity || t > summary.lastHighIntent) summary.lastHighIntent = t;
    }
  };
  const b = PERSONA_BEHAVIOUR[l.persona];

  arrival(rng, l, emit);
  if (l.persona === 'spam') spamBursts(rng, l, cal, stop, emit);
  emails(rng, l, cal, stop, emit);
  sessions(rng, l, cal, stop, b.pricingShare, b.downloadShare, emit);
  webinars(rng, l, cal, stop, b.webinarRate, emit);
  for (const e of l.episodes) if (e.start < stop) episode(rng, l, cal, stop, e.start, e.duration, e.intent, emit);
  if (l.persona === 'competitor' && chance(rng, 0.15)) {
    // competitors sometimes book a demo to look at the product
    emit(cal.sample(rng, c, stop), 'demo_request', 'web', null, '/demo', null);
  }
  return summary;
}

type Emit = (
  t: number,
  type: ActivityType,
  channel: Channel,
  campaign: string | null,
  url: string | null,
  value: number | null,
) => void;

// The touch that made the record: its source decides what it was.
function arrival(rng: Rng, l: LeadLatent, emit: Emit): void {
  const t = l.createdAt;
  switch (l.attrs.leadSource) {
    case 'website':
    case 'paid_search':
    case 'referral':
      emit(
        t,
        'page_view',
        'web',
        l.attrs.leadSource === 'paid_search' ? 'paid-search' : null,
        pick(rng, PAGES.product),
        dwell(rng),
      );
      emit(t + 40 * SECOND, 'form_submission', 'web', null, '/contact', null);
      return;
    case 'content':
      emit(t, 'content_download', 'web', null, pick(rng, PAGES.content), null);
      emit(t + 5 * SECOND, 'form_submission', 'web', null, '/resources', null);
      return;
    case 'newsletter':
      emit(t, 'newsletter_signup', 'web', null, '/newsletter', null);
      return;
    case 'webinar':
      emit(t, 'webinar_registration', 'webinar', null, '/webinars', null);
      return;
    case 'event':
      emit(t, 'event_attended', 'event', null, null, null);
      return;
    case 'social':
      emit(t, 'page_view', 'web', 'social', pick(rng, PAGES.blog), dwell(rng));
      emit(t + 30 * SECOND, 'blog_subscribe', 'web', null, '/blog', null);
      return;
    default:
      // purchased lists arrive without any touch
      return;
  }
}

function engagement(l: LeadLatent, t: number): number {
  return Math.exp(-(t - l.createdAt) / l.fadeDays);
}

function emails(rng: Rng, l: LeadLatent, cal: Calendar, stop: number, emit: Emit): void {
  const sends = cal.sends;
  for (let i = cal.firstSendAfter(l.createdAt); i < sends.length; i++) {
    const s = sends[i];
    if (s.at > stop) return;
    if (s.at >= l.negativeAt) break;
    // the send that bounces is never opened
    if (l.negativeKind === 'email_bounce' && l.negativeAt - s.at <= 1.5 / 1440) break;
    const level = OPEN_FLOOR + (1 - OPEN_FLOOR) * engagement(l, s.at);
    if (rng() >= l.openRate * level) continue;
    const openAt = s.at + lognormal(rng, 2 / 24, 1.2);
    if (openAt >= l.negativeAt) break;
    emit(openAt, 'email_open', 'email', s.campaign, null, null);
    if (rng() < l.clickRate) {
      const clickAt = openAt + exponential(rng, 3 * MINUTE);
      const page = rng() < 0.6 ? pick(rng, PAGES.blog) : pick(rng, PAGES.product);
      emit(clickAt, 'email_click', 'email', s.campaign, page, null);
      emit(clickAt + 2 * SECOND, 'page_view', 'web', s.campaign, page, dwell(rng));
    }
  }
  if (l.negativeKind !== null && l.negativeAt <= stop) emit(l.negativeAt, l.negativeKind, 'email', null, null, null);
}

// Web sessions: a fading Poisson process, lognormal rate across leads (heavy-tailed counts).
function sessions(
  rng: Rng,
  l: LeadLatent,
  cal: Calendar,
  stop: number,
  pricingShare: number,
  downloadShare: number,
  emit: Emit,
): void {
  if (l.sessionsPerDay <= 0) return;
  const c = l.createdAt;
  const span = stop - c;
  const expected = l.sessionsPerDay * l.fadeDays * (1 - Math.exp(-span / l.fadeDays));
  const n = poisson(rng, expected);
  for (let s = 0; s < n; s++) {
    let t = cal.sample(rng, c, stop, l.fadeDays);
    const pages = 1 + poisson(rng, 0.5);
    for (let p = 0; p < pages; p++) {
      const u = rng();
      if (u < pricingShare) emit(t, 'pricing_page_view', 'web', null, pick(rng, PAGES.pricing), dwell(rng));
      else
        emit(
          t,
          'page_view',
          'web',
          null,
          u < 0.55 ? pick(rng, PAGES.blog) : u < 0.85 ? pick(rng, PAGES.product) : pick(rng, PAGES.docs),
          dwell(rng),
        );
      t += exponential(rng, 1.5 * MINUTE);
    }
    if (rng() < downloadShare) {
      if (rng() < 0.6) emit(t, 'content_download', 'web', null, pick(rng, PAGES.content), null);
      else emit(t, 'document_download', 'web', null, pick(rng, PAGES.documents), null);
    }
    if (rng() < 0.02) emit(t + 20 * SECOND, 'blog_subscribe', 'web', null, '/blog', null);
  }
}

// Monthly webinars: register while engaged, attend about half of them (value: minutes watched).
function webinars(rng: Rng, l: LeadLatent, cal: Calendar, stop: number, monthlyRate: number, emit: Emit): void {
  if (monthlyRate <= 0) return;
  const engagedMonths = (l.fadeDays * (1 - Math.exp(-(stop - l.createdAt) / l.fadeDays))) / 30;
  const n = poisson(rng, monthlyRate * engagedMonths);
  for (let k = 0; k < n; k++) {
    const reg = cal.sample(rng, l.createdAt, stop, l.fadeDays);
    emit(reg, 'webinar_registration', 'webinar', null, '/webinars', null);
    if (rng() < 0.5)
      emit(
        reg + 1 + exponential(rng, 6),
        'webinar_attended',
        'webinar',
        null,
        null,
        Math.round(lognormal(rng, 35, 0.4)),
      );
  }
  if (l.persona !== 'spam' && rng() < monthlyRate * 0.15)
    emit(cal.sample(rng, l.createdAt, stop), 'event_attended', 'event', null, null, null);
}

// A buying episode: pricing, product and docs pages, datasheets, then requests; a few stay dark.
// Counts grow with intent, so what a snapshot sees of an episode says how strong it was.
function episode(
  rng: Rng,
  l: LeadLatent,
  cal: Calendar,
  stop: number,
  start: number,
  duration: number,
  intent: number,
  emit: Emit,
): void {
  if (rng() < DARK_EPISODES) return;
  const lo = Math.max(start, l.createdAt);
  const hi = Math.min(start + duration, stop);
  if (hi <= lo) return;
  const at = () => cal.sample(rng, lo, hi);
  for (let k = poisson(rng, 2.5 * intent); k > 0; k--)
    emit(at(), 'pricing_page_view', 'web', null, pick(rng, PAGES.pricing), dwell(rng));
  for (let k = poisson(rng, 2.5 * intent); k > 0; k--)
    emit(at(), 'page_view', 'web', null, rng() < 0.6 ? pick(rng, PAGES.product) : pick(rng, PAGES.docs), dwell(rng));
  for (let k = poisson(rng, 0.5 * intent); k > 0; k--)
    emit(at(), 'document_download', 'web', null, pick(rng, PAGES.documents), null);
  const senior = l.persona === 'ideal' ? 1.3 : 1;
  if (rng() < 1 - Math.exp(-0.8 * intent * senior)) emit(at(), 'demo_request', 'web', null, '/demo', null);
  if (rng() < 1 - Math.exp(-0.5 * intent)) emit(at(), 'trial_request', 'web', null, '/trial', null);
  if (rng() < 1 - Math.exp(-0.45 * intent * senior)) emit(at(), 'contact_sales', 'web', null, '/contact-sales', null);
  if (rng() < 0.2) emit(at(), 'form_submission', 'web', null, '/contact', null);
}

// Bots and junk sign-ups: bursts of events within seconds of each other.
function spamBursts(rng: Rng, l: LeadLatent, cal: Calendar, stop: number, emit: Emit): void {
  const bursts = 1 + poisson(rng, 0.5);
  for (let b = 0; b < bursts; b++) {
    let t = b === 0 ? l.createdAt : cal.sample(rng, l.createdAt, Math.min(stop, l.createdAt + 30));
    for (let k = 3 + poisson(rng, 6); k > 0; k--) {
      const u = rng();
      if (u < 0.45) emit(t, 'page_view', 'web', null, pick(rng, PAGES.blog), 1);
      else if (u < 0.65) emit(t, 'form_submission', 'web', null, '/contact', null);
      else if (u < 0.8) emit(t, 'content_download', 'web', null, pick(rng, PAGES.content), null);
      else if (u < 0.9) emit(t, 'newsletter_signup', 'web', null, '/newsletter', null);
      else if (u < 0.95) emit(t, 'pricing_page_view', 'web', null, '/pricing', 1);
      else emit(t, 'demo_request', 'web', null, '/demo', null);
      t += exponential(rng, 2 * SECOND);
    }
  }
}

// Seconds on page (heavy-tailed).
function dwell(rng: Rng): number {
  return Math.round(lognormal(rng, 45, 1));
}
