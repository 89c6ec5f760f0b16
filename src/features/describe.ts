import type { EncoderState } from './encoders.ts';
import { activityTypesOf, type FactorPlan } from './factors.ts';
import type { FeatureDef, FeatureSpec } from './spec.ts';

/**
 * Feature values and factors in words a sales rep understands, for the reasons next to a score:
 * "visited the pricing page 3 times in the last 7 days", "no activity for 94 days", "company of 201-1000
 * employees, revenue 10M-100M". Never a feature's id, never a ratio of two features: a factor's words are chosen
 * from the plain counts, days and attributes among its features.
 */

/** How an activity (or a set of them) is worded: what the lead did, what the events are called, one of them. */
interface ActivityWords {
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

const human = (s: string) => s.replaceAll('_', ' ');
const num = (x: number) => (Number.isInteger(x) ? String(x) : Math.abs(x) >= 10 ? x.toFixed(0) : x.toFixed(1));
const whole = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const times = (n: number) => (n === 1 ? 'once' : n === 2 ? 'twice' : `${num(n)} times`);
const daysAgo = (d: number) => {
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

const windowWords = (days?: number) => (days === undefined ? '' : ` in the last ${num(days)} days`);

/** An activity feature's words, made once per definition. */
const activityWordsCache = new WeakMap<FeatureDef, ActivityWords>();
function wordsOfDef(def: FeatureDef & { type: 'activity' }, groups: Record<string, string[]>): ActivityWords {
  let words = activityWordsCache.get(def);
  if (!words) {
    words = activityWords(activityTypesOf(def.activities, groups));
    activityWordsCache.set(def, words);
  }
  return words;
}

const SENIORITY_WORDS: Record<string, string> = {
  c_level: 'decision maker (C-level)',
  vp: 'decision maker (VP)',
  director: 'decision maker (director)',
  manager: 'manager',
  student: 'student or researcher',
  individual: 'individual contributor',
  other: 'job title of unclear seniority',
  missing: 'no job title',
};

const EMAIL_KIND_WORDS: Record<string, string> = {
  free: 'free email address (such as Gmail)',
  disposable: 'disposable email address',
  competitor: "email from a competitor's domain",
  academic: 'academic email address',
  corporate: 'company email address',
  missing: 'no email address',
};

const REGION_WORDS: Record<string, string> = {
  north_america: 'North America',
  latam: 'Latin America',
  europe: 'Europe',
  apac: 'Asia-Pacific',
  mea: 'the Middle East or Africa',
};

const DEPARTMENT_WORDS: Record<string, string> = {
  executive: 'the executive team',
  academic: 'academia',
};

/** Industry names as people write them. */
const INDUSTRY_WORDS: Record<string, string> = { saas: 'SaaS', 'it services': 'IT services' };

const SOURCE_WORDS: Record<string, string> = {
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

function findDef(source: EncoderState | FeatureSpec, name: string): FeatureDef | undefined {
  if ('version' in source && 'columns' in source && Array.isArray((source as EncoderState).columns)) {
    return (source as EncoderState).features.find((f) => f.name === name)?.def;
  }
  return (source as FeatureSpec).features.find((f) => f.name === name);
}

const isMissing = (v: unknown) => v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));
const asNumber = (v: unknown) => (typeof v === 'number' ? v : Number(v));

/**
 * Describe one feature value in plain words. `source` is a fitted EncoderState (carries the definitions) or the
 * spec (which also resolves activity groups); `context` may hold the lead row (e.g. email) for detail.
 */
export function describeFeature(
  source: EncoderState | FeatureSpec,
  featureName: string,
  rawValue: unknown,
  context: Record<string, unknown> = {},
): string {
  const groups = 'activity_groups' in source ? (source as FeatureSpec).activity_groups : {};
  return describeWith(findDef(source, featureName), featureName, rawValue, context, groups);
}

/**
 * describeFeature for one feature, its definition looked up once: for describing a column's values by the
 * million (a lookup per value was a scan of the spec's features).
 */
export function featureDescriber(
  source: EncoderState | FeatureSpec,
  featureName: string,
): (rawValue: unknown) => string {
  const def = findDef(source, featureName);
  const groups = 'activity_groups' in source ? (source as FeatureSpec).activity_groups : {};
  return (rawValue) => describeWith(def, featureName, rawValue, {}, groups);
}

/** One activity feature's value in words. */
function activityPhrase(def: FeatureDef & { type: 'activity' }, value: unknown, groups: Record<string, string[]>) {
  const { verb, noun, one } = wordsOfDef(def, groups);
  const all = def.activities.length === 1 && def.activities[0] === 'all';
  const x = asNumber(value);
  const w = windowWords(def.window_days);
  switch (def.agg) {
    case 'count':
      if (isMissing(value) || x === 0) return `no ${noun}${w || ' yet'}`;
      return `${verb} ${times(x)}${w || ' so far'}`;
    case 'distinct_days':
      if (isMissing(value) || x === 0) return `no ${noun}${w || ' yet'}`;
      return `${all ? 'active' : noun} on ${num(x)} different ${x === 1 ? 'day' : 'days'}${w}`;
    case 'days_since_last':
      if (isMissing(value)) return `no ${noun} yet`;
      if (all) return x >= 30 ? `no activity for ${Math.round(x)} days` : `last active ${daysAgo(x)}`;
      return `last ${one} ${daysAgo(x)}`;
    case 'days_since_first':
      if (isMissing(value)) return `no ${noun} yet`;
      return `first ${one} ${daysAgo(x)}`;
    case 'decayed_sum':
      if (isMissing(value) || x < 0.05) return `no recent ${noun}`;
      return `recent ${noun}, weighted by how recent: about ${num(Math.round(x * 10) / 10)}`;
    case 'any':
      if (x > 0) return `${verb}${w}`;
      return def.activities.includes('unsubscribe') ? 'still subscribed to emails' : `no ${noun}${w || ' yet'}`;
  }
}

function describeWith(
  def: FeatureDef | undefined,
  featureName: string,
  rawValue: unknown,
  context: Record<string, unknown>,
  groups: Record<string, string[]> = {},
): string {
  const missing = isMissing(rawValue);
  const x = asNumber(rawValue);
  if (!def) {
    // flat tables: no definition; the column's name in words and the value
    const label = human(featureName).trim();
    if (missing) return `${label}: unknown`;
    return typeof rawValue === 'number' ? `${label}: ${num(x)}` : `${label}: ${String(rawValue)}`;
  }
  switch (def.type) {
    case 'activity':
      return activityPhrase(def, rawValue, groups);
    case 'ratio':
      return missing ? 'nothing to compare with' : `a rate of ${num(x)}`;
    case 'burst':
      if (missing || x === 0) return 'no bursts of automated-looking activity';
      return def.agg === 'max_in_window'
        ? `up to ${num(x)} events within ${num(def.seconds)} seconds${x >= 5 ? ' (looks automated)' : ''}`
        : `${num(x)} events less than ${num(def.seconds)} s after the previous one` +
            (x >= 3 ? ' (looks automated)' : '');
    case 'derived': {
      const v = missing ? 'missing' : String(rawValue);
      switch (def.derive) {
        case 'seniority':
          return SENIORITY_WORDS[v] ?? `${human(v)} seniority`;
        case 'email_domain_kind': {
          const domain =
            typeof context.email === 'string' && context.email.includes('@')
              ? ` (${context.email.split('@')[1].toLowerCase()})`
              : '';
          return (EMAIL_KIND_WORDS[v] ?? `${human(v)} email address`) + (v === 'missing' ? '' : domain);
        }
        case 'email_domain':
          return v === 'missing' ? 'no email address' : `email at ${v}`;
        case 'department':
          return v === 'missing'
            ? 'no job title'
            : v === 'other'
              ? 'department unclear'
              : `works in ${DEPARTMENT_WORDS[v] ?? human(v)}`;
        case 'company_size_band':
          return v === 'missing' ? 'number of employees unknown' : `company of ${v} employees`;
        case 'revenue_band':
          return v === 'missing' ? 'revenue unknown' : `revenue ${v}`;
        case 'region':
          return v === 'missing' ? 'country unknown' : `based in ${REGION_WORDS[v] ?? human(v)}`;
        case 'disposable_email':
          return x > 0 ? 'disposable email address' : 'not a disposable email address';
        case 'competitor_email':
          return x > 0 ? "email from a competitor's domain" : 'not from a competitor';
        case 'free_email':
          return x > 0 ? 'free email address (such as Gmail)' : 'not a free email address';
        case 'student_title':
          return x > 0 ? 'looks like a student or researcher' : 'not a student or researcher';
        case 'lead_age_days':
          return missing ? 'creation date unknown' : `lead created ${daysAgo(x)}`;
      }
      break;
    }
    case 'attribute': {
      const v = missing ? '' : String(rawValue);
      switch (def.column) {
        case 'industry':
          return missing ? 'industry unknown' : `in the ${INDUSTRY_WORDS[v.toLowerCase()] ?? v.toLowerCase()} industry`;
        case 'lead_source':
          return missing ? 'origin unknown' : `came in through ${SOURCE_WORDS[v] ?? human(v)}`;
        case 'company_size':
          return missing ? 'number of employees unknown' : `company of about ${whole.format(x)} employees`;
        case 'annual_revenue':
          return missing ? 'revenue unknown' : `revenue about ${whole.format(x)}`;
        case 'country':
          return missing ? 'country unknown' : `based in ${v}`;
        case 'job_title':
          return missing ? 'no job title' : `job title "${v}"`;
        case 'email':
          return missing ? 'no email address' : 'has an email address';
        case 'company':
          return missing ? 'company unknown' : `works at ${v}`;
      }
      break;
    }
    case 'expr': {
      const label = human(def.name);
      if (missing) return `${label}: unknown`;
      if (def.kind === 'numeric' && (x === 0 || x === 1)) return x === 1 ? label : `not ${label}`;
      return `${label}: ${typeof rawValue === 'number' ? num(x) : String(rawValue)}`;
    }
  }
  return `${human(featureName)}: ${String(rawValue)}`;
}

/* ---------- factors ---------- */

/**
 * Words for one factor of one lead. `inputs` are the features its words are made from; `normalize[k]` turns input
 * k's raw value into what the words use (days rounded to whole days, say). `key` and `text` take the normalized
 * values, in `inputs` order; callers cache the words by the key.
 */
export interface FactorDescriber {
  inputs: string[];
  normalize: ((raw: unknown) => unknown)[];
  /** a short key of what the words depend on: equal keys, equal words (made from the same choices) */
  key(values: readonly unknown[]): string;
  text(values: readonly unknown[]): string;
}

interface Member {
  name: string;
  def: FeatureDef | undefined;
  /** index in the describer's inputs (-1: not an input) */
  at: number;
}

type ActivityMember = Member & { def: FeatureDef & { type: 'activity' } };

/** One set of activity types in a factor, its features sorted once: counts by window, then the rest. */
interface ActivitySet {
  types: string[];
  counts: ActivityMember[];
  last?: ActivityMember;
  others: ActivityMember[];
}

const joinClauses = (clauses: string[]) => clauses.filter((c) => c.length > 0).join('; ');
const overlaps = (a: string[], b: string[]) => a.includes('all') || b.includes('all') || a.some((t) => b.includes(t));

/** Which feature of a set of activity types speaks for it, with what value, and whether the lead did anything. */
interface Choice {
  m: ActivityMember;
  v: unknown;
  active: boolean;
}

/** The most telling of a set's features: its shortest window with events, else the days since, else a zero count. */
function activityChoice(set: ActivitySet, values: readonly unknown[]): Choice | null {
  for (const m of set.counts) {
    const v = asNumber(values[m.at]);
    if (v > 0) return { m, v, active: true };
  }
  if (set.last) return { m: set.last, v: values[set.last.at], active: !isMissing(values[set.last.at]) };
  if (set.counts.length > 0) return { m: set.counts[set.counts.length - 1], v: 0, active: false };
  const m = set.others[0];
  if (!m) return null;
  const v = values[m.at];
  return { m, v, active: !isMissing(v) && asNumber(v) > 0 };
}

/**
 * The clauses a factor's activity sets get: one per set, sets that did something first, at most `max`, no two
 * about the same activities.
 */
function activityChoices(sets: ActivitySet[], values: readonly unknown[], max = 2): Choice[] {
  const choices = sets.map((s) => activityChoice(s, values));
  const chosen: { types: string[]; c: Choice }[] = [];
  for (const pass of [true, false]) {
    choices.forEach((c, k) => {
      if (!c || c.active !== pass || chosen.length >= max) return;
      if (chosen.some((d) => overlaps(d.types, sets[k].types))) return;
      chosen.push({ types: sets[k].types, c });
    });
  }
  return chosen.map((x) => x.c);
}

/**
 * Words for the chosen clauses; two counts over the same window read as one sentence ("opened emails 3 times and
 * clicked emails twice in the last 30 days").
 */
function choiceWords(choices: Choice[], groups: Record<string, string[]>): string[] {
  const [a, b] = choices;
  const countOf = (c: Choice | undefined) => (c && c.m.def.agg === 'count' ? c : undefined);
  const x = countOf(a);
  const y = countOf(b);
  if (choices.length === 2 && x && y && x.m.def.window_days === y.m.def.window_days) {
    const wa = wordsOfDef(x.m.def, groups);
    const wb = wordsOfDef(y.m.def, groups);
    const w = windowWords(x.m.def.window_days) || ' so far';
    const n = (c: Choice) => asNumber(c.v);
    if (n(x) > 0 && n(y) > 0) return [`${wa.verb} ${times(n(x))} and ${wb.verb} ${times(n(y))}${w}`];
    if (n(x) > 0) return [`${wa.verb} ${times(n(x))}${w}, no ${wb.noun}`];
    return [`no ${wa.noun} or ${wb.noun}${w}`];
  }
  return choices.map((c) => activityPhrase(c.m.def, c.v, groups));
}

const SET_ORDER = ['count', 'days_since_last', 'distinct_days', 'any', 'days_since_first', 'decayed_sum'];

/** A factor's activity features by set of activity types (spec order), each set's features in the order used. */
function activitySets(members: Member[], groups: Record<string, string[]>): ActivitySet[] {
  const sets = new Map<string, ActivitySet>();
  for (const m of members) {
    if (m.def?.type !== 'activity') continue;
    const types = activityTypesOf(m.def.activities, groups);
    const key = types.join(',');
    if (!sets.has(key)) sets.set(key, { types, counts: [], others: [] });
    const set = sets.get(key)!;
    const a = m as ActivityMember;
    if (a.def.agg === 'count') set.counts.push(a);
    else if (a.def.agg === 'days_since_last' && !set.last) set.last = a;
    else set.others.push(a);
  }
  for (const set of sets.values()) {
    set.counts.sort((a, b) => (a.def.window_days ?? Infinity) - (b.def.window_days ?? Infinity));
    set.others.sort((a, b) => SET_ORDER.indexOf(a.def.agg) - SET_ORDER.indexOf(b.def.agg));
  }
  return [...sets.values()];
}

/** Whether a flag-like negative feature is on: any event, or a burst past the "looks automated" line. */
function negativeOn(def: FeatureDef | undefined, v: number): boolean {
  if (!(v > 0)) return false;
  if (def?.type === 'burst') return def.agg === 'max_in_window' ? v >= 5 : v >= 3;
  return true;
}

const roundDays = (v: unknown) => (isMissing(v) ? null : Math.round(asNumber(v)));
const roundTenth = (v: unknown) => (isMissing(v) ? null : Math.round(asNumber(v) * 10) / 10);
const exact = (v: unknown) => (typeof v === 'number' && Number.isNaN(v) ? null : v);

/** How a feature's raw value is normalized for words (and the cache key). */
function normalizerOf(def: FeatureDef | undefined): (raw: unknown) => unknown {
  if (def?.type === 'activity') {
    if (def.agg === 'days_since_last' || def.agg === 'days_since_first') return roundDays;
    if (def.agg === 'decayed_sum') return roundTenth;
  }
  if (def?.type === 'derived' && def.derive === 'lead_age_days') return roundDays;
  if (def?.type === 'attribute' && def.kind === 'numeric')
    return (v) => (isMissing(v) ? null : Math.round(asNumber(v)));
  return exact;
}

/** Words for factor `index` of a plan: built from its features' raw values, never their names. */
export function factorDescriber(plan: FactorPlan, index: number): FactorDescriber {
  const factor = plan.factors[index];
  const groups = plan.groups;
  const all: Member[] = factor.features.map((name) => ({ name, def: plan.defs.get(name), at: -1 }));
  // ratios never make words; a decayed sum only when its set of activities has nothing plainer
  const plain = new Set(
    all
      .filter((m) => m.def?.type === 'activity' && m.def.agg !== 'decayed_sum')
      .map((m) => activityTypesOf((m.def as FeatureDef & { type: 'activity' }).activities, groups).join(',')),
  );
  const members = all.filter((m) => {
    if (m.def?.type === 'ratio') return false;
    if (m.def?.type === 'activity' && m.def.agg === 'decayed_sum')
      return !plain.has(activityTypesOf(m.def.activities, groups).join(','));
    return true;
  });
  if (members.length === 0) members.push(...all);
  members.forEach((m, k) => (m.at = k));
  const inputs = members.map((m) => m.name);
  const normalize = members.map((m) => normalizerOf(m.def));
  const sets = activitySets(members, groups);
  const rest = members.filter((m) => m.def?.type !== 'activity');
  const by = (test: (d: FeatureDef) => boolean) => members.find((m) => m.def !== undefined && test(m.def));
  const derived = (kind: string) => by((d) => d.type === 'derived' && d.derive === kind);
  const attribute = (column: string) => by((d) => d.type === 'attribute' && d.column === column);
  const say = (m: Member | undefined, values: readonly unknown[]) =>
    m ? describeWith(m.def, m.name, values[m.at] ?? NaN, {}, groups) : '';
  const generic = (values: readonly unknown[]) => {
    const act = choiceWords(activityChoices(sets, values), groups);
    return joinClauses([...act, ...rest.slice(0, Math.max(0, 2 - act.length)).map((m) => say(m, values))]);
  };
  const genericKey = (values: readonly unknown[]) => {
    let key = '';
    for (const c of activityChoices(sets, values)) key += `${c.m.at}:${String(c.v)}|`;
    for (const m of rest.slice(0, 2)) key += `${String(values[m.at])}|`;
    return key;
  };
  /** a key of some members' values */
  const keyOf =
    (...used: (Member | undefined)[]) =>
    (values: readonly unknown[]) => {
      let key = '';
      for (const m of used) if (m) key += `${String(values[m.at])}|`;
      return key;
    };
  let text: (values: readonly unknown[]) => string = generic;
  let key: (values: readonly unknown[]) => string = genericKey;
  switch (factor.id) {
    case 'company': {
      const size = derived('company_size_band') ?? attribute('company_size');
      const revenue = derived('revenue_band') ?? attribute('annual_revenue');
      if (!size && !revenue) break;
      const unknown = (m: Member | undefined, values: readonly unknown[]) =>
        !m || isMissing(values[m.at]) || values[m.at] === 'missing';
      text = (values) => {
        if (unknown(size, values) && unknown(revenue, values)) return 'company size and revenue unknown';
        return [say(size, values), say(revenue, values)].filter(Boolean).join(', ');
      };
      key = keyOf(size, revenue);
      break;
    }
    case 'title': {
      const seniority = derived('seniority');
      const department = derived('department');
      const student = derived('student_title');
      if (!seniority) break;
      text = (values) => {
        const s = String(values[seniority.at] ?? 'missing');
        const d = department ? String(values[department.at] ?? 'missing') : 'missing';
        if (s === 'student' || (student && asNumber(values[student.at]) > 0)) return 'student or researcher';
        if (s === 'missing') return 'no job title';
        const where = d !== 'missing' && d !== 'other' ? ` in ${DEPARTMENT_WORDS[d] ?? human(d)}` : '';
        return `${say(seniority, values)}${where}`;
      };
      key = keyOf(seniority, department, student);
      break;
    }
    case 'email_address': {
      const kind = derived('email_domain_kind');
      if (kind) {
        text = (values) => say(kind, values);
        key = keyOf(kind);
      } else {
        const on = (values: readonly unknown[]) => members.find((m) => asNumber(values[m.at]) > 0) ?? members[0];
        text = (values) => say(on(values), values);
        key = (values) => `${on(values).at}:${String(values[on(values).at])}`;
      }
      break;
    }
    case 'country': {
      const place = derived('region') ?? attribute('country');
      if (!place) break;
      text = (values) => say(place, values);
      key = keyOf(place);
      break;
    }
    case 'age': {
      const created = derived('lead_age_days');
      const first = by((d) => d.type === 'activity' && d.agg === 'days_since_first');
      if (!created) break;
      const both = (values: readonly unknown[]) => {
        const f = first ? asNumber(values[first.at]) : NaN;
        return first !== undefined && !Number.isNaN(f) && Math.abs(asNumber(values[created.at]) - f) > 7;
      };
      text = (values) => joinClauses([say(created, values), both(values) ? say(first, values) : '']);
      key = (values) => `${String(values[created.at])}|${both(values) ? String(values[first!.at]) : ''}`;
      break;
    }
    case 'negatives': {
      const nouns = [
        ...new Set(
          members.flatMap((m) => {
            if (m.def?.type === 'activity') return [wordsOfDef(m.def, groups).noun];
            if (m.def?.type === 'burst') return ['automated-looking activity'];
            return [];
          }),
        ),
      ];
      if (nouns.length === 0) break;
      const none = nouns.length === 1 ? nouns[0] : `${nouns.slice(0, -1).join(', ')} or ${nouns.at(-1)}`;
      const present = (values: readonly unknown[]) =>
        members.filter((m) => negativeOn(m.def, asNumber(values[m.at]))).slice(0, 2);
      text = (values) => {
        const on = present(values);
        return on.length > 0 ? joinClauses(on.map((m) => say(m, values))) : `no ${none}`;
      };
      key = (values) =>
        present(values)
          .map((m) => `${m.at}:${String(values[m.at])}`)
          .join('|');
      break;
    }
  }
  return { inputs, normalize, key, text };
}

/** Words for the rule term of the blend: the points score against the MQL line. */
export function rulesPhrase(points: number, mql: number | null): string {
  const p = Math.round(points);
  if (mql === null) return `points score ${p} of 100`;
  return `points score ${p}, ${p >= mql ? 'at or above' : 'below'} the MQL line of ${num(mql)}`;
}
