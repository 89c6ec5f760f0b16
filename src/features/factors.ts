/**
 * Factors: the groups of features a sales rep thinks in (recency, lead age, activity volume, high-intent actions,
 * email engagement, company size, industry, job title, country, email address, lead source, negative signals).
 * Reasons name factors, not features: the model's contributions are summed per factor, so one fact (a lead's age,
 * its high-intent requests) is one reason with one direction however many features measure it.
 *
 * A feature's factor follows from its definition (its activity types, its derivation, its lead column); features
 * nothing maps (expressions, flat-table columns) are a factor of their own.
 */
import type { EncoderState } from '../schema/encoder-state.ts';
import type { FeatureDef, FeatureSpec } from '../schema/feature-spec.ts';

/** The factors leadscore knows, in the order explain lists them; each with what a person calls it. */
export const FACTORS = {
  high_intent: 'High-intent actions',
  activity: 'Activity volume',
  email: 'Email engagement',
  recency: 'Recency',
  age: 'Lead age',
  company: 'Company size',
  industry: 'Industry',
  title: 'Job title',
  country: 'Country',
  email_address: 'Email address',
  source: 'Lead source',
  negatives: 'Negative signals',
  rules: 'Points score',
} as const;
export type KnownFactor = keyof typeof FACTORS;

/** What a person calls a factor (a feature of its own: its name in words). */
export function factorLabel(factor: string): string {
  const known = (FACTORS as Record<string, string>)[factor];
  if (known) return known;
  const words = factor.replace(/[_\s]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Activity types that mean a lead raised its hand or researched buying. */
export const HIGH_INTENT_TYPES = new Set(['pricing_page_view', 'demo_request', 'trial_request', 'contact_sales']);
const EMAIL_TYPES = new Set(['email_open', 'email_click']);
const NEGATIVE_TYPES = new Set(['unsubscribe', 'email_bounce']);

/** An activity feature's types with the spec's groups expanded ('all' stays 'all'). */
export function activityTypesOf(activities: readonly string[], groups: Record<string, string[]> = {}): string[] {
  const out = new Set<string>();
  for (const a of activities) for (const t of groups[a] ?? [a]) out.add(t);
  return [...out].sort();
}

const DERIVED_FACTORS: Record<string, KnownFactor> = {
  seniority: 'title',
  department: 'title',
  student_title: 'title',
  email_domain_kind: 'email_address',
  email_domain: 'email_address',
  disposable_email: 'email_address',
  competitor_email: 'email_address',
  free_email: 'email_address',
  company_size_band: 'company',
  revenue_band: 'company',
  region: 'country',
  lead_age_days: 'age',
};

const ATTRIBUTE_FACTORS: Record<string, KnownFactor> = {
  industry: 'industry',
  lead_source: 'source',
  company_size: 'company',
  annual_revenue: 'company',
  country: 'country',
  job_title: 'title',
  email: 'email_address',
};

/** Lead columns an expression may read, and the factor of what they describe. */
const EXPR_COLUMN_FACTORS: Record<string, KnownFactor> = {
  company_size: 'company',
  annual_revenue: 'company',
  company: 'company',
  industry: 'industry',
  job_title: 'title',
  country: 'country',
  email: 'email_address',
  lead_source: 'source',
};

/** The factor of one feature; `defs` resolves a ratio's numerator, `groups` the spec's activity groups. */
export function factorOf(
  name: string,
  def: FeatureDef | undefined,
  defs: ReadonlyMap<string, FeatureDef> = new Map(),
  groups: Record<string, string[]> = {},
): string {
  if (!def) return name;
  switch (def.type) {
    case 'attribute':
      return ATTRIBUTE_FACTORS[def.column] ?? name;
    case 'derived':
      return DERIVED_FACTORS[def.derive] ?? name;
    case 'burst':
      return 'negatives';
    case 'ratio': {
      const num = defs.get(def.numerator);
      return num && num.type !== 'ratio' ? factorOf(def.numerator, num, defs, groups) : name;
    }
    case 'activity': {
      const types = activityTypesOf(def.activities, groups);
      if (types.some((t) => NEGATIVE_TYPES.has(t))) return 'negatives';
      if (def.agg === 'days_since_first') return 'age';
      if (types.every((t) => HIGH_INTENT_TYPES.has(t))) return 'high_intent';
      if (types.every((t) => EMAIL_TYPES.has(t))) return 'email';
      if (types.includes('all') && (def.agg === 'days_since_last' || def.agg === 'decayed_sum')) return 'recency';
      return 'activity';
    }
    case 'expr': {
      // the factor of the lead column it reads (a long company name is a fact about the company), else its own
      for (const [column, factor] of Object.entries(EXPR_COLUMN_FACTORS)) {
        if (new RegExp(`\\b${column}\\b`, 'i').test(def.sql)) return factor;
      }
      return name;
    }
  }
  return name;
}

/** One factor and the features in it (spec order). */
export interface Factor {
  id: string;
  label: string;
  features: string[];
}

/** The factors of a model's features and which factor each matrix column belongs to. */
export interface FactorPlan {
  factors: Factor[];
  /** factor index of each matrix column (the encoders' column order) */
  ofColumn: Int32Array;
  /** each feature's definition (absent for flat-table columns) */
  defs: ReadonlyMap<string, FeatureDef>;
  /** the spec's activity groups (empty for flat tables) */
  groups: Record<string, string[]>;
  /** the reference lead as a matrix row: the training mean of every column (see referenceRow) */
  reference: Float32Array;
}

/** Group a fitted model's features into factors; `spec` (CRM) supplies activity groups. */
export function factorPlan(encoders: EncoderState, spec?: Pick<FeatureSpec, 'activity_groups'>): FactorPlan {
  const defs = new Map<string, FeatureDef>();
  for (const f of encoders.features) if (f.def) defs.set(f.name, f.def);
  const groups = spec?.activity_groups ?? {};
  const factorIndex = new Map<string, number>();
  const factors: Factor[] = [];
  const byFeature = new Map<string, number>();
  for (const f of encoders.features) {
    const id = factorOf(f.name, f.def, defs, groups);
    let k = factorIndex.get(id);
    if (k === undefined) {
      k = factors.length;
      factors.push({ id, label: factorLabel(id), features: [] });
      factorIndex.set(id, k);
    }
    factors[k].features.push(f.name);
    byFeature.set(f.name, k);
  }
  // known factors in their usual order, then the rest as they came
  const known = Object.keys(FACTORS);
  const rank = (id: string) => (known.includes(id) ? known.indexOf(id) : known.length);
  const order = factors.map((_, k) => k).sort((a, b) => rank(factors[a].id) - rank(factors[b].id) || a - b);
  const newIndex = new Int32Array(factors.length);
  order.forEach((k, i) => (newIndex[k] = i));
  const ofColumn = Int32Array.from(encoders.source, (feature) => newIndex[byFeature.get(feature)!]);
  return { factors: order.map((k) => factors[k]), ofColumn, defs, groups, reference: referenceRow(encoders) };
}

/**
 * The reference lead as a matrix row: the training mean of every encoded column, from what the encoders kept.
 * Standardized numeric columns average 0 (missing values are encoded as the mean); a missing flag averages the
 * missing rate; a one-hot column its level's share (counts / rows), `<other>` the rest; quantile bins an equal share
 * of the present rows (their edges are training quantiles).
 */
export function referenceRow(encoders: EncoderState): Float32Array {
  const out: number[] = [];
  const n = Math.max(1, encoders.trainRows);
  for (const f of encoders.features) {
    if (f.kind === 'numeric') {
      out.push(0);
      if (f.missingIndicator) out.push(f.missingRate);
      if (f.binEdges) {
        const bins = f.binEdges.length + 1;
        for (let b = 0; b < bins; b++) out.push((1 - f.missingRate) / bins);
      }
    } else {
      let kept = 0;
      for (const c of f.counts) {
        out.push(c / n);
        kept += c / n;
      }
      out.push(Math.max(0, 1 - kept - f.missingRate));
      out.push(f.missingRate);
    }
  }
  if (out.length !== encoders.columns.length) {
    throw new Error(`reference row has ${out.length} values for ${encoders.columns.length} columns (encoder layout)`);
  }
  return Float32Array.from(out);
}
