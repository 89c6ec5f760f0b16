import { writeFileAtomic } from '../atomic-file.ts';
import { DataError } from '../errors.ts';
import { hashToUnit } from '../random.ts';
import { quoteIdent, quoteLiteral, requireWarehouse, withWarehouse, type Warehouse } from '../store/index.ts';
import { buildFeatureTable, readFrame, transform, type FeatureFrame } from '../features/index.ts';
import { PlattCalibrator, bandFor, scoreFromProbability } from '../models/index.ts';
import {
  agreementCells,
  bandRows,
  captureAtEqualEffort,
  disagreementDirections,
  disagreementGroups,
  firedWords,
  gainsPoints,
  histogram,
  metricSet,
  mostDisagreedOrder,
  reliabilityPoints,
  rocPoints,
} from '../evaluate/comparison.ts';
import { bootstrapIntervalsParallel, type Interval } from '../evaluate/bootstrap.ts';
import { orderByScoreDesc } from '../evaluate/metrics.ts';
import { renderCompareReport, type ComparisonResult, type DisagreementDirection } from '../evaluate/report/index.ts';
import { alignedRuleScores, loadRules, type AlignedRuleOptions, type AlignedRuleScores } from '../rules/index.ts';
import type { RuleSet } from '../rules/types.ts';
import { pickValues, takeRows, DATA_END_SQL, type DenseMatrix, type ModelCard } from '../schema/index.ts';
import { bandColour } from '../schema/palette.ts';
import { writeComparison, type ComparedLead } from './compare-tables.ts';
import { explainerFor, predictAndAttributeRows, reasonsFor, reasonsOf } from './explain-rows.ts';
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

/** The run's features: TEMP, never written to the warehouse file (writing 750k rows there cost 1.5 s at 1M leads). */
const FEATURES = '_ls_compare_features';
/** (lead_id, as_of) of the features' rows, in the file: the rules run on a second connection, which sees no TEMP. */
const PAIRS = '_ls_compare_pairs';
/** Bootstrap resamples for the intervals: about a second at 50k leads, stable to the second decimal of an AUC. */
const BOOTSTRAP_REPLICATES = 500;

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
      temp: true,
    });
    try {
      await w.run(`CREATE OR REPLACE TABLE ${quoteIdent(PAIRS)} AS SELECT lead_id, as_of FROM ${quoteIdent(FEATURES)}`);
      const frame = await readFrame(w, FEATURES, spec);
      const y = frame.label!;
      stage('rule scores and predictive scores');
      // every row shares as_of: the rules score all leads in one pass; which rules fired is read later, only for
      // the leads the report shows (a JSON list per lead for a million leads cost more than the scores)
      const aligned = { pairs: PAIRS, order: 'as_of, lead_id', asOf: opts.asOf } as const;
      // The rule scores run in DuckDB on a second connection while JavaScript encodes the frame and runs the
      // base models; only the blend needs them. The model blends its own rule set; an analyst's --rules file
      // is only the yardstick.
      const blended = trained.model.usesRules ? (opts.rulesFile && trained.rules ? trained.rules : rules) : null;
      const rulesJob = ruleScoresBeside(w, aligned, rules, blended);
      rulesJob.catch(() => undefined); // awaited below, on every path
      let matrix: DenseMatrix;
      let base: Record<string, Float64Array>;
      try {
        // one turn of the event loop, so the query reaches DuckDB's threads before the encoding holds the loop
        await new Promise<void>((resolve) => setImmediate(resolve));
        matrix = transform(trained.encoders, frame).matrix;
        base = trained.model.baseOutputs(matrix);
      } catch (err) {
        await rulesJob.catch(() => undefined);
        throw err;
      }
      const { yardstick: r, model: modelRules } = await rulesJob;
      const pred = trained.model.combine(base, modelRules).probability;

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
      // each score's leads sorted once, for all its rank metrics, curves and the disagreements
      const rulesRanked = orderByScoreDesc(rulesPts);
      const predRanked = orderByScoreDesc(predP);
      const evaluated: Evaluated = {
        frame,
        evalIdx,
        y: yE,
        rulesPts,
        ruleBand,
        predP,
        predScore,
        predBand,
        modelRules,
        matrix,
        ranked: { rules: rulesRanked, predictive: predRanked },
      };
      const nConv = yE.reduce((a, b) => a + b, 0);
      const day = opts.asOf.toISOString().slice(0, 10);
      const mql = evalIdx.map((i) => r.mql[i]);
      const directions = disagreementDirections(ruleBand, predBand, ruleOrder, predOrder);
      stage('bootstrap intervals');
      const intervals = await bootstrapIntervalsParallel(
        yE,
        { rules: { rank: rulesPts, probability: rulesP }, predictive: { rank: predP, probability: predP } },
        { seed: opts.seed, replicates: BOOTSTRAP_REPLICATES, mql },
      );
      const overlap = trainingOverlap(trained.card, opts.asOf, trained.horizonDays);
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
        metrics: {
          rules: metricSet(yE, rulesP, rulesPts, rulesRanked),
          predictive: metricSet(yE, predP, predP, predRanked),
        },
        curves: {
          roc: { rules: rocPoints(yE, rulesPts, rulesRanked), predictive: rocPoints(yE, predP, predRanked) },
          gains: { rules: gainsPoints(yE, rulesPts, rulesRanked), predictive: gainsPoints(yE, predP, predRanked) },
          reliability: { rules: reliabilityPoints(yE, rulesP), predictive: reliabilityPoints(yE, predP) },
          score_histogram: [...histogram('rules', yE, Array.from(rulesPts)), ...histogram('predictive', yE, predScore)],
        },
        bands: [...bandRows('rules', ruleBand, yE, ruleOrder), ...bandRows('predictive', predBand, yE, predOrder)],
        agreement: agreementCells(ruleBand, predBand, yE, ruleOrder, predOrder),
        capture: captureAtEqualEffort(yE, mql, predP, predRanked),
        disagreements: await mostDisagreed(evaluated, trained, directions, (rows) => firedRules(w, rules, frame, rows)),
        disagreement_groups: disagreementGroups(directions, yE),
        intervals: {
          level: intervals.level,
          replicates: intervals.replicates,
          seed: intervals.seed,
          rules: finiteIntervals(intervals.scores.rules),
          predictive: finiteIntervals(intervals.scores.predictive),
          ...(intervals.capture_ratio && intervals.capture_ratio.every(Number.isFinite)
            ? { capture_ratio: intervals.capture_ratio }
            : {}),
        },
        training_overlap: overlap ?? undefined,
        band_colours: {
          rules: Object.fromEntries(
            [...rules.bands.map((b, k) => [b.name, bandColour(b.name, k, rules.bands.length, b.colour).hex])].concat([
              ['excluded', bandColour('excluded').hex],
            ]),
          ),
          predictive: Object.fromEntries(predOrder.map((b, k) => [b, bandColour(b, k, predOrder.length).hex])),
        },
        notes: [
          `Every figure is measured on ${yE.length} of the ${frame.ids.length} leads open on ${day} (a seeded half ` +
            "by lead id); the other half only mapped rule points to probabilities (Platt), so the rules' log loss, " +
            'Brier and ECE are fair.',
          `Converted means closed-won within ${horizonDays} days after ${day}.`,
          `Intervals are ${Math.round(100 * intervals.level)}% bootstrap intervals from ${intervals.replicates} ` +
            `resamples of these leads (seed ${opts.seed}), both scores on the same resamples.`,
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
      for (const t of [FEATURES, PAIRS]) await w.run(`DROP TABLE IF EXISTS ${quoteIdent(t)}`);
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
  /** the rule score the model blends, per frame row (null when it blends none) */
  modelRules: Float64Array | null;
  /** the encoded frame */
  matrix: DenseMatrix;
  /** the evaluated leads (j) by each score, highest first (orderByScoreDesc) */
  ranked: { rules: Int32Array; predictive: Int32Array };
}

/** The leads the two scores disagree on most, each way, with each side's reasons. */
async function mostDisagreed(
  e: Evaluated,
  trained: TrainedModel,
  directions: (DisagreementDirection | null)[],
  firedOf: (frameRows: number[]) => Promise<string[]>,
): Promise<ComparisonResult['disagreements']> {
  const order = mostDisagreedOrder(e.rulesPts, e.predP, directions, 6, e.ranked);
  if (order.length === 0) return [];
  const rows = order.map((j) => e.evalIdx[j]);
  const fired = await firedOf(rows);
  const X = takeRows(e.matrix, rows);
  const explainer = explainerFor(trained);
  const { members } = predictAndAttributeRows(trained, explainer, X);
  const modelRules = trained.model.usesRules ? Float64Array.from(rows, (i) => e.modelRules![i]) : null;
  const reasons = reasonsOf(reasonsFor(trained, explainer, members, modelRules, e.frame, (r) => rows[r], 3));
  return order.map((j, r) => ({
    direction: directions[j] ?? undefined,
    lead_id: e.frame.ids[e.evalIdx[j]],
    rule_score: e.rulesPts[j],
    rule_band: e.ruleBand[j],
    predictive_score: e.predScore[j],
    predictive_band: e.predBand[j],
    converted: e.y[j] === 1,
    rule_reasons: firedWords(fired[r]),
    predictive_reasons: reasons[r].map((x) => `${x.direction === 'up' ? '+' : '-'} ${x.text}`),
  }));
}

/** The JSON list of rules that fired for each of the given frame rows (same query shape as every rule score). */
async function firedRules(w: Warehouse, rules: RuleSet, frame: FeatureFrame, rows: number[]): Promise<string[]> {
  const pairs = '_ls_compare_shown';
  const values = rows.map(
    (i, k) => `(${k}, ${quoteLiteral(frame.ids[i])}, epoch_ms(${Math.round(frame.asOf[i])}::BIGINT))`,
  );
  await w.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(pairs)} AS
    SELECT rn::INTEGER AS rn, lead_id, as_of FROM (VALUES ${values.join(', ')}) v(rn, lead_id, as_of)`);
  try {
    return (await alignedRuleScores(w, rules, { pairs, order: 'rn', withFired: true })).fired!;
  } finally {
    await w.run(`DROP TABLE IF EXISTS ${quoteIdent(pairs)}`);
  }
}

/** Intervals whose ends are numbers (a metric undefined on every resample has none). */
function finiteIntervals(byMetric: Record<string, Interval>): Record<string, Interval> {
  return Object.fromEntries(Object.entries(byMetric).filter(([, i]) => i.every(Number.isFinite)));
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

/**
 * Whether leads open on `asOf`, with outcomes in the horizon after it, overlap what the model was fitted on. Every
 * row before the model's test window fitted something (base models, blend, calibrator) or sat in a gap, and the
 * test window starts a horizon after the last fitted label; so a comparison is out of time from the test window's
 * start on. Models without dates (flat tables) have no window: null.
 */
function trainingOverlap(
  card: ModelCard,
  asOf: Date,
  horizonDays: number,
): ComparisonResult['training_overlap'] | null {
  const testStart = new Date(card.test_window.start);
  const trainEnd = new Date(card.training_window.end);
  const fittedUntil = !Number.isNaN(testStart.getTime())
    ? testStart
    : !Number.isNaN(trainEnd.getTime())
      ? new Date(trainEnd.getTime() + horizonDays * 86_400_000)
      : null;
  if (!fittedUntil) return null;
  return { overlaps: asOf < fittedUntil, fitted_until: fittedUntil.toISOString().slice(0, 10) };
}

/**
 * The yardstick's rule scores and the ones the model blends (the same scores when it blends the yardstick's
 * rules, none when it blends no rules), on a second connection.
 */
async function ruleScoresBeside(
  w: Warehouse,
  aligned: AlignedRuleOptions,
  yardstick: RuleSet,
  modelRules: RuleSet | null,
): Promise<{ yardstick: AlignedRuleScores; model: Float64Array | null }> {
  const side = await w.secondConnection();
  try {
    const r = await alignedRuleScores(side, yardstick, aligned);
    if (!modelRules) return { yardstick: r, model: null };
    if (modelRules === yardstick) return { yardstick: r, model: r.total };
    return { yardstick: r, model: (await alignedRuleScores(side, modelRules, aligned)).total };
  } finally {
    await side.close();
  }
}
