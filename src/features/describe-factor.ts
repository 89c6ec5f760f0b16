/**
 * Words for a factor of one lead (a group of features, such as recency or company): chosen from the plain counts,
 * days and attributes among its features, never a feature's id or a ratio.
 */
import { describeWith, activityPhrase } from './describe-value.ts';
import { asNumber, DEPARTMENT_WORDS, human, isMissing, times, windowWords, wordsOfDef } from './describe-words.ts';
import { activityTypesOf, type FactorPlan } from './factors.ts';
import type { FeatureDef } from './spec.ts';

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
