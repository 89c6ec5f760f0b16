import { writeFileAtomic } from '../atomic-file.ts';
import { DataError } from '../errors.ts';
import { hashToUnit } from '../random.ts';
import { quoteIdent, requireWarehouse, withWarehouse, type Warehouse } from '../store/index.ts';
import { buildFeatureTable, describeFeature, readFrame, transform, type FeatureFrame } from '../features/index.ts';
import { PlattCalibrator, bandFor, explainRows, scoreFromProbability } from '../models/index.ts';
import {
  agreementCells,
  bandRows,
  captureAtEqualEffort,
  firedWords,
  gainsPoints,
  histogram,
  metricSet,
  mostDisagreedOrder,
  reliabilityPoints,
  rocPoints,
} from '../evaluate/comparison.ts';
import { renderCompareReport, type ComparisonResult } from '../evaluate/report/index.ts';
import { alignedRuleScores, loadRules, type AlignedRuleScores } from '../rules/index.ts';
import type { RuleSet } from '../rules/types.ts';
import { pickValues, takeRows, DATA_END_SQL, type DenseMatrix, type ModelWindow } from '../schema/index.ts';
import { writeComparison, type ComparedLead } from './compare-tables.ts';
import { crmSpecOf, openModel, type TrainedModel } from './trained-model.ts';

export type { ComparedLead } from './compare-tables.ts';

/** Options for a comparison of the rule score and the predictive score. */
export interface CompareOptions {
  db: string;
  model: string;
  modelsDir: string;
  /** a rules file to compare against (default: the rule set stored with the model) */
  rulesFile?: string;
  asOf: Date;
  horizonDays?: number;
  /** where the HTML report goes (omit for none) */
  out?: string;
  seed: number;
  runId?: string;
  now: Date;
  onStage?: (stage: string) => void;
}

/** What compare returns: the result the report renders, the evaluated rows, and where things went. */
export interface CompareOutput {
  result: ComparisonResult;
  leads: ComparedLead[];
  report_path: string | null;
}

const FEATURES = '_ls_compare_features';

/**
 * Compare the points score with the predictive score on leads whose outcome window has closed.
 * The compare population is split in two by a seeded hash of lead_id: one half only maps rule points
 * to a probability (Platt), every figure is measured on the other half, so neither score is judged
 * on rows it was fitted on.
 */
export async function compareScores(opts: CompareOptions): Promise<CompareOutput> {
  const stage = opts.onStage ?? (() => undefined);
  requireWarehouse(opts.db); // a mistyped --db must not create an empty warehouse
  const trained = await openModel(opts.model, opts.modelsDir);
  const spec = crmSpecOf(trained, 'compare');
  const horizonDays = opts.horizonDays ?? trained.horizonDays;
  const rules: RuleSet | null = opts.rulesFile ? loadRules(opts.rulesFile) : trained.rules;
  if (!rules) {
    throw new DataError(
      `model ${trained.name}@${trained.version} has no rule set and no --rules was given`,
      'pass --rules models/rules.yaml',
    );
  }
  const runId = opts.runId ?? `compare-${compactStamp(opts.now)}`;
  return withWarehouse(opts.db, async (w) => {
    await assertWindowClosed(w, opts.db, opts.asOf, horizonDays);
    stage(`features and labels as of ${opts.asOf.toISOString().slice(0, 10)}`);
    await buildFeatureTable(w, spec, {
      asOf: [opts.asOf],
      horizonDays,
      withLabels: true,
      leads: 'open',
      into: FEATURES,
    });
    try {
      const frame = await readFrame(w, FEATURES, spec);
      const y = frame.label!;
      stage('rule scores');
      const aligned = { pairs: FEATURES, order: 'as_of, lead_id' } as const;
      const r = await alignedRuleScores(w, rules, { ...aligned, withFired: true });
      stage('predictive scores');
      const { matrix, source } = transform(trained.encoders, frame);
      // The model blends its own rule set; an analyst's --rules file is only the yardstick.
      const modelRules = trained.model.usesRules
        ? opts.rulesFile && trained.rules
          ? (await alignedRuleScores(w, trained.rules, aligned)).total
          : r.total
        : null;
      const pred = trained.model.predict(matrix, modelRules).probability;

      const evalIdx: number[] = [];
      const fitIdx: number[] = [];
      frame.ids.forEach((id, i) => (halfOf(id, opts.seed) === 0 ? fitIdx : evalIdx).push(i));
      if (evalIdx.length < 50 || fitIdx.length < 50) {
        throw new DataError(
          `only ${frame.ids.length} open leads as of ${opts.asOf.toISOString()}: too few to compare`,
          'pick a later --as-of or load more leads',
        );
      }
      const rulesToP = (pts: Float64Array) => pts.map((v) => Math.min(Math.max(v / 100, 1e-4), 1 - 1e-4));
      const ruleCal = new PlattCalibrator().fit(rulesToP(pickValues(r.total, fitIdx)), pickValues(y, fitIdx));
      const yE = pickValues(y, evalIdx);
      const rulesPts = pickValues(r.total, evalIdx);
      const rulesP = ruleCal.predict(rulesToP(rulesPts));
      const predP = pickValues(pred, evalIdx);
      if (yE.every((v) => v === 0) || yE.every((v) => v === 1)) {
        throw new DataError(
          'the evaluation half has only one outcome class',
          'pick another --as-of with some conversions in its window',
        );
      }

      stage('metrics, bands, agreement');
      const bands = trained.model.bandThresholds();
      const predScore = Array.from(predP, scoreFromProbability);
      const predBand = predScore.map((s) => bandFor(s, bands));
      const ruleBand = evalIdx.map((i) => r.band[i]);
      const ruleOrder = orderOfBands(rules);
      const predOrder = bands.map((b) => b.name);
      const evaluated: Evaluated = { frame, evalIdx, y: yE, rulesPts, ruleBand, predP, predScore, predBand };
      const nConv = yE.reduce((a, b) => a + b, 0);
      const day = opts.asOf.toISOString().slice(0, 10);
      const result: ComparisonResult = {
        run_id: runId,
        created_at: opts.now.toISOString(),
        as_of: isoDay(opts.asOf),
        horizon_days: horizonDays,
        model: { name: trained.name, version: trained.version },
        rules_file: opts.rulesFile ?? `${trained.dir}/rules.json`,
        n_leads: yE.length,
        n_converted: nConv,
        base_rate: nConv / yE.length,
        metrics: { rules: metricSet(yE, rulesP, rulesPts), predictive: metricSet(yE, predP, predP) },
        curves: {
          roc: { rules: rocPoints(yE, rulesPts), predictive: rocPoints(yE, predP) },
          gains: { rules: gainsPoints(yE, rulesPts), predictive: gainsPoints(yE, predP) },
          reliability: { rules: reliabilityPoints(yE, rulesP), predictive: reliabilityPoints(yE, predP) },
          score_histogram: [...histogram('rules', yE, Array.from(rulesPts)), ...histogram('predictive', yE, predScore)],
        },
        bands: [...bandRows('rules', ruleBand, yE, ruleOrder), ...bandRows('predictive', predBand, yE, predOrder)],
        agreement: agreementCells(ruleBand, predBand, yE, ruleOrder, predOrder),
        capture: captureAtEqualEffort(
          yE,
          evalIdx.map((i) => r.mql[i]),
          predP,
        ),
        disagreements: mostDisagreed(evaluated, r, trained, { matrix, source }),
        notes: [
          `Every figure is measured on ${yE.length} of the ${frame.ids.length} leads open on ${day} (a seeded half ` +
            "by lead id); the other half only mapped rule points to probabilities (Platt), so the rules' log loss, " +
            'Brier and ECE are fair.',
          `Converted means closed-won within ${horizonDays} days after ${day}.`,
          ...trainingOverlapNote(trained.card.training_window, opts.asOf),
        ],
      };
      const leads: ComparedLead[] = evalIdx.map((i, j) => ({
        lead_id: frame.ids[i],
        converted: yE[j],
        rule_score: rulesPts[j],
        rule_band: ruleBand[j],
        rule_probability: rulesP[j],
        probability: predP[j],
        predictive_score: predScore[j],
        predictive_band: predBand[j],
      }));
      stage('writing comparison tables');
      await writeComparison(w, result, leads, opts.out ?? null);
      let reportPath: string | null = null;
      if (opts.out) {
        stage(`rendering ${opts.out}`);
        reportPath = writeFileAtomic(opts.out, await renderCompareReport(result));
      }
      return { result, leads, report_path: reportPath };
    } finally {
      await w.run(`DROP TABLE IF EXISTS ${quoteIdent(FEATURES)}`);
    }
  });
}

/** The evaluation half: outcome and both scores per lead (index j), and where each lead sits in the frame. */
interface Evaluated {
  frame: FeatureFrame;
  /** frame row of evaluated lead j */
  evalIdx: number[];
  y: Uint8Array;
  rulesPts: Float64Array;
  ruleBand: string[];
  predP: Float64Array;
  predScore: number[];
  predBand: string[];
}

/** The leads the two scores disagree on most, with each side's reasons. */
function mostDisagreed(
  e: Evaluated,
  rules: AlignedRuleScores,
  trained: TrainedModel,
  encoded: { matrix: DenseMatrix; source: string[] },
): ComparisonResult['disagreements'] {
  const order = mostDisagreedOrder(e.rulesPts, e.predP);
  const rows = order.map((j) => e.evalIdx[j]);
  const X = takeRows(encoded.matrix, rows);
  const contributions = trained.model.linearContributions(X) ?? new Float64Array(X.rows * X.cols);
  const reasons = explainRows({
    contributions,
    rows: X.rows,
    cols: X.cols,
    columnFeature: encoded.source,
    k: 3,
    minAbsWeight: 0.05,
    rawValues: Object.fromEntries(e.frame.columns.map((c) => [c.name, rows.map((i) => c.values[i])])),
    describe: (feature, raw) => describeFeature(trained.encoders, feature, raw),
  });
  return order.map((j, r) => ({
    lead_id: e.frame.ids[e.evalIdx[j]],
    rule_score: e.rulesPts[j],
    rule_band: e.ruleBand[j],
    predictive_score: e.predScore[j],
    predictive_band: e.predBand[j],
    converted: e.y[j] === 1,
    rule_reasons: firedWords(rules.fired![e.evalIdx[j]]),
    predictive_reasons: reasons[r].map((x) => `${x.direction === 'up' ? '+' : '-'} ${x.text}`),
  }));
}

async function assertWindowClosed(w: Warehouse, db: string, asOf: Date, horizonDays: number): Promise<void> {
  for (const t of ['leads', 'activities', 'outcomes']) {
    if (!(await w.tableExists(t))) {
      throw new DataError(
        `warehouse ${db} has no "${t}" table`,
        'run `leadscore generate` or `leadscore ingest` first',
      );
    }
  }
  const row = await w.one<{ last: Date | null }>(`SELECT ${DATA_END_SQL} AS last`);
  const end = new Date(asOf.getTime() + horizonDays * 86_400_000);
  if (!row?.last || row.last < end) {
    const latest = row?.last
      ? new Date(row.last.getTime() - horizonDays * 86_400_000).toISOString().slice(0, 10)
      : 'n/a';
    const runsTo = row?.last?.toISOString().slice(0, 10) ?? 'nothing';
    throw new DataError(
      `the ${horizonDays}-day outcome window after ${asOf.toISOString().slice(0, 10)} has not closed yet ` +
        `(data runs to ${runsTo})`,
      `compare needs known outcomes: use --as-of ${latest} or earlier`,
    );
  }
}

/** Rule bands hottest first, then `excluded`. */
function orderOfBands(rules: RuleSet): string[] {
  return [...rules.bands]
    .sort((a, b) => b.min - a.min)
    .map((b) => b.name)
    .concat(['excluded']);
}

/** A date as YYYY-MM-DD when it is midnight UTC, else the full ISO instant. */
function isoDay(d: Date): string {
  const iso = d.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
}

function compactStamp(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** 0 or 1 for a lead id: a seeded, stable half. */
function halfOf(id: string, seed: number): number {
  return hashToUnit(id, seed) < 0.5 ? 0 : 1;
}

function trainingOverlapNote(window: ModelWindow, asOf: Date): string[] {
  const end = new Date(window.end);
  if (!Number.isNaN(end.getTime()) && asOf <= end) {
    const day = asOf.toISOString().slice(0, 10);
    return [
      `Caution: ${day} lies inside the model's training window (to ${end.toISOString().slice(0, 10)}); ` +
        'pick a later --as-of for an out-of-time comparison.',
    ];
  }
  return [];
}
