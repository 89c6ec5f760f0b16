// spec.ts and describe.ts directly, not rules/index.ts: that also loads the engine and DuckDB, which
// checking a file never needs (`leadscore rules check` is what editors of models/rules.yaml run).
import { describeRules } from '../rules/describe.ts';
import { loadRules } from '../rules/spec.ts';

/** A rules file's plain-words summary: criteria, caps, decay, exclusions, thresholds, bands, grades. */
export type RulesSummary = ReturnType<typeof describeRules>;

/** Validate a rules file (ConfigError naming the key path when invalid) and summarize it. */
export function checkRules(file: string): RulesSummary {
  return describeRules(loadRules(file));
}
