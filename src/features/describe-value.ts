/** One feature value in words: what an activity count, a recency, a derived attribute or a lead column says. */
import type { FeatureDef } from './spec.ts';
import {
  asNumber,
  daysAgo,
  DEPARTMENT_WORDS,
  EMAIL_KIND_WORDS,
  human,
  INDUSTRY_WORDS,
  isMissing,
  num,
  REGION_WORDS,
  SENIORITY_WORDS,
  SOURCE_WORDS,
  times,
  whole,
  windowWords,
  wordsOfDef,
} from './describe-words.ts';

/** One activity feature's value in words. */
export function activityPhrase(
  def: FeatureDef & { type: 'activity' },
  value: unknown,
  groups: Record<string, string[]>,
) {
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

/** One feature value in words, its definition given (undefined for a flat table's column). */
export function describeWith(
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
