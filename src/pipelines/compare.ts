import fs from 'node:fs';
import path from 'node:path';
import { DataError } from '../errors.ts';
import { hashToUnit } from '../random.ts';
import { quoteIdent, withWarehouse, type Warehouse } from '../store/index.ts';
import { buildFeatureTable, describeFeature, readFrame, transform } from '../features/index.ts';
import { PlattCalibrator, bandFor, explainRows, scoreFromProbability } from '../models/index.ts';
import {
  averageRanks,
  brier,
  cumulativeGains,
  ece,
  liftAt,
  logLoss,
  prAuc,
  reliabilityBins,
  rocAuc,
  rocCurve,
} from '../evaluate/metrics.ts';
import { renderCompareReport, type ComparisonResult } from '../evaluate/report/index.ts';
import { loadRules } from '../rules/index.ts';
import type { RuleSet } from '../rules/types.ts';
import { loadModel } from './loaded-model.ts';
import { COMPARISON_DDL } from './tables.ts';
import { ruleScoresAligned } from './train.ts';

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

/** One evaluated lead: both scores and the outcome (also written to comparison_leads). */
export interface ComparedLead {
  lead_id: string;
  converted: number;
  rule_score: number;
  rule_band: string;
  rule_probability: number;
  probability: number;
  predictive_score: number;
  predictive_band: string;
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
  const loaded = await loadModel(opts.model, opts.modelsDir);
  const horizonDays = opts.horizonDays ?? loaded.horizonDays;
  const rules: RuleSet | null = opts.rulesFile ? loadRules(opts.rulesFile) : loaded.rules;
  if (!rules)
    throw new DataError(
      `model ${loaded.name}@${loaded.version} has no rule set and no --rules was given`,
      'pass --rules models/rules.yaml',
    );
  const runId =
    opts.runId ??
    `compare-${opts.now
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z')}`;
  return withWarehouse(opts.db, async (w) => {
    await assertWindowClosed(w, opts.db, opts.asOf, horizonDays);
    stage(`features and labels as of ${opts.asOf.toISOString().slice(0, 10)}`);
    await buildFeatureTable(w, loaded.spec, {
      asOf: [opts.asOf],
      horizonDays,
      withLabels: true,
      leads: 'open',
      into: FEATURES,
    });
    try {
      const frame = await readFrame(w, FEATURES, loaded.spec);
      const y = frame.label!;
      stage('rule scores');
      const r = await ruleScoresAligned(w, rules, FEATURES, { withFired: true });
      stage('predictive scores');
      const { matrix, source } = transform(loaded.encoders, frame);
      // The model blends its own rule set; an analyst's --rules file is only the yardstick.
      const modelRules = loaded.model.usesRules
        ? opts.rulesFile && loaded.rules
          ? (await ruleScoresAligned(w, loaded.rules, FEATURES)).total
          : r.total
        : null;
      const pred = loaded.model.predict(matrix, modelRules).probability;

      const evalIdx: number[] = [];
      const fitIdx: number[] = [];
      frame.ids.forEach((id, i) => (halfOf(id, opts.seed) === 0 ? fitIdx : evalIdx).push(i));
      if (evalIdx.length < 50 || fitIdx.length < 50)
        throw new DataError(
          `only ${frame.ids.length} open leads as of ${opts.asOf.toISOString()}: too few to compare`,
          'pick a later --as-of or load more leads',
        );
      const pick = <T extends Float64Array | Uint8Array>(a: T, idx: number[]): T => {
        const out = new (a.constructor as new (n: number) => T)(idx.length);
        idx.forEach((j, k) => (out[k] = a[j]));
        return out;
      };
      const rulesToP = (pts: Float64Array) => pts.map((v) => Math.min(Math.max(v / 100, 1e-4), 1 - 1e-4));
      const ruleCal = new PlattCalibrator().fit(rulesToP(pick(r.total, fitIdx)), pick(y, fitIdx));
      const yE = pick(y, evalIdx);
      const rulesPts = pick(r.total, evalIdx);
      const rulesP = ruleCal.predict(rulesToP(rulesPts));
      const predP = pick(pred, evalIdx);
      if (yE.every((v) => v === 0) || yE.every((v) => v === 1))
        throw new DataError(
          'the evaluation half has only one outcome class',
          'pick another --as-of with some conversions in its window',
        );

      stage('metrics, bands, agreement');
      const predScore = Array.from(predP, scoreFromProbability);
      const predBand = predScore.map((s) => bandFor(s, loaded.bands));
      const ruleBand = evalIdx.map((i) => r.band[i]);
      const ruleOrder = orderOfBands(rules);
      const predOrder = loaded.bands.map((b) => b.name);
      const metrics = {
        rules: metricSet(yE, rulesP, rulesPts),
        predictive: metricSet(yE, predP, predP),
      };
      const capture = captureAtEqualEffort(
        yE,
        evalIdx.map((i) => r.mql[i]),
        predP,
      );
      const disagreements = mostDisagreed(
        frame,
        evalIdx,
        yE,
        rulesPts,
        ruleBand,
        predP,
        predScore,
        predBand,
        r.fired!,
        loaded,
        matrix,
        source,
      );
      const nConv = yE.reduce((a, b) => a + b, 0);
      const result: ComparisonResult = {
        run_id: runId,
        created_at: opts.now.toISOString(),
        as_of: isoDay(opts.asOf),
        horizon_days: horizonDays,
        model: { name: loaded.name, version: loaded.version },
        rules_file: opts.rulesFile ?? `${loaded.dir}/rules.json`,
        n_leads: yE.length,
        n_converted: nConv,
        base_rate: nConv / yE.length,
        metrics,
        curves: {
          roc: { rules: rocPoints(yE, rulesPts), predictive: rocPoints(yE, predP) },
          gains: { rules: gainsPoints(yE, rulesPts), predictive: gainsPoints(yE, predP) },
          reliability: { rules: reliabilityPoints(yE, rulesP), predictive: reliabilityPoints(yE, predP) },
          score_histogram: [...histogram('rules', yE, Array.from(rulesPts)), ...histogram('predictive', yE, predScore)],
        },
        bands: [...bandRows('rules', ruleBand, yE, ruleOrder), ...bandRows('predictive', predBand, yE, predOrder)],
        agreement: agreementCells(ruleBand, predBand, yE, ruleOrder, predOrder),
        capture,
        disagreements,
        notes: [
          `Every figure is measured on ${yE.length} of the ${frame.ids.length} leads open on ${opts.asOf.toISOString().slice(0, 10)} (a seeded half by lead id); the other half only mapped rule points to probabilities (Platt), so the rules' log loss, Brier and ECE are fair.`,
          `Converted means closed-won within ${horizonDays} days after ${opts.asOf.toISOString().slice(0, 10)}.`,
          ...trainingOverlapNote(loaded.card.training_window, opts.asOf),
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
        reportPath = await writeFileAtomic(opts.out, await renderCompareReport(result));
      }
      return { result, leads, report_path: reportPath };
    } finally {
      await w.run(`DROP TABLE IF EXISTS ${quoteIdent(FEATURES)}`);
    }
  });
}

async function assertWindowClosed(w: Warehouse, db: string, asOf: Date, horizonDays: number): Promise<void> {
  for (const t of ['leads', 'activities', 'outcomes']) {
    if (!(await w.tableExists(t)))
      throw new DataError(
        `warehouse ${db} has no "${t}" table`,
        'run `leadscore generate` or `leadscore ingest` first',
      );
  }
  const row = await w.one<{ last: Date | null }>(
    `SELECT greatest((SELECT max(occurred_at) FROM activities), (SELECT max(coalesce(closed_at, created_at)) FROM outcomes)) AS last`,
  );
  const end = new Date(asOf.getTime() + horizonDays * 86_400_000);
  if (!row?.last || row.last < end) {
    const latest = row?.last
      ? new Date(row.last.getTime() - horizonDays * 86_400_000).toISOString().slice(0, 10)
      : 'n/a';
    throw new DataError(
      `the ${horizonDays}-day outcome window after ${asOf.toISOString().slice(0, 10)} has not closed yet (data runs to ${row?.last?.toISOString().slice(0, 10) ?? 'nothing'})`,
      `compare needs known outcomes: use --as-of ${latest} or earlier`,
    );
  }
}

/** A date as YYYY-MM-DD when it is midnight UTC, else the full ISO instant. */
function isoDay(d: Date): string {
  const iso = d.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
}

/** 0 or 1 for a lead id: a seeded, stable half. */
function halfOf(id: string, seed: number): number {
  return hashToUnit(id, seed) < 0.5 ? 0 : 1;
}

function metricSet(y: Uint8Array, p: Float64Array, rank: Float64Array): ComparisonResult['metrics']['rules'] {
  const gains = (f: number) => {
    const g = cumulativeGains(y, rank, 100);
    const k = g.fraction.findIndex((x) => x >= f - 1e-9);
    return g.gain[k];
  };
  return {
    auc: rocAuc(y, rank),
    pr_auc: prAuc(y, rank),
    brier: brier(y, p),
    logloss: logLoss(y, p),
    ece: ece(y, p),
    lift_at_5pct: liftAt(y, rank, 0.05),
    lift_at_10pct: liftAt(y, rank, 0.1),
    lift_at_20pct: liftAt(y, rank, 0.2),
    gains_at_5pct: gains(0.05),
    gains_at_10pct: gains(0.1),
    gains_at_20pct: gains(0.2),
  };
}

function rocPoints(y: Uint8Array, p: Float64Array): { fpr: number; tpr: number }[] {
  const c = rocCurve(y, p, 200);
  return c.fpr.map((fpr, i) => ({ fpr, tpr: c.tpr[i] }));
}

function gainsPoints(y: Uint8Array, p: Float64Array): { fraction: number; captured: number }[] {
  const g = cumulativeGains(y, p, 20);
  return g.fraction.map((fraction, i) => ({ fraction, captured: g.gain[i] }));
}

function reliabilityPoints(y: Uint8Array, p: Float64Array): ComparisonResult['curves']['reliability']['rules'] {
  return reliabilityBins(y, p, 10)
    .map((b, bin) => ({ bin, mean_predicted: b.meanPredicted, observed_rate: b.observedRate, count: b.count }))
    .filter((b) => b.count > 0);
}

function histogram(
  source: 'rules' | 'predictive',
  y: Uint8Array,
  scores: number[],
): ComparisonResult['curves']['score_histogram'] {
  const counts = new Map<string, number>();
  scores.forEach((s, i) => {
    const bucket = Math.min(90, Math.floor(Math.max(0, s) / 10) * 10);
    const key = `${y[i] ? 'converted' : 'not converted'}|${bucket}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  });
  return [...counts]
    .map(([k, count]) => {
      const [outcome, bucket] = k.split('|');
      return { source, outcome: outcome as 'converted' | 'not converted', bucket: Number(bucket), count };
    })
    .sort((a, b) => a.bucket - b.bucket || a.outcome.localeCompare(b.outcome));
}

/** Rule bands hottest first, then `excluded` and anything else seen. */
function orderOfBands(rules: RuleSet): string[] {
  const bands = (rules as unknown as { bands?: { name: string; min: number }[] }).bands ?? [];
  return [...bands]
    .sort((a, b) => b.min - a.min)
    .map((b) => b.name)
    .concat(['excluded']);
}

function bandRows(
  source: 'rules' | 'predictive',
  band: string[],
  y: Uint8Array,
  order: string[],
): ComparisonResult['bands'] {
  const seen = [...new Set(band)];
  const ordered = [...order.filter((b) => seen.includes(b)), ...seen.filter((b) => !order.includes(b)).sort()];
  return ordered.map((b) => {
    let leads = 0;
    let converted = 0;
    band.forEach((x, i) => {
      if (x === b) {
        leads++;
        converted += y[i];
      }
    });
    return { source, band: b, leads, converted, rate: leads ? converted / leads : 0 };
  });
}

function agreementCells(
  ruleBand: string[],
  predBand: string[],
  y: Uint8Array,
  ruleOrder: string[],
  predOrder: string[],
): ComparisonResult['agreement'] {
  const cells = new Map<string, { leads: number; converted: number }>();
  ruleBand.forEach((rb, i) => {
    const k = `${rb}\u0000${predBand[i]}`;
    const c = cells.get(k) ?? { leads: 0, converted: 0 };
    c.leads++;
    c.converted += y[i];
    cells.set(k, c);
  });
  const rank = (order: string[], b: string) => (order.includes(b) ? order.indexOf(b) : order.length);
  return [...cells]
    .map(([k, c]) => {
      const [rule_band, predictive_band] = k.split('\u0000');
      return { rule_band, predictive_band, leads: c.leads, converted: c.converted, rate: c.converted / c.leads };
    })
    .sort(
      (a, b) =>
        rank(ruleOrder, a.rule_band) - rank(ruleOrder, b.rule_band) ||
        rank(predOrder, a.predictive_band) - rank(predOrder, b.predictive_band),
    );
}

/** Of the leads the rules call MQL, how many convert, versus as many leads from the top of the predictive score. */
function captureAtEqualEffort(y: Uint8Array, mql: number[], pred: Float64Array): ComparisonResult['capture'] {
  let mqlLeads = 0;
  let mqlConverted = 0;
  mql.forEach((m, i) => {
    if (m) {
      mqlLeads++;
      mqlConverted += y[i];
    }
  });
  const order = Array.from(pred.keys()).sort((a, b) => pred[b] - pred[a] || a - b);
  let top = 0;
  for (let k = 0; k < mqlLeads; k++) top += y[order[k]];
  return {
    mql_leads: mqlLeads,
    mql_converted: mqlConverted,
    top_predictive_converted: top,
    ratio: mqlConverted > 0 ? top / mqlConverted : top > 0 ? top : 1,
  };
}

/** Percentile rank (0-1) of each value within the array; ties share their average rank. */
function rankPct(v: ArrayLike<number>): Float64Array {
  const ranks = averageRanks(v); // 1-based
  return ranks.map((r) => (v.length > 1 ? (r - 1) / (v.length - 1) : 0.5));
}

function mostDisagreed(
  frame: { ids: string[]; columns: { name: string; values: Float64Array | (string | null)[] }[] },
  evalIdx: number[],
  y: Uint8Array,
  rulesPts: Float64Array,
  ruleBand: string[],
  predP: Float64Array,
  predScore: number[],
  predBand: string[],
  fired: string[],
  loaded: Awaited<ReturnType<typeof loadModel>>,
  matrix: ReturnType<typeof transform>['matrix'],
  source: string[],
  k = 10,
): ComparisonResult['disagreements'] {
  const rr = rankPct(rulesPts);
  const pr = rankPct(predP);
  const order = evalIdx
    .map((_, j) => j)
    .sort((a, b) => Math.abs(pr[b] - rr[b]) - Math.abs(pr[a] - rr[a]) || a - b)
    .slice(0, k);
  const rows = order.map((j) => evalIdx[j]);
  const X = {
    data: new Float32Array(rows.length * matrix.cols),
    rows: rows.length,
    cols: matrix.cols,
    columns: matrix.columns,
  };
  rows.forEach((i, r) => X.data.set(matrix.data.subarray(i * matrix.cols, (i + 1) * matrix.cols), r * matrix.cols));
  const reasons = explainRows({
    contributions: loaded.model.logistic.contributions(X),
    rows: X.rows,
    cols: X.cols,
    columnFeature: source,
    k: 3,
    minAbsWeight: 0.05,
    rawValues: Object.fromEntries(frame.columns.map((c) => [c.name, rows.map((i) => c.values[i])])),
    describe: (feature, raw) => describeFeature(loaded.encoders, feature, raw),
  });
  return order.map((j, r) => ({
    lead_id: frame.ids[evalIdx[j]],
    rule_score: rulesPts[j],
    rule_band: ruleBand[j],
    predictive_score: predScore[j],
    predictive_band: predBand[j],
    converted: y[j] === 1,
    rule_reasons: firedWords(fired[evalIdx[j]]),
    predictive_reasons: reasons[r].map((x) => `${x.direction === 'up' ? '+' : '-'} ${x.text}`),
  }));
}

function firedWords(json: string): string[] {
  try {
    const list = JSON.parse(json) as { rule: string; points: number }[];
    if (!Array.isArray(list) || list.length === 0) return ['no rule fired'];
    return list
      .slice()
      .sort((a, b) => Math.abs(b.points) - Math.abs(a.points))
      .slice(0, 5)
      .map((f) => `${f.points >= 0 ? '+' : ''}${Math.round(f.points * 10) / 10} ${f.rule}`);
  } catch {
    return [];
  }
}

function trainingOverlapNote(window: Record<string, unknown>, asOf: Date): string[] {
  const end = typeof window.end === 'string' ? new Date(window.end) : null;
  if (end && !Number.isNaN(end.getTime()) && asOf <= end) {
    return [
      `Caution: ${asOf.toISOString().slice(0, 10)} lies inside the model's training window (to ${end.toISOString().slice(0, 10)}); pick a later --as-of for an out-of-time comparison.`,
    ];
  }
  return [];
}

/** Write the comparison into the warehouse in one transaction; re-running a run id replaces its rows. */
async function writeComparison(
  w: Warehouse,
  r: ComparisonResult,
  leads: ComparedLead[],
  reportPath: string | null,
): Promise<void> {
  await w.run(COMPARISON_DDL);
  await w.transaction(async (tx) => {
    for (const t of [
      'comparison_runs',
      'comparison_metrics',
      'comparison_bands',
      'comparison_agreement',
      'comparison_leads',
    ])
      await tx.run(`DELETE FROM ${t} WHERE run_id = $1`, [r.run_id]);
    const col = <K extends keyof ComparedLead>(k: K) => leads.map((l) => l[k]);
    await tx.append('comparison_leads', [
      { name: 'run_id', type: 'VARCHAR', values: leads.map(() => r.run_id) },
      { name: 'lead_id', type: 'VARCHAR', values: col('lead_id') },
      { name: 'converted', type: 'INTEGER', values: col('converted') },
      { name: 'rule_score', type: 'DOUBLE', values: col('rule_score') },
      { name: 'rule_band', type: 'VARCHAR', values: col('rule_band') },
      { name: 'rule_probability', type: 'DOUBLE', values: col('rule_probability') },
      { name: 'probability', type: 'DOUBLE', values: col('probability') },
      { name: 'predictive_score', type: 'INTEGER', values: col('predictive_score') },
      { name: 'predictive_band', type: 'VARCHAR', values: col('predictive_band') },
    ]);
    await tx.run(
      `INSERT INTO comparison_runs VALUES ($1, $2::TIMESTAMP, $3::TIMESTAMP, $4, $5, $6, $7, $8, $9, $10, $11::JSON)`,
      [
        r.run_id,
        r.created_at,
        r.as_of,
        r.horizon_days,
        r.model.name,
        r.model.version,
        r.rules_file,
        r.n_leads,
        r.n_converted,
        reportPath,
        JSON.stringify({ capture: r.capture, notes: r.notes }),
      ],
    );
    await tx.append('comparison_metrics', [
      ...(() => {
        const rows = Object.entries(r.metrics).flatMap(([scorer, m]) =>
          Object.entries(m).map(([metric, value]) => ({ scorer, metric, value })),
        );
        return [
          { name: 'run_id', type: 'VARCHAR' as const, values: rows.map(() => r.run_id) },
          { name: 'scorer', type: 'VARCHAR' as const, values: rows.map((x) => x.scorer) },
          { name: 'metric', type: 'VARCHAR' as const, values: rows.map((x) => x.metric) },
          { name: 'value', type: 'DOUBLE' as const, values: rows.map((x) => x.value) },
        ];
      })(),
    ]);
    await tx.append('comparison_bands', [
      { name: 'run_id', type: 'VARCHAR', values: r.bands.map(() => r.run_id) },
      { name: 'scorer', type: 'VARCHAR', values: r.bands.map((b) => b.source) },
      { name: 'band', type: 'VARCHAR', values: r.bands.map((b) => b.band) },
      { name: 'leads', type: 'BIGINT', values: r.bands.map((b) => b.leads) },
      { name: 'converted', type: 'BIGINT', values: r.bands.map((b) => b.converted) },
      { name: 'rate', type: 'DOUBLE', values: r.bands.map((b) => b.rate) },
    ]);
    await tx.append('comparison_agreement', [
      { name: 'run_id', type: 'VARCHAR', values: r.agreement.map(() => r.run_id) },
      { name: 'rule_band', type: 'VARCHAR', values: r.agreement.map((a) => a.rule_band) },
      { name: 'predictive_band', type: 'VARCHAR', values: r.agreement.map((a) => a.predictive_band) },
      { name: 'leads', type: 'BIGINT', values: r.agreement.map((a) => a.leads) },
      { name: 'converted', type: 'BIGINT', values: r.agreement.map((a) => a.converted) },
      { name: 'rate', type: 'DOUBLE', values: r.agreement.map((a) => a.rate) },
    ]);
  });
}

/** Write a file via a temp file and rename, so a reader never sees half a report. */
export async function writeFileAtomic(file: string, content: string): Promise<string> {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, content);
  fs.renameSync(temp, file);
  return file;
}
