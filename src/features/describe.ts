import type { EncoderState } from './encoders.ts';
import type { FeatureDef, FeatureSpec } from './spec.ts';

/**
 * Feature values in words a sales rep understands, for the "reasons" next to a score:
 * "visited pricing page 3 times in the last 7 days", "job title suggests a decision maker (vp)".
 */

const ACTIVITY_PHRASES: Record<string, [verb: string, noun: string]> = {
  email_open: ['opened emails', 'email opens'],
  email_click: ['clicked emails', 'email clicks'],
  page_view: ['viewed web pages', 'page views'],
  pricing_page_view: ['visited pricing page', 'pricing page visits'],
  newsletter_signup: ['signed up for the newsletter', 'newsletter signups'],
  blog_subscribe: ['subscribed to the blog', 'blog subscriptions'],
  content_download: ['downloaded content', 'content downloads'],
  document_download: ['downloaded documents', 'document downloads'],
  webinar_registration: ['registered for webinars', 'webinar registrations'],
  webinar_attended: ['attended webinars', 'webinars attended'],
  event_attended: ['attended events', 'events attended'],
  form_submission: ['submitted forms', 'form submissions'],
  demo_request: ['requested a demo', 'demo requests'],
  trial_request: ['requested a trial', 'trial requests'],
  contact_sales: ['contacted sales', 'sales contacts'],
  unsubscribe: ['unsubscribed', 'unsubscribes'],
  email_bounce: ['had emails bounce', 'bounced emails'],
};

const human = (s: string) => s.replaceAll('_', ' ');
const num = (x: number) => (Number.isInteger(x) ? String(x) : Math.abs(x) >= 10 ? x.toFixed(0) : x.toFixed(1));
const times = (n: number) => `${num(n)} ${n === 1 ? 'time' : 'times'}`;

function activityWords(names: readonly string[]): [verb: string, noun: string] {
  if (names.length === 1 && names[0] === 'all') return ['was active', 'activities'];
  if (names.length === 1 && ACTIVITY_PHRASES[names[0]]) return ACTIVITY_PHRASES[names[0]];
  const noun = `${names.map(human).join(' / ')} activities`;
  return [`had ${noun}`, noun];
}

const windowWords = (days?: number) => (days === undefined ? 'ever' : `in the last ${num(days)} days`);

/** An activity feature's verb, noun and window words, made once per definition. */
const activityWordsCache = new WeakMap<FeatureDef, [verb: string, noun: string, window: string]>();
function activityDefWords(def: FeatureDef & { type: 'activity' }): [verb: string, noun: string, window: string] {
  let words = activityWordsCache.get(def);
  if (!words) {
    words = [...activityWords(def.activities), windowWords(def.window_days)];
    activityWordsCache.set(def, words);
  }
  return words;
}

const SENIORITY_WORDS: Record<string, string> = {
  c_level: 'job title suggests a decision maker (c-level)',
  vp: 'job title suggests a decision maker (vp)',
  director: 'job title suggests a decision maker (director)',
  manager: 'job title suggests a manager',
  student: 'job title suggests a student or researcher',
  individual: 'job title suggests an individual contributor',
  missing: 'no job title',
};

const EMAIL_KIND_WORDS: Record<string, string> = {
  free: 'free email domain',
  disposable: 'disposable email address',
  competitor: "email from a competitor's domain",
  academic: 'academic email domain',
  corporate: 'company email domain',
  missing: 'no email address',
};

function findDef(source: EncoderState | FeatureSpec, name: string): FeatureDef | undefined {
  if ('version' in source && 'columns' in source && Array.isArray((source as EncoderState).columns)) {
    return (source as EncoderState).features.find((f) => f.name === name)?.def;
  }
  return (source as FeatureSpec).features.find((f) => f.name === name);
}

/**
 * Describe one feature value in plain words. `source` is a fitted EncoderState (carries the
 * definitions) or the spec; `context` may hold the lead row (e.g. email, job_title) for detail.
 */
export function describeFeature(
  source: EncoderState | FeatureSpec,
  featureName: string,
  rawValue: unknown,
  context: Record<string, unknown> = {},
): string {
  return describeWith(findDef(source, featureName), featureName, rawValue, context);
}

/**
 * describeFeature for one feature, its definition looked up once: for describing a column's values
 * by the million (a lookup per value was a scan of the spec's features).
 */
export function featureDescriber(
  source: EncoderState | FeatureSpec,
  featureName: string,
): (rawValue: unknown) => string {
  const def = findDef(source, featureName);
  return (rawValue) => describeWith(def, featureName, rawValue, {});
}

function describeWith(
  def: FeatureDef | undefined,
  featureName: string,
  rawValue: unknown,
  context: Record<string, unknown>,
): string {
  const missing =
    rawValue === null || rawValue === undefined || (typeof rawValue === 'number' && Number.isNaN(rawValue));
  const x = typeof rawValue === 'number' ? rawValue : Number(rawValue);
  if (!def) {
    // flat tables: no definition, say the column and the value
    if (missing) return `${featureName} unknown`;
    return typeof rawValue === 'number' ? `${featureName} = ${num(x)}` : `${featureName} is "${String(rawValue)}"`;
  }
  switch (def.type) {
    case 'activity': {
      const [verb, noun, w] = activityDefWords(def);
      switch (def.agg) {
        case 'count':
          return x === 0 ? `no ${noun} ${w}` : `${verb} ${times(x)} ${w}`;
        case 'distinct_days':
          return `${noun} on ${num(x)} different ${x === 1 ? 'day' : 'days'} ${w}`;
        case 'days_since_last':
          return missing ? `no ${noun} yet` : `last of the ${noun} ${num(x)} days ago`;
        case 'days_since_first':
          return missing ? `no ${noun} yet` : `first of the ${noun} ${num(x)} days ago`;
        case 'decayed_sum':
          return `recent ${noun} score ${num(x)} (each counts half after ${num(def.half_life_days!)} days)`;
        case 'any':
          return x > 0 ? `${verb} ${w === 'ever' ? '' : w}`.trim() : `never ${verb}`;
      }
      break;
    }
    case 'ratio':
      return missing
        ? `${human(def.name)}: no ${human(def.denominator)} to compare with`
        : `${num(x)} ${human(def.numerator)} per ${human(def.denominator)}`;
    case 'burst':
      return def.agg === 'max_in_window'
        ? `up to ${num(x)} events within ${num(def.seconds)} seconds${x >= 5 ? ' (looks automated)' : ''}`
        : `${num(x)} events less than ${num(def.seconds)} s after the previous one${x >= 3 ? ' (looks automated)' : ''}`;
    case 'derived': {
      const v = String(rawValue);
      switch (def.derive) {
        case 'seniority':
          return SENIORITY_WORDS[v] ?? `job title seniority: ${v}`;
        case 'email_domain_kind': {
          const domain =
            typeof context.email === 'string' && context.email.includes('@')
              ? ` (${context.email.split('@')[1].toLowerCase()})`
              : '';
          return (EMAIL_KIND_WORDS[v] ?? `email domain: ${v}`) + (v === 'missing' ? '' : domain);
        }
        case 'email_domain':
          return missing ? 'no email domain' : `email domain ${v}`;
        case 'department':
          return v === 'missing'
            ? 'no job title'
            : v === 'other'
              ? 'department unclear from job title'
              : `works in ${v}`;
        case 'company_size_band':
          return v === 'missing' ? 'company size unknown' : `company of ${v} employees`;
        case 'revenue_band':
          return v === 'missing' ? 'company revenue unknown' : `company revenue ${v}`;
        case 'region':
          return v === 'missing' ? 'country unknown' : `based in ${human(v)}`;
        case 'disposable_email':
          return x > 0 ? 'disposable email address' : 'not a disposable email address';
        case 'competitor_email':
          return x > 0 ? "email from a competitor's domain" : 'not from a competitor';
        case 'free_email':
          return x > 0 ? 'free email domain' : 'not a free email domain';
        case 'student_title':
          return x > 0 ? 'looks like a student or researcher' : 'not a student or researcher';
        case 'lead_age_days':
          return `lead created ${num(x)} days ago`;
      }
      break;
    }
    case 'attribute':
      if (missing) return `${human(def.column)} unknown`;
      return def.kind === 'numeric' ? `${human(def.column)} ${num(x)}` : `${human(def.column)} is ${String(rawValue)}`;
    case 'expr':
      if (missing) return `${human(def.name)} unknown`;
      if (def.kind === 'numeric' && (x === 0 || x === 1)) return `${human(def.name)}: ${x === 1 ? 'yes' : 'no'}`;
      return `${human(def.name)}: ${typeof rawValue === 'number' ? num(x) : String(rawValue)}`;
  }
  return `${human(featureName)}: ${String(rawValue)}`;
}
