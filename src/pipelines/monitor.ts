import { DataError } from '../errors.ts';
import { quoteIdent, requireWarehouse, withWarehouse, type Warehouse } from '../store/index.ts';
import { buildFeatureTable, readFrame, type FeatureFrame } from '../features/index.ts';
import {
  DAY_LINES,
  categoricalProfile,
  fixedProfile,
  growsWithTime,
  numericProfile,
  psiAgainst,
  type FeatureProfile,
} from '../evaluate/drift.ts';
import { ece, psi } from '../evaluate/metrics.ts';
import { DATA_END_SQL, labelSql, type FeatureDef } from '../schema/index.ts';
import { crmSpecOf, openModel, type TrainedModel } from './trained-model.ts';
import { MONITOR_DDL } from './tables.ts';

/** Options for a monitoring run. */
export interface MonitorOptions {
  db: string;
  model: string;
  modelsDir: string;
  /** PSI above this marks a feature (or the score) as drifted */
  threshold: number;
  runId?: string;
  now: Date;
  onStage?: (stage: string) => void;
}

/** One feature's drift. */
export interface FeatureDrift {
  feature: string;
  psi: number;
  drifted: boolean;
}

/** What the features were compared with. */
export interface DriftReference {
  /**
   * snapshot: features from events (activity counts, days since, lead age) are compared with the open leads of the
   * latest snapshot the model was built with (its test window's end), rebuilt point-in-time from the warehouse; the
   * lead's own attributes with the training rows' profiles stored in the model. training: every feature with the
   * stored profiles (when there is no such snapshot before the scoring run).
   */
  kind: 'snapshot' | 'training';
  /** the snapshot's date (null for training) */
  as_of: string | null;
  /** leads in the snapshot */
  rows: number;
  /** the features compared with the snapshot */
  from_snapshot: string[];
  /** features in days that grow with time, binned on fixed lines (a week, a month, ...) */
  binned_in_days: string[];
}

/** What monitor reports. */
export interface MonitorReport {
  run_id: string;
  model: string;
  model_version: string;
  score_run_id: string;
  score_run_as_of: string;
  rows: number;
  reference: DriftReference;
  score_psi: number;
  score_drifted: boolean;
  features: FeatureDrift[];
  drifted: string[];
  /** calibration of past scores whose outcome window has closed */
  calibration: { rows: number; ece: number | null; mean_probability: number | null; observed_rate: number | null };
  status: 'ok' | 'drift';
  advice: string;
}

const FEATURES = '_ls_monitor_features';
const REFERENCE = '_ls_monitor_reference';

/** PSI of every feature in a frame against its training profile (features without a profile are skipped). */
export function featureDrift(
  frame: FeatureFrame,
  profiles: Record<string, FeatureProfile>,
  threshold: number,
): FeatureDrift[] {
  return frame.columns
    .filter((c) => profiles[c.name])
    .map((c) => {
      const value = psiAgainst(profiles[c.name], c.values);
      return { feature: c.name, psi: value, drifted: value > threshold };
    })
    .sort((a, b) => b.psi - a.psi);
}

/**
 * Compare the latest scoring run with the model's training window: PSI per feature and of the
 * score, and the calibration of every earlier score whose outcome is now known.
 */
export async function monitorModel(opts: MonitorOptions): Promise<MonitorReport> {
  const stage = opts.onStage ?? (() => undefined);
  requireWarehouse(opts.db); // a mistyped --db must not create an empty warehouse
  const loaded = await openModel(opts.model, opts.modelsDir);
  const spec = crmSpecOf(loaded, 'monitor');
  if (Object.keys(loaded.profiles).length === 0) {
    throw new DataError(
      `model ${loaded.name}@${loaded.version} has no training profile to compare with`,
      'retrain it with this version of leadscore',
    );
  }
  const runId =
    opts.runId ??
    `monitor-${opts.now
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z')}`;
  return withWarehouse(opts.db, async (w) => {
    if (!(await w.tableExists('score_runs')))
      throw new DataError(`no scoring runs in ${opts.db}`, 'run `leadscore score` first');
    const run = await w.one<{ run_id: string; as_of: Date }>(
      `SELECT run_id, as_of FROM score_runs WHERE model = $1 AND status = 'succeeded' AND shard IS NULL ORDER ` +
        `BY started_at DESC, run_id DESC LIMIT 1`,
      [loaded.name],
    );
    if (!run)
      throw new DataError(
        `no succeeded scoring run of model ${loaded.name} in ${opts.db}`,
        `run \`leadscore score --model ${loaded.name}\` first`,
      );
    stage(`features of run ${run.run_id}`);
    const pairs = `${FEATURES}_pairs`;
    await w.run(
      `CREATE OR REPLACE TABLE ${quoteIdent(pairs)} AS SELECT lead_id, as_of FROM lead_score_history WHERE run_id = $1`,
      [run.run_id],
    );
    try {
      await buildFeatureTable(w, spec, {
        asOf: pairs,
        horizonDays: loaded.horizonDays,
        withLabels: false,
        leads: 'all',
        into: FEATURES,
      });
      const frame = await readFrame(w, FEATURES, spec);
      stage('the reference: the latest snapshot the model was built with');
      const { profiles, reference } = await referenceProfiles(w, loaded, run.as_of);
      const features = featureDrift(frame, profiles, opts.threshold);
      const scores = await w.float64(`SELECT probability FROM lead_score_history WHERE run_id = $1`, [run.run_id]);
      const testScores = loaded.model.toParts().reference;
      const scorePsi = testScores.length ? psi(testScores, scores) : NaN;
      stage('calibration of closed outcomes');
      const calibration = await closedCalibration(w, loaded.name, loaded.horizonDays);
      const drifted = features.filter((f) => f.drifted).map((f) => f.feature);
      const scoreDrifted = scorePsi > opts.threshold;
      const status = drifted.length > 0 || scoreDrifted ? 'drift' : 'ok';
      const since =
        reference.kind === 'snapshot' ? `the model's latest snapshot (${reference.as_of!.slice(0, 10)})` : 'training';
      const report: MonitorReport = {
        run_id: runId,
        model: loaded.name,
        model_version: loaded.version,
        score_run_id: run.run_id,
        score_run_as_of: run.as_of.toISOString(),
        rows: scores.length,
        reference,
        score_psi: scorePsi,
        score_drifted: scoreDrifted,
        features,
        drifted,
        calibration,
        status,
        advice:
          status === 'ok'
            ? `no feature or score moved past PSI ${opts.threshold} since ${since}; nothing to do`
            : `${[...drifted, ...(scoreDrifted ? ['the score'] : [])].join(', ')} drifted past PSI ` +
              `${opts.threshold} since ${since}: check the data feeding them, then retrain (leadscore train) and ` +
              'promote the new model if it beats this one',
      };
      await writeMonitor(w, report, opts.now, opts.threshold);
      return report;
    } finally {
      await w.run(`DROP TABLE IF EXISTS ${quoteIdent(pairs)}`);
      await w.run(`DROP TABLE IF EXISTS ${quoteIdent(FEATURES)}`);
      await w.run(`DROP TABLE IF EXISTS ${quoteIdent(REFERENCE)}`);
    }
  });
}

/** True for a feature computed from the lead's events (point-in-time in the warehouse); false for its attributes. */
function fromEvents(def: FeatureDef | undefined): boolean {
  if (!def) return false;
  return def.type === 'activity' || def.type === 'ratio' || def.type === 'burst' || growsWithTime(def);
}

/**
 * What the scored leads' features are compared with. The training rows span every monthly snapshot since the data
 * began, when the warehouse was young and its open leads young and busy; scored today, the same CRM holds older,
 * quieter leads by construction, and a comparison of their activity with those rows alarms on the passage of time.
 * So features from events are compared with the latest snapshot the model was built with: the open leads at its
 * test window's end, their features rebuilt point-in-time (events before that date: the values the training
 * pipeline saw). Features in days that grow with time are binned on fixed lines (DAY_LINES). A lead's own
 * attributes (company size, industry, title) are not versioned in the warehouse, so a rebuilt snapshot would carry
 * today's values: those are compared with the training rows' profiles stored in the model, as is every feature when
 * there is no snapshot before the scoring run.
 */
export async function referenceProfiles(
  w: Warehouse,
  loaded: TrainedModel,
  scoredAsOf: Date,
): Promise<{ profiles: Record<string, FeatureProfile>; reference: DriftReference }> {
  const spec = crmSpecOf(loaded, 'monitor');
  const events = spec.features.filter((f) => fromEvents(f));
  const end = new Date(loaded.card.test_window.end);
  if (Number.isNaN(end.getTime()) || end >= scoredAsOf || events.length === 0) {
    return {
      profiles: loaded.profiles,
      reference: { kind: 'training', as_of: null, rows: 0, from_snapshot: [], binned_in_days: [] },
    };
  }
  await buildFeatureTable(w, spec, {
    asOf: [end],
    horizonDays: loaded.horizonDays,
    withLabels: false,
    leads: 'open',
    into: REFERENCE,
  });
  const frame = await readFrame(w, REFERENCE, spec);
  const profiles: Record<string, FeatureProfile> = { ...loaded.profiles };
  const defs = new Map(events.map((f) => [f.name, f]));
  const binned: string[] = [];
  for (const c of frame.columns) {
    const def = defs.get(c.name);
    if (!def) continue;
    if (c.kind === 'categorical') profiles[c.name] = categoricalProfile(c.values);
    else if (growsWithTime(def)) {
      profiles[c.name] = fixedProfile(c.values, DAY_LINES);
      binned.push(c.name);
    } else profiles[c.name] = numericProfile(c.values);
  }
  return {
    profiles,
    reference: {
      kind: 'snapshot',
      as_of: end.toISOString(),
      rows: frame.ids.length,
      from_snapshot: [...defs.keys()],
      binned_in_days: binned,
    },
  };
}

/** ECE of every past score of this model whose horizon has passed by the end of the data. */
async function closedCalibration(
  w: Warehouse,
  model: string,
  horizonDays: number,
): Promise<MonitorReport['calibration']> {
  const end = await w.one<{ last: Date | null }>(`SELECT ${DATA_END_SQL} AS last`);
  if (!end?.last) return { rows: 0, ece: null, mean_probability: null, observed_rate: null };
  const cols = await w.columns(
    `SELECT h.probability AS p,
            ${labelSql('h.lead_id', 'h.as_of', horizonDays)} AS y
     FROM lead_score_history h JOIN score_runs r USING (run_id)
     WHERE r.model = $1 AND r.status = 'succeeded' AND h.as_of + to_days(${Math.trunc(horizonDays)}) <= $2::TIMESTAMP`,
    [model, end.last.toISOString()],
  );
  const p = Float64Array.from(cols.p as number[]);
  const y = Uint8Array.from(cols.y as number[]);
  if (p.length === 0) return { rows: 0, ece: null, mean_probability: null, observed_rate: null };
  return {
    rows: p.length,
    ece: ece(y, p),
    mean_probability: p.reduce((a, b) => a + b, 0) / p.length,
    observed_rate: y.reduce((a, b) => a + b, 0) / y.length,
  };
}

async function writeMonitor(w: Warehouse, r: MonitorReport, now: Date, threshold: number): Promise<void> {
  await w.run(MONITOR_DDL);
  await w.transaction(async (tx) => {
    await tx.run(`DELETE FROM monitor_runs WHERE run_id = $1`, [r.run_id]);
    await tx.run(`DELETE FROM monitor_features WHERE run_id = $1`, [r.run_id]);
    await tx.run(`INSERT INTO monitor_runs VALUES ($1, $2::TIMESTAMP, $3, $4, $5, $6, $7, $8, $9, $10)`, [
      r.run_id,
      now.toISOString(),
      r.model,
      r.model_version,
      r.score_run_id,
      Number.isNaN(r.score_psi) ? null : r.score_psi,
      r.drifted.length,
      r.calibration.ece,
      r.calibration.rows,
      r.status,
    ]);
    const rows = [...r.features, { feature: '(score)', psi: r.score_psi, drifted: r.score_drifted }];
    await tx.append('monitor_features', [
      { name: 'run_id', type: 'VARCHAR', values: rows.map(() => r.run_id) },
      { name: 'feature', type: 'VARCHAR', values: rows.map((f) => f.feature) },
      { name: 'psi', type: 'DOUBLE', values: rows.map((f) => f.psi) },
      { name: 'threshold', type: 'DOUBLE', values: rows.map(() => threshold) },
      { name: 'drifted', type: 'BOOLEAN', values: rows.map((f) => f.drifted) },
    ]);
  });
}
