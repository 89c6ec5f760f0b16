/**
 * The meaning of a rules file, checked after its shape: criteria resolved to attributes or activity
 * types, thresholds in order, names unique. Every problem is collected with its key path.
 */
import { ACTIVITY_TYPES, DEFAULT_COMPETITOR_DOMAINS } from '../schema/index.ts';
import { closestName } from '../errors.ts';
import { bandColour } from '../schema/palette.ts';
import { ATTRIBUTES, ATTRIBUTE_NAMES } from './attributes.ts';
import type { Problem, RawCriterion, RawRules } from './spec.ts';
import type { AttributeMatch, Band, Criterion, Decay, Exclusion, RuleSet, Section } from './types.ts';
export function normalize(raw: RawRules, file: string, problems: Problem[]): RuleSet {
  const activityTypes = [...ACTIVITY_TYPES, ...(raw.custom_activity_types ?? [])];
  const criteria: Criterion[] = [];
  const sections: Array<[Section, RawCriterion[]]> = [
    ['fit', raw.fit.criteria],
    ['engagement', raw.engagement.criteria],
    ['negative', raw.negative?.criteria ?? []],
  ];
  for (const [section, list] of sections) {
    list.forEach((c, i) => {
      const crit = criterion(c, section, `${section}.criteria[${i}]`, activityTypes, problems);
      if (crit) criteria.push(crit);
    });
  }
  nameUniquely(criteria, problems);

  const exclusions: Exclusion[] = [];
  raw.exclusions.forEach((e, i) => {
    const path = `exclusions[${i}]`;
    const match = attributeMatch(e, e.attribute, path, problems);
    if (match) exclusions.push({ name: e.name, reason: e.reason ?? e.name, attribute: e.attribute, match, path });
  });

  let decay: Decay = { kind: 'none' };
  const d = raw.engagement.decay;
  if (d?.half_life_days !== undefined && d.linear) {
    problems.push({ path: 'engagement.decay', message: 'give either half_life_days or linear, not both' });
  } else if (d?.half_life_days !== undefined) {
    decay = { kind: 'half_life', days: d.half_life_days };
  } else if (d?.linear) {
    decay = { kind: 'linear', points: d.linear.points, everyDays: d.linear.every_days };
  }

  if (raw.thresholds.mql > raw.thresholds.sql) {
    problems.push({
      path: 'thresholds',
      message: `mql (${raw.thresholds.mql}) must not be above sql (${raw.thresholds.sql})`,
    });
  }
  const sorted = [...raw.bands].sort((a, b) => b.min - a.min);
  // a band without a colour takes the shared palette's, so the CLI and the report show the same one
  const bands: Band[] = sorted.map((b, rank) => ({
    name: b.name,
    min: b.min,
    colour: bandColour(b.name, rank, sorted.length, b.colour).name,
  }));
  const bandNames = new Set<string>();
  raw.bands.forEach((b, i) => {
    if (b.name === 'excluded')
      problems.push({
        path: `bands[${i}].name`,
        message: '"excluded" is reserved for excluded leads; pick another name',
      });
    if (bandNames.has(b.name))
      problems.push({ path: `bands[${i}].name`, message: `band "${b.name}" is defined twice` });
    bandNames.add(b.name);
  });
  if (bands[bands.length - 1].min !== 0)
    problems.push({ path: 'bands', message: 'the lowest band must have min: 0 so that every score falls in a band' });

  const g = raw.grades;
  const fitGrades = (['A', 'B', 'C', 'D'] as const).map((grade) => ({ grade, min: g.fit[grade] }));
  const levels = ([1, 2, 3, 4] as const).map((level) => ({ level, min: g.engagement[level] }));
  checkDescending(
    fitGrades.map((x) => [x.grade, x.min]),
    'grades.fit',
    problems,
  );
  checkDescending(
    levels.map((x) => [String(x.level), x.min]),
    'grades.engagement',
    problems,
  );

  return {
    source: file,
    competitorDomains: (raw.competitor_domains ?? [...DEFAULT_COMPETITOR_DOMAINS]).map((s) => s.trim().toLowerCase()),
    criteria,
    caps: {
      fit: raw.fit.cap,
      engagement: raw.engagement.cap,
      negative: raw.negative?.cap ?? 100,
      total: raw.total?.cap ?? 100,
    },
    decay,
    exclusions,
    thresholds: raw.thresholds,
    bands,
    grades: { fit: fitGrades, engagement: levels },
    activityTypes,
  };
}

function checkDescending(entries: Array<[string, number]>, path: string, problems: Problem[]): void {
  for (let i = 1; i < entries.length; i++) {
    if (entries[i][1] > entries[i - 1][1]) {
      problems.push({
        path: `${path}.${entries[i][0]}`,
        message: `must not be above ${entries[i - 1][0]} (${entries[i - 1][1]})`,
      });
    }
  }
  const [last, min] = entries[entries.length - 1];
  if (min !== 0)
    problems.push({ path: `${path}.${last}`, message: 'the lowest grade must start at 0 so that every lead gets one' });
}

/** The " (did you mean ...?)" hint of an unknown name, or nothing when no known name is close. */
const didYouMean = (near: string | undefined) => (near ? ` (did you mean "${near}"?)` : '');

const ACTIVITY_ONLY = ['per', 'max_count', 'window', 'within_days'] as const;
const MATCH_ONLY = ['in', 'not_in', 'contains', 'min', 'max', 'missing'] as const;

function criterion(
  c: RawCriterion,
  section: Section,
  path: string,
  activityTypes: string[],
  problems: Problem[],
): Criterion | undefined {
  const kinds = (['attribute', 'activity', 'inactive_days'] as const).filter((k) => c[k] !== undefined);
  const allowed =
    section === 'fit'
      ? ['attribute']
      : section === 'engagement'
        ? ['activity']
        : ['attribute', 'activity', 'inactive_days'];
  if (kinds.length !== 1) {
    problems.push({
      path,
      message: `give exactly one of ${allowed.join(', ')}${kinds.length ? ` (found ${kinds.join(' and ')})` : ''}`,
    });
    return undefined;
  }
  const kind = kinds[0];
  if (!allowed.includes(kind)) {
    const where =
      kind === 'attribute' ? 'fit or negative' : kind === 'activity' ? 'engagement or negative' : 'negative';
    problems.push({ path: `${path}.${kind}`, message: `${kind} criteria belong under ${where}, not ${section}` });
    return undefined;
  }
  const before = problems.length;
  if (c.points === 0) problems.push({ path: `${path}.points`, message: 'must not be 0' });
  if (section === 'negative' && c.points > 0)
    problems.push({ path: `${path}.points`, message: `must be negative under negative (got ${c.points})` });
  const disallow = (keys: readonly string[], why: string) => {
    for (const k of keys)
      if ((c as Record<string, unknown>)[k] !== undefined) problems.push({ path: `${path}.${k}`, message: why });
  };

  if (kind === 'attribute') {
    disallow(ACTIVITY_ONLY, 'only applies to activity criteria');
    const match = attributeMatch(c, c.attribute!, path, problems);
    if (!match || problems.length > before) return undefined;
    return {
      kind,
      name: c.name ?? defaultAttributeName(c.attribute!, match),
      section,
      points: c.points,
      path,
      attribute: c.attribute!,
      match,
    };
  }
  if (kind === 'inactive_days') {
    disallow([...ACTIVITY_ONLY, ...MATCH_ONLY], 'does not apply to inactive_days criteria');
    if (c.points > 0)
      problems.push({ path: `${path}.points`, message: 'inactivity can only take points away; use a negative number' });
    if (problems.length > before) return undefined;
    return {
      kind: 'inactivity',
      name: c.name ?? `inactive_${c.inactive_days}d`,
      section,
      points: c.points,
      path,
      days: c.inactive_days!,
    };
  }

  disallow(MATCH_ONLY, 'only applies to attribute criteria');
  const activities = Array.isArray(c.activity) ? c.activity : [c.activity!];
  activities.forEach((a, i) => {
    if (!activityTypes.includes(a)) {
      const near = closestName(a, activityTypes);
      const at = Array.isArray(c.activity) ? `${path}.activity[${i}]` : `${path}.activity`;
      problems.push({
        path: at,
        message:
          `unknown activity type "${a}"${didYouMean(near)}; known: ${activityTypes.join(', ')}; ` +
          'add it to custom_activity_types if your CRM has it',
      });
    }
  });
  const per = c.per ?? (c.window ? 'window' : 'event');
  if (per === 'window' && !c.window)
    problems.push({ path: `${path}.window`, message: 'per: window needs window: { count: N, days: D }' });
  if (per !== 'window' && c.window)
    problems.push({
      path: `${path}.window`,
      message: `only applies with per: window (this criterion has per: ${per})`,
    });
  if (per !== 'event' && c.max_count !== undefined)
    problems.push({
      path: `${path}.max_count`,
      message: `only applies with per: event (this criterion has per: ${per})`,
    });
  if (problems.length > before) return undefined;
  return {
    kind: 'activity',
    name: c.name ?? activities.join('+'),
    section,
    points: c.points,
    path,
    activities,
    per,
    maxCount: c.max_count,
    window: c.window,
    withinDays: c.within_days,
  };
}

type MatchInput = Pick<RawCriterion, 'in' | 'not_in' | 'contains' | 'min' | 'max' | 'missing'>;

function attributeMatch(
  c: MatchInput,
  attribute: string,
  path: string,
  problems: Problem[],
): AttributeMatch | undefined {
  const def = ATTRIBUTES[attribute];
  if (!def) {
    const near = closestName(attribute, ATTRIBUTE_NAMES);
    problems.push({
      path: `${path}.attribute`,
      message: `unknown attribute "${attribute}"${didYouMean(near)}; known: ${ATTRIBUTE_NAMES.join(', ')}`,
    });
    return undefined;
  }
  const given = MATCH_ONLY.filter((k) => c[k] !== undefined);
  if (given.length === 0) {
    const keys = def.type === 'number' ? 'min, max, missing' : 'in, not_in, contains, missing';
    problems.push({
      path,
      message: `say what ${attribute} must be: one or more of ${keys}`,
    });
    return undefined;
  }
  const before = problems.length;
  const wrong = def.type === 'number' ? (['in', 'not_in', 'contains'] as const) : (['min', 'max'] as const);
  const right = def.type === 'number' ? 'min / max' : 'in / not_in / contains';
  for (const k of wrong) {
    if (c[k] !== undefined)
      problems.push({
        path: `${path}.${k}`,
        message: `does not apply to ${def.type} attribute ${attribute}; use ${right}`,
      });
  }
  if (def.values) {
    for (const k of ['in', 'not_in'] as const) {
      c[k]?.forEach((v, i) => {
        if (!def.values!.includes(v)) {
          const near = closestName(v, def.values!);
          problems.push({
            path: `${path}.${k}[${i}]`,
            message: `${attribute} is never "${v}"${didYouMean(near)}; its values are ${def.values!.join(', ')}`,
          });
        }
      });
    }
  }
  if (c.min !== undefined && c.max !== undefined && c.min > c.max)
    problems.push({ path: `${path}.min`, message: `min (${c.min}) is above max (${c.max})` });
  if (problems.length > before) return undefined;
  const match: AttributeMatch = {};
  if (c.in) match.in = c.in;
  if (c.not_in) match.notIn = c.not_in;
  if (c.contains) match.contains = c.contains;
  if (c.min !== undefined) match.min = c.min;
  if (c.max !== undefined) match.max = c.max;
  if (c.missing !== undefined) match.missing = c.missing;
  return match;
}

function defaultAttributeName(attribute: string, m: AttributeMatch): string {
  const parts: string[] = [];
  if (m.in) parts.push(`in ${m.in.join('|')}`);
  if (m.notIn) parts.push(`not in ${m.notIn.join('|')}`);
  if (m.contains) parts.push(`contains ${m.contains.join('|')}`);
  if (m.min !== undefined) parts.push(`>= ${m.min}`);
  if (m.max !== undefined) parts.push(`<= ${m.max}`);
  if (m.missing !== undefined) parts.push(m.missing ? 'missing' : 'present');
  return `${attribute} ${parts.join(', ')}`;
}

function nameUniquely(criteria: Criterion[], problems: Problem[]): void {
  const seen = new Map<string, Criterion>();
  for (const c of criteria) {
    const prev = seen.get(c.name);
    if (prev)
      problems.push({
        path: `${c.path}.name`,
        message: `"${c.name}" is already used by ${prev.path}; give each criterion its own name`,
      });
    else seen.set(c.name, c);
  }
}
