/**
 * Reasons for scored rows, as every pipeline writes them (score, compare, explain): the blend's attribution grouped
 * into factors, ranked, and worded from the factors' raw feature values. One path, so `explain --lead` gives the
 * very JSON `score` wrote for that lead.
 */
import { factorDescriber, factorPlan, rulesPhrase, type FactorPlan, type FeatureFrame } from '../features/index.ts';
import {
  predictAndAttributeMembers,
  withRules,
  type AttributionReference,
  type BlendAttribution,
  type ColumnGroups,
} from '../models/attribution.ts';
import {
  PhraseBook,
  rankFactors,
  reasonObjects,
  reasonPhrases,
  type PhraseSource,
  type Reason,
  type ReasonPhrases,
  type ReasonRanking,
} from '../models/reasons.ts';
import type { DenseMatrix } from '../schema/matrix.ts';
import type { TrainedModel } from './trained-model.ts';

/** Contributions at or below this (log-odds of the blend) are not reasons. */
export const MIN_REASON_WEIGHT = 0.05;

/** What explaining a model's rows needs, made once per model. */
export interface Explainer {
  plan: FactorPlan;
  groups: ColumnGroups;
  reference: AttributionReference;
  /** the MQL threshold of the model's rule set (the rule term's reference), null without rules */
  mql: number | null;
}

/** The factors of a trained model's features, its reference lead and its rule term's reference. */
export function explainerFor(trained: TrainedModel): Explainer {
  const spec = 'activity_groups' in trained.spec ? trained.spec : undefined;
  const plan = factorPlan(trained.encoders, spec);
  const mql = trained.rules ? trained.rules.thresholds.mql : null;
  return {
    plan,
    groups: { names: plan.factors.map((f) => f.id), ofColumn: plan.ofColumn },
    // the rule term is measured from the MQL line: above it pushes up, below it down
    reference: { row: plan.reference, rules: mql ?? 0 },
    mql,
  };
}

/**
 * Words for the factors of frame rows `rowOf(i)` (ranking row i); factor index f follows the attribution's groups
 * (the plan's factors, then `rules`). Words are cached by the raw values they are made from.
 */
export function phraseSource(
  explainer: Explainer,
  frame: FeatureFrame,
  rowOf: (i: number) => number,
  rules: ArrayLike<number> | null,
): PhraseSource {
  const { plan } = explainer;
  const byName = new Map(frame.columns.map((c) => [c.name, c.values as ArrayLike<unknown>]));
  const describers = plan.factors.map((_, f) => factorDescriber(plan, f));
  const columns = describers.map((d) => d.inputs.map((name) => byName.get(name)));
  const valuesOf = (f: number, row: number) => {
    const d = describers[f];
    return columns[f].map((c, k) => d.normalize[k](c ? c[row] : undefined));
  };
  const nFactors = plan.factors.length;
  return {
    text: (f, i) => {
      if (f >= nFactors) return rulesPhrase(rules ? rules[i] : NaN, explainer.mql);
      return describers[f].text(valuesOf(f, rowOf(i)));
    },
    key: (f, i) => {
      if (f >= nFactors) return String(Math.round(rules ? rules[i] : NaN));
      return describers[f].key(valuesOf(f, rowOf(i)));
    },
  };
}

/** Everything explained about some rows: contributions per factor, the ranking, the phrases. */
export interface ExplainedRows {
  attribution: BlendAttribution;
  ranking: ReasonRanking;
  phrases: ReasonPhrases;
  source: PhraseSource;
}

/**
 * The base models' probabilities for the rows of X and their attribution (no rule score needed) in one pass: the same
 * bits as `baseOutputs` then `attributeMembers`, with a network's matrix standardized and run forward once (scoring).
 */
export function predictAndAttributeRows(
  trained: TrainedModel,
  explainer: Explainer,
  X: DenseMatrix,
): { base: Record<string, Float64Array>; members: BlendAttribution } {
  const r = predictAndAttributeMembers(trained.model, X, explainer.reference, explainer.groups);
  return { base: r.base, members: r.attribution };
}

/** Add the rule term, rank the factors (k each way) and word them. Frame row of ranking row i: rowOf(i). */
export function reasonsFor(
  trained: TrainedModel,
  explainer: Explainer,
  members: BlendAttribution,
  rules: Float64Array | null,
  frame: FeatureFrame,
  rowOf: (i: number) => number,
  k: number,
): ExplainedRows {
  const attribution = withRules(trained.model, members, trained.model.usesRules ? rules : null, explainer.reference);
  const ranking = rankRows(attribution.values, attribution.rows, attribution.groups, k);
  const source = phraseSource(explainer, frame, rowOf, rules);
  return { attribution, ranking, phrases: reasonPhrases(ranking, attribution.rows, source), source };
}

/**
 * The reasons of rows [from, to) on call, as reasonsFor words them: ranked range by range into one phrase book, so the
 * ids are those of one pass over every row. The rule term is added (in place) on the first call. Scoring writes each
 * range's rows while JavaScript ranks the next.
 */
export function reasonsByRange(
  trained: TrainedModel,
  explainer: Explainer,
  members: BlendAttribution,
  rules: Float64Array | null,
  frame: FeatureFrame,
  k: number,
): (from: number, to: number) => ReasonPhrases {
  let attribution: BlendAttribution | undefined;
  let book: PhraseBook | undefined;
  return (from, to) => {
    attribution ??= withRules(trained.model, members, trained.model.usesRules ? rules : null, explainer.reference);
    book ??= new PhraseBook(attribution.groups);
    const width = attribution.groups.length;
    const values = attribution.values.subarray(from * width, to * width);
    const ranking = rankRows(values, to - from, attribution.groups, k);
    const source = phraseSource(explainer, frame, (i) => from + i, rules ? rules.subarray(from, to) : null);
    return book.add(ranking, to - from, source);
  };
}

/** The top k factors each way of rows' contributions (rows x factors, row-major); smaller ones are not reasons. */
function rankRows(values: Float64Array, rows: number, factors: string[], k: number): ReasonRanking {
  return rankFactors({ values, rows, factors, k, minAbsWeight: MIN_REASON_WEIGHT });
}

/** The reasons of explained rows as objects (compare's disagreements, explain). */
export function reasonsOf(e: ExplainedRows): Reason[][] {
  return reasonObjects(e.ranking, e.attribution.rows, e.source);
}
