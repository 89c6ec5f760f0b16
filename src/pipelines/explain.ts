/**
 * `leadscore explain --lead ID`: one lead's two scores side by side. The points score rule by rule (the points that
 * added up, rules/explain.ts) and the predictive score factor by factor (each factor's contribution to the blend's
 * log-odds, from the attribution that adds up), with bands and grade. The lead is scored exactly as `score` scores
 * it (same features, models, rule query, reasons), so its row here is the row `score` wrote for the same date.
 */
import { DataError, NotFoundError } from '../errors.ts';
import { buildFeatureTable, factorLabel, readFrame, transform } from '../features/index.ts';
import { attributedLogits } from '../models/attribution.ts';
import { reasonsJson, sigmoid, type Reason } from '../models/index.ts';
import { bandFor, scoreFromProbability } from '../models/score.ts';
import { alignedRuleScores, explainLead, type LeadExplanation } from '../rules/index.ts';
import { timestampSql } from '../schema/index.ts';
import { quoteIdent, withWarehouse, type Warehouse } from '../store/index.ts';
import { explainerFor, predictAndAttributeRows, reasonsFor } from './explain-rows.ts';
import { crmSpecOf, openModel } from './trained-model.ts';

/** Options of explainLeadScore. */
export interface ExplainLeadOptions {
  db: string;
  model: string;
  modelsDir: string;
  leadId: string;
  /** default: the as_of of the lead's row in lead_scores */
  asOf?: Date;
  /** reasons each way, as `score --reasons` (default 3) */
  reasons?: number;
}

/** The lead's row of lead_scores as this model scores it as of the date (the columns scoring computes). */
export interface ScoreRow {
  lead_id: string;
  as_of: string;
  model: string;
  model_version: string;
  probability: number;
  score: number;
  percentile: number;
  band: string;
  grade: string | null;
  rule_score: number | null;
  rule_band: string | null;
  reasons: Reason[];
}

/** One factor's part in the predictive score. */
export interface FactorPart {
  factor: string;
  label: string;
  /** contribution to the blend's log-odds (0: exactly the reference lead's) */
  contribution: number;
  direction: 'up' | 'down' | 'none';
  text: string;
}

/** Everything explain prints. */
export interface LeadScoreExplanation {
  lead_id: string;
  as_of: string;
  model: { name: string; version: string };
  /** the lead_scores columns scoring computes for this lead and date */
  row: ScoreRow;
  predictive: {
    probability: number;
    score: number;
    percentile: number;
    band: string;
    /** band cut-offs on the score, resolved at training time */
    bands: { hot: number; warm: number };
    /** blend log-odds of the reference lead (the training mean) and its calibrated probability */
    reference: { logit: number; probability: number };
    /** the lead's blend log-odds: reference.logit + Σ factors */
    logit: number;
    /** every factor, strongest first */
    factors: FactorPart[];
  };
  /** the points score rule by rule (null for a model trained without rules) */
  rules: LeadExplanation | null;
  /** the lead's row in lead_scores now, with its trend (null when it has none for this model) */
  stored: Record<string, unknown> | null;
}

const PAIRS = '_ls_explain_pairs';
const FEATURES = '_ls_explain_features';

/** Explain one lead's predictive and points scores as of a date. */
export async function explainLeadScore(opts: ExplainLeadOptions): Promise<LeadScoreExplanation> {
  const trained = await openModel(opts.model, opts.modelsDir);
  const spec = crmSpecOf(trained, 'explain');
  return withWarehouse(
    opts.db,
    async (w) => {
      const stored = await storedRow(w, opts.leadId, trained.name);
      const asOf = opts.asOf ?? (stored ? (stored.as_of as Date) : undefined);
      if (!asOf) {
        throw new DataError(
          `lead ${opts.leadId} has no score from model ${trained.name} in ${opts.db}`,
          'pass --as-of to explain it as of a date, or score it first',
        );
      }
      // the rules' explanation also checks the lead exists then (with a "did you mean")
      const rules = trained.rules ? await explainLead(w, trained.rules, opts.leadId, asOf) : await mustExist(w, opts);
      await w.run(
        `CREATE OR REPLACE TEMP TABLE ${quoteIdent(PAIRS)} AS
         SELECT 0::INTEGER AS rn, $1::VARCHAR AS lead_id, ${timestampSql(asOf)} AS as_of`,
        [opts.leadId],
      );
      try {
        await buildFeatureTable(w, spec, {
          asOf: PAIRS,
          horizonDays: trained.horizonDays,
          withLabels: false,
          leads: 'all',
          into: FEATURES,
          temp: true,
          rowNumbers: true,
        });
        const frame = await readFrame(w, FEATURES, spec);
        if (frame.ids.length !== 1) throw new NotFoundError(`lead ${opts.leadId} has no features as of ${asOf}`);
        const aligned = trained.rules
          ? await alignedRuleScores(w, trained.rules, { pairs: PAIRS, order: 'rn', asOf })
          : null;
        const { matrix } = transform(trained.encoders, frame);
        const explainer = explainerFor(trained);
        // the pass scoring makes: the base models' outputs and their attribution together
        const { base, members } = predictAndAttributeRows(trained, explainer, matrix);
        const ruleScores = aligned ? aligned.total : null;
        const out = trained.model.combine(base, trained.model.usesRules ? ruleScores : null);
        const explained = reasonsFor(trained, explainer, members, ruleScores, frame, (i) => i, opts.reasons ?? 3);
        const p = out.probability[0];
        const score = scoreFromProbability(p);
        const band = bandFor(score, trained.model.bandThresholds());
        const percentile = trained.model.percentiles(out.probability)[0];
        const a = explained.attribution;
        const factors: FactorPart[] = a.groups
          .map((factor, f) => {
            const contribution = a.values[f];
            return {
              factor,
              label: factorLabel(factor),
              contribution,
              direction: contribution > 0 ? 'up' : contribution < 0 ? 'down' : 'none',
              text: explained.source.text(f, 0),
            } as FactorPart;
          })
          .sort((x, y) => Math.abs(y.contribution) - Math.abs(x.contribution));
        const referenceProbability = trained.model.toParts().calibrator.predict(Float64Array.of(sigmoid(a.base)))[0];
        const row: ScoreRow = {
          lead_id: opts.leadId,
          as_of: asOf.toISOString(),
          model: trained.name,
          model_version: trained.version,
          probability: p,
          score,
          percentile,
          band,
          grade: aligned ? aligned.grade[0] : null,
          rule_score: aligned ? aligned.total[0] : null,
          rule_band: aligned ? aligned.band[0] : null,
          reasons: JSON.parse(reasonsJson(explained.phrases, 1)[0]) as Reason[],
        };
        return {
          lead_id: opts.leadId,
          as_of: asOf.toISOString(),
          model: { name: trained.name, version: trained.version },
          row,
          predictive: {
            probability: p,
            score,
            percentile,
            band,
            bands: trained.model.bands,
            reference: { logit: a.base, probability: referenceProbability },
            logit: attributedLogits(a)[0],
            factors,
          },
          rules,
          stored: stored ? jsonSafe(stored) : null,
        };
      } finally {
        await w.run(`DROP TABLE IF EXISTS ${quoteIdent(FEATURES)}`);
        await w.run(`DROP TABLE IF EXISTS ${quoteIdent(PAIRS)}`);
      }
    },
    { overlay: true },
  );
}

/** The lead's row in lead_scores when the model scored it (reasons parsed), else null. */
async function storedRow(w: Warehouse, leadId: string, model: string): Promise<Record<string, unknown> | null> {
  if (!(await w.tableExists('lead_scores'))) return null;
  const row = await w.one<Record<string, unknown>>(
    `SELECT * REPLACE (reasons::VARCHAR AS reasons) FROM lead_scores WHERE lead_id = $1 AND model = $2`,
    [leadId, model],
  );
  if (!row) return null;
  return { ...row, reasons: row.reasons === null ? null : JSON.parse(String(row.reasons)) };
}

/** Dates as ISO text, so the stored row prints as JSON the way the computed one does. */
function jsonSafe(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]));
}

/** Without rules: check the lead exists (the rules' explanation does it otherwise). */
async function mustExist(w: Warehouse, opts: ExplainLeadOptions): Promise<null> {
  const lead = await w.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM leads WHERE lead_id = $1`, [opts.leadId]);
  if (!lead?.n) throw new NotFoundError(`no lead with id ${JSON.stringify(opts.leadId)} in the warehouse ${opts.db}`);
  return null;
}
