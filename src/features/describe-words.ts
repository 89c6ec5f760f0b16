/**
 * The vocabulary of the feature descriptions: how activities, sets of them, seniorities, email kinds, regions,
 * departments, industries and lead sources are said, and how numbers, counts and days read.
 */
import { activityTypesOf } from './factors.ts';
import type { FeatureDef } from './spec.ts';

/** How an activity (or a set of them) is worded: what the lead did, what the events are called, one of them. */
export interface ActivityWords {
  verb: string;
  noun: string;
  one: string;
}

const ACTIVITY_WORDS: Record<string, ActivityWords> = {
  email_open: { verb: 'opened emails', noun: 'email opens', one: 'email open' },
  email_click: { verb: 'clicked emails', noun: 'email clicks', one: 'email click' },
  page_view: { verb: 'viewed web pages', noun: 'web page views', one: 'web page view' },
  pricing_page_view: { verb: 'visited the pricing page', noun: 'pricing page visits', one: 'pricing page visit' },
  newsletter_signup: { verb: 'signed up for the newsletter', noun: 'newsletter signups', one: 'newsletter signup' },
  blog_subscribe: { verb: 'subscribed to the blog', noun: 'blog subscriptions', one: 'blog subscription' },
  content_download: { verb: 'downloaded content', noun: 'content downloads', one: 'content download' },
  document_download: { verb: 'downloaded documents', noun: 'document downloads', one: 'document download' },
  webinar_registration: {
    verb: 'registered for webinars',
    noun: 'webinar registrations',
    one: 'webinar registration',
  },
  webinar_attended: { verb: 'attended webinars', noun: 'webinars attended', one: 'webinar attended' },
  event_attended: { verb: 'attended events', noun: 'events attended', one: 'event attended' },
  form_submission: { verb: 'submitted forms', noun: 'form submissions', one: 'form submission' },
  demo_request: { verb: 'asked for a demo', noun: 'demo requests', one: 'demo request' },
  trial_request: { verb: 'asked for a trial', noun: 'trial requests', one: 'trial request' },
  contact_sales: { verb: 'asked to talk to sales', noun: 'requests to talk to sales', one: 'request to talk to sales' },
  unsubscribe: { verb: 'unsubscribed from emails', noun: 'unsubscribes', one: 'unsubscribe' },
  email_bounce: { verb: 'emails bounced', noun: 'bounced emails', one: 'bounced email' },
};

/** Sets of activity types with a name of their own (sorted types joined by ','). */
const SET_WORDS: Record<string, ActivityWords> = {
  all: { verb: 'was active', noun: 'activities', one: 'activity' },
  'contact_sales,demo_request,trial_request': {
    verb: 'asked for a demo, a trial or sales',
    noun: 'demo, trial or sales requests',
    one: 'demo, trial or sales request',
  },
  'page_view,pricing_page_view': { verb: 'viewed the website', noun: 'website page views', one: 'website visit' },
  'email_click,email_open': { verb: 'opened or clicked emails', noun: 'email opens or clicks', one: 'email open' },
  'event_attended,webinar_attended,webinar_registration': {
    verb: 'signed up for or attended webinars and events',
    noun: 'webinar or event sign-ups',
    one: 'webinar or event',
  },
  'blog_subscribe,content_download,document_download,newsletter_signup': {
    verb: 'downloaded content or subscribed',
    noun: 'downloads or subscriptions',
    one: 'download or subscription',
  },
};

export const human = (s: string) => s.replaceAll('_', ' ');
export const num = (x: number) => (Number.isInteger(x) ? String(x) : Math.abs(x) >= 10 ? x.toFixed(0) : x.toFixed(1));
export const whole = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
export const times = (n: number) => (n === 1 ? 'once' : n === 2 ? 'twice' : `${num(n)} times`);
export const daysAgo = (d: number) => {
  const n = Math.round(d);
  return n <= 0 ? 'today' : n === 1 ? 'yesterday' : `${n} days ago`;
};

/** Words for a set of activity types (group names expanded). */
function activityWords(types: readonly string[]): ActivityWords {
  if (types.includes('all')) return SET_WORDS.all;
  const key = [...types].sort().join(',');
  if (SET_WORDS[key]) return SET_WORDS[key];
  if (types.length === 1 && ACTIVITY_WORDS[types[0]]) return ACTIVITY_WORDS[types[0]];
  const nouns = types.map((t) => ACTIVITY_WORDS[t]?.noun ?? `${human(t)} events`);
  const ones = types.map((t) => ACTIVITY_WORDS[t]?.one ?? `${human(t)} event`);
  const or = (xs: string[]) => (xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`);
  return { verb: `had ${or(nouns)}`, noun: or(nouns), one: or(ones) };
}

export const windowWords = (days?: number) => (days === undefined ? '' : ` in the last ${num(days)} days`);

/** An activity feature's words, made once per definition. */
const activityWordsCache = new WeakMap<FeatureDef, ActivityWords>();
export function wordsOfDef(def: FeatureDef & { type: 'activity' }, groups: Record<string, string[]>): ActivityWords {
  let words = activityWordsCache.get(def);
  if (!words) {
    words = activityWords(activityTypesOf(def.activities, groups));
    activityWordsCache.set(def, words);
  }
  return words;
}

export const SENIORITY_WORDS: Record<string, string> = {
  c_level: 'decision maker (C-level)',
  vp: 'decision maker (VP)',
  director: 'decision maker (director)',
  manager: 'manager',
  student: 'student or researcher',
  individual: 'individual contributor',
  other: 'job title of unclear seniority',
  missing: 'no job title',
};

export const EMAIL_KIND_WORDS: Record<string, string> = {
  free: 'free email address (such as Gmail)',
  disposable: 'disposable email address',
  competitor: "email from a competitor's domain",
  academic: 'academic email address',
  corporate: 'company email address',
  missing: 'no email address',
};

export const REGION_WORDS: Record<string, string> = {
  north_america: 'North America',
  latam: 'Latin America',
  europe: 'Europe',
  apac: 'Asia-Pacific',
  mea: 'the Middle East or Africa',
};

export const DEPARTMENT_WORDS: Record<string, string> = {
  executive: 'the executive team',
  academic: 'academia',
};

/** Industry names as people write them. */
export const INDUSTRY_WORDS: Record<string, string> = { saas: 'SaaS', 'it services': 'IT services' };

export const SOURCE_WORDS: Record<string, string> = {
  content: 'content marketing',
  website: 'the website',
  newsletter: 'the newsletter',
  paid_search: 'paid search',
  social: 'social media',
  webinar: 'a webinar',
  event: 'an event',
  referral: 'a referral',
  purchased_list: 'a purchased list',
};

export const isMissing = (v: unknown) => v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));
export const asNumber = (v: unknown) => (typeof v === 'number' ? v : Number(v));
