import type { AttributeMatch, Criterion, RuleSet } from './types.ts';
import { groupOf } from './types.ts';

/** One line per criterion, in words, for `rules check` and reviews. */
export interface CriterionSummary {
  section: string;
  name: string;
  group: string;
  when: string;
  points: number;
}

/** A plain-words summary of a rule set: its criteria, caps, decay, exclusions, thresholds, bands and grades. */
export function describeRules(rules: RuleSet): {
  criteria: CriterionSummary[];
  caps: RuleSet['caps'];
  decay: string;
  exclusions: Array<{ name: string; when: string; reason: string }>;
  thresholds: RuleSet['thresholds'];
  bands: RuleSet['bands'];
  grades: string;
} {
  const d = rules.decay;
  return {
    criteria: rules.criteria.map((c) => ({
      section: c.section,
      name: c.name,
      group: groupOf(c),
      when: describeCriterion(c),
      points: c.points,
    })),
    caps: rules.caps,
    decay:
      d.kind === 'half_life'
        ? `engagement points halve every ${d.days} days`
        : d.kind === 'linear'
          ? `engagement loses ${d.points} points per ${d.everyDays} days without engagement`
          : 'none',
    exclusions: rules.exclusions.map((e) => ({
      name: e.name,
      when: describeMatch(e.attribute, e.match),
      reason: e.reason,
    })),
    thresholds: rules.thresholds,
    bands: rules.bands,
    grades:
      `fit ${rules.grades.fit.map((g) => `${g.grade}>=${g.min}`).join(' ')}; ` +
      `engagement ${rules.grades.engagement.map((g) => `${g.level}>=${g.min}`).join(' ')}`,
  };
}

function describeCriterion(c: Criterion): string {
  if (c.kind === 'attribute') return describeMatch(c.attribute, c.match);
  if (c.kind === 'inactivity') return `no engagement for ${c.days}+ days`;
  const what = c.activities.join(' or ');
  const recent = c.withinDays !== undefined ? ` in the last ${c.withinDays} days` : '';
  if (c.per === 'once') return `any ${what}${recent} (once)`;
  if (c.per === 'window') return `${c.window!.count}+ ${what} within ${c.window!.days} days${recent} (once)`;
  return `each ${what}${recent}${c.maxCount !== undefined ? ` (up to ${c.maxCount})` : ''}`;
}

function describeMatch(attribute: string, m: AttributeMatch): string {
  const parts: string[] = [];
  if (m.in) parts.push(`${attribute} in ${m.in.join(', ')}`);
  if (m.notIn) parts.push(`${attribute} not in ${m.notIn.join(', ')}`);
  if (m.contains) parts.push(`${attribute} contains ${m.contains.join(' or ')}`);
  if (m.min !== undefined) parts.push(`${attribute} >= ${m.min}`);
  if (m.max !== undefined) parts.push(`${attribute} <= ${m.max}`);
  if (m.missing !== undefined) parts.push(`${attribute} ${m.missing ? 'is missing' : 'is known'}`);
  return parts.join(' and ');
}
