/**
 * The points model ("retrospective" score): rules authored by marketing in models/rules.yaml,
 * validated, compiled to one DuckDB query, scored point-in-time, and explained lead by lead.
 */
export { loadRules, parseRules } from './spec.ts';
export { scoreRules, RULE_SCORE_COLUMNS } from './engine.ts';
export type { RuleScores, ScoreRulesOptions } from './engine.ts';
export { explainLead } from './explain.ts';
export type { LeadExplanation, FiredRule, GroupExplanation } from './explain.ts';
export { compileRules } from './compile.ts';
export { alignedRuleScores } from './aligned.ts';
export type { AlignedRuleScores, AlignedRuleOptions } from './aligned.ts';
export type { CompileOptions } from './compile.ts';
export { describeRules } from './describe.ts';
export { ATTRIBUTES, ATTRIBUTE_NAMES } from './attributes.ts';
export { groupOf, engagementTypes } from './types.ts';
export type * from './types.ts';
