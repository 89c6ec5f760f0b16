/**
 * The validated, normalized points model. `spec.ts` builds it from models/rules.yaml; the compiler,
 * engine and explainer only ever see this shape.
 */

/** The section of rules.yaml a criterion was written in. */
export type Section = 'fit' | 'engagement' | 'negative';
/** Where a criterion's points land: negative points always land in `negative`. */
export type Group = 'fit' | 'engagement' | 'negative';

/** Conditions on one attribute; all that are given must hold. Text comparisons ignore case. */
export interface AttributeMatch {
  in?: string[];
  notIn?: string[];
  contains?: string[];
  min?: number;
  max?: number;
  missing?: boolean;
}

interface CriterionBase {
  name: string;
  section: Section;
  points: number;
  /** key path in the file, for messages */
  path: string;
}

export interface AttributeCriterion extends CriterionBase {
  kind: 'attribute';
  attribute: string;
  match: AttributeMatch;
}

export interface ActivityCriterion extends CriterionBase {
  kind: 'activity';
  activities: string[];
  /** event: points per event (up to maxCount); once: points once; window: once if `count` events fell within `days` */
  per: 'event' | 'once' | 'window';
  maxCount?: number;
  window?: { count: number; days: number };
  /** only events in the last N days count */
  withinDays?: number;
}

export interface InactivityCriterion extends CriterionBase {
  kind: 'inactivity';
  /** fires when the lead has not engaged for at least this many days */
  days: number;
}

export type Criterion = AttributeCriterion | ActivityCriterion | InactivityCriterion;

export type Decay =
  { kind: 'none' } | { kind: 'half_life'; days: number } | { kind: 'linear'; points: number; everyDays: number };

export interface Exclusion {
  name: string;
  reason: string;
  attribute: string;
  match: AttributeMatch;
  path: string;
}

export interface Band {
  name: string;
  min: number;
  colour: string;
}

export interface RuleSet {
  /** file the rules came from (for messages) */
  source: string;
  competitorDomains: string[];
  /** every criterion in file order (fit, engagement, negative) */
  criteria: Criterion[];
  caps: { fit: number; engagement: number; negative: number; total: number };
  decay: Decay;
  exclusions: Exclusion[];
  thresholds: { mql: number; sql: number };
  /** highest `min` first; the last has min 0 */
  bands: Band[];
  grades: {
    /** A..D, highest min first */
    fit: Array<{ grade: string; min: number }>;
    /** 1..4, highest min first */
    engagement: Array<{ level: number; min: number }>;
  };
  /** activity types rules may name: the canonical vocabulary plus the file's custom types */
  activityTypes: string[];
}

/** The group a criterion's points are added to. */
export function groupOf(c: Criterion): Group {
  return c.points < 0 ? 'negative' : c.section;
}

/** Activity types whose (positive) events count as engagement; inactivity is measured against them. */
export function engagementTypes(rules: RuleSet): string[] {
  const types = new Set<string>();
  for (const c of rules.criteria) if (c.kind === 'activity' && c.points > 0) for (const t of c.activities) types.add(t);
  return [...types].sort();
}
