import { NotFoundError } from '../errors.ts';
import type { Warehouse } from '../store/index.ts';
import { compileRules } from './compile.ts';
import { groupOf, type Group, type RuleSet } from './types.ts';

/** One rule that fired for a lead. */
export interface FiredRule {
  rule: string;
  group: Group;
  kind: 'attribute' | 'activity' | 'inactivity';
  /** key path of the rule in the rules file */
  path: string;
  /** events matched (activity rules) */
  events?: number;
  /** points before decay */
  rawPoints: number;
  /** points decay took away (0 when the rule does not decay) */
  decay: number;
  /** points the rule contributes to its group */
  points: number;
}

/** A group's subtotal: the sum of its rules, then its cap. */
export interface GroupExplanation {
  /** sum of the group's rule points */
  sum: number;
  cap: number;
  capHit: boolean;
  /** points after the cap (and, for engagement, linear decay) */
  points: number;
}

/** Why a lead scored what it did, rule by rule; the parts add up to `total`. */
export interface LeadExplanation {
  leadId: string;
  asOf: string;
  rules: FiredRule[];
  fit: GroupExplanation;
  engagement: GroupExplanation & { linearLoss: number };
  negative: GroupExplanation;
  /** days since the lead last engaged (or was created) */
  inactiveDays: number;
  /** fit + engagement + negative before the floor and total cap */
  subtotal: number;
  floorHit: boolean;
  totalCapHit: boolean;
  excluded: boolean;
  exclusionReason: string | null;
  total: number;
  band: string;
  colour: string;
  grade: string;
  mql: boolean;
  sql: boolean;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Explain one lead's rule score as of a date; NotFoundError if the lead does not exist then. */
export async function explainLead(w: Warehouse, rules: RuleSet, leadId: string, asOf: Date): Promise<LeadExplanation> {
  const rows = await w.all<Record<string, unknown>>(compileRules(rules, { asOf, leads: 'all', leadId, detail: true }));
  const row = rows[0];
  if (!row) throw await notFound(w, leadId, asOf);
  const num = (k: string) => Number(row[k]);

  const fired: FiredRule[] = [];
  rules.criteria.forEach((c, i) => {
    const raw = num(`raw${i}`);
    if (raw === 0) return;
    const points = num(`p${i}`);
    fired.push({
      rule: c.name,
      group: groupOf(c),
      kind: c.kind,
      path: c.path,
      ...(c.kind === 'activity' ? { events: num(`n${i}`) } : {}),
      rawPoints: raw,
      decay: round2(raw - points),
      points,
    });
  });

  // Recompute the groups from the rules' points exactly as the SQL does, so the parts visibly add up.
  const sumOf = (g: Group) => round2(fired.filter((f) => f.group === g).reduce((s, f) => s + f.points, 0));
  const { caps } = rules;
  const fitSum = sumOf('fit');
  const engSum = sumOf('engagement');
  const negSum = sumOf('negative');
  const linearLoss = num('linear_loss');
  const fit = Math.min(fitSum, caps.fit);
  const engagement = round2(Math.max(Math.min(engSum, caps.engagement) - linearLoss, 0));
  const negative = Math.max(negSum, -caps.negative);
  const subtotal = round2(fit + engagement + negative);
  const excluded = Boolean(row.excluded);
  const total = excluded ? 0 : round2(Math.min(Math.max(fit + engagement + negative, 0), caps.total));
  if (
    Math.abs(total - num('total')) > 1e-9 ||
    fitSum !== num('fit_raw') ||
    engSum !== num('engagement_raw') ||
    negSum !== num('negative_raw')
  ) {
    throw new Error(
      `explain for ${leadId} does not add up to the engine's score (${total} vs ${num('total')}); ` +
        'this is a bug in src/rules',
    );
  }
  return {
    leadId,
    asOf: asOf.toISOString(),
    rules: fired,
    fit: { sum: fitSum, cap: caps.fit, capHit: fitSum > caps.fit, points: fit },
    engagement: { sum: engSum, cap: caps.engagement, capHit: engSum > caps.engagement, linearLoss, points: engagement },
    negative: { sum: negSum, cap: caps.negative, capHit: negSum < -caps.negative, points: negative },
    inactiveDays: round2(num('inactive_days')),
    subtotal,
    floorHit: !excluded && subtotal < 0,
    totalCapHit: !excluded && subtotal > caps.total,
    excluded,
    exclusionReason: (row.exclusion_reason as string | null) ?? null,
    total,
    band: String(row.band),
    colour: String(row.colour),
    grade: String(row.grade),
    mql: Boolean(row.mql),
    sql: Boolean(row.sql),
  };
}

async function notFound(w: Warehouse, leadId: string, asOf: Date): Promise<NotFoundError> {
  const lead = await w.one<{ created_at: Date | string }>(
    `SELECT created_at::VARCHAR AS created_at FROM leads WHERE lead_id = $1`,
    [leadId],
  );
  if (lead) {
    return new NotFoundError(
      `lead ${leadId} did not exist yet on ${asOf.toISOString()} (created ${String(lead.created_at)} UTC)`,
      'pass a later --as-of',
    );
  }
  const near = await w.all<{ lead_id: string }>(
    `SELECT lead_id FROM leads ORDER BY levenshtein(lead_id, $1), lead_id LIMIT 3`,
    [leadId],
  );
  return new NotFoundError(
    `no lead with id ${JSON.stringify(leadId)} in the warehouse ${w.path}`,
    near.length
      ? `did you mean ${near.map((r) => r.lead_id).join(', ')}?`
      : 'the leads table is empty; load data first',
  );
}
