/**
 * Everything a scoring run computes before writing: the leads to score, their features as of the
 * date, the base models' outputs and their attribution by factor, (on a second DuckDB connection,
 * meanwhile) the rule score; the reasons' ranking and phrases on call, when the publish step asks.
 */
import { DataError } from '../../errors.ts';
import { buildFeatureTable, readFrame, transform, type FeatureFrame } from '../../features/index.ts';
import type { BlendAttribution } from '../../models/attribution.ts';
import { alignedRuleScores, type AlignedRuleScores } from '../../rules/index.ts';
import { openLeadSql, timestampSql } from '../../schema/index.ts';
import { quoteIdent, type Warehouse } from '../../store/index.ts';
import { explainerFor, predictAndAttributeRows, reasonsByRange } from '../explain-rows.ts';
import { crmSpecOf, type TrainedModel } from '../trained-model.ts';
import type { Prepared, ScoreOptions, ScoreTables } from './types.ts';

/** Stable shard of a lead id: md5-based, so any engine or DuckDB version agrees. */
export function shardSql(idExpr: string, n: number): string {
  return `(md5_number(${idExpr}) % ${Math.trunc(n)})::INTEGER`;
}

/**
 * Leads to score as (rn, lead_id, as_of): created before as_of, open unless --leads all, in this
 * shard; rn numbers them in lead_id order (the frame's row order).
 */
async function createScorePairs(w: Warehouse, opts: ScoreOptions, into: string): Promise<void> {
  const asOf = timestampSql(opts.asOf);
  const open =
    opts.leads === 'open' && (await w.tableExists('outcomes')) ? `AND ${openLeadSql('l.lead_id', asOf)}` : '';
  const shard = opts.shard ? `AND ${shardSql('l.lead_id', opts.shard.n)} = ${opts.shard.k - 1}` : '';
  await w.run(
    `CREATE OR REPLACE TABLE ${quoteIdent(into)} AS
     SELECT (row_number() OVER (ORDER BY l.lead_id) - 1)::INTEGER AS rn, l.lead_id, ${asOf} AS as_of
     FROM leads l WHERE l.created_at < ${asOf} ${open} ${shard}`,
  );
}

/** A stopwatch that adds the seconds since its last lap to `timings[name]` (the bench's score steps). */
export function lapTimer(timings: Record<string, number>): (name: string) => void {
  let mark = performance.now();
  return (name) => {
    const now = performance.now();
    timings[name] = (timings[name] ?? 0) + (now - mark) / 1000;
    mark = now;
  };
}

/** Pick the leads, build their features, run the base models and the reasons; the rules run beside. */
export async function prepareScoring(
  w: Warehouse,
  trained: TrainedModel,
  opts: ScoreOptions,
  tables: ScoreTables,
  timings: Record<string, number>,
): Promise<Prepared> {
  const lap = lapTimer(timings);
  const progress = opts.onProgress ?? (() => undefined);
  const spec = crmSpecOf(trained, 'score --db');
  if (!(await w.tableExists('leads'))) {
    throw new DataError(
      `warehouse ${opts.db} has no "leads" table`,
      'run `leadscore ingest` or `leadscore generate` first',
    );
  }
  progress(0, 0, 'selecting leads');
  await createScorePairs(w, opts, tables.pairs);
  const total = await w.count(tables.pairs);
  if (total === 0) {
    const which = opts.leads === 'open' ? 'open ' : '';
    const shard = opts.shard ? ` (shard ${opts.shard.k}/${opts.shard.n})` : '';
    throw new DataError(
      `no ${which}leads created before ${opts.asOf.toISOString()} in ${opts.db}${shard}`,
      'check --as-of, or load leads first',
    );
  }
  progress(0, total, 'features');
  try {
    // TEMP: the run's features are scratch, never written to the warehouse file
    await buildFeatureTable(w, spec, {
      asOf: tables.pairs,
      horizonDays: trained.horizonDays,
      withLabels: false,
      leads: 'all',
      into: tables.features,
      temp: true,
      rowNumbers: true,
    });
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(
      `model ${trained.name}@${trained.version}'s features cannot be computed on ${opts.db}: ${(err as Error).message}`,
      'the warehouse does not have the columns this model was trained on; score with a model trained on ' +
        'this warehouse, or retrain',
    );
  }
  lap('features');
  // Rows are placed by the pairs' rn (the lead_id order), not sorted again. ids: frame row -> lead_id;
  // staged rows carry the row number and the id is joined back in SQL, so JS never reads the ids.
  const frame = await readFrame(w, tables.features, spec, { idsInto: tables.ids, rowNumbers: true, ids: false });
  // The rule score runs in DuckDB on a second connection while JavaScript encodes the frame and runs
  // the base models and the reasons' ranking: none of those need it; only the blend does.
  // (Started after the frame's SQL, not beside it: the two would only share DuckDB's threads.)
  const side = trained.rules ? await w.secondConnection() : null;
  const rulesStarted = performance.now();
  const rulesJob = side
    ? alignedRuleScores(side, trained.rules!, {
        pairs: tables.pairs,
        order: 'rn',
        ...(opts.shard ? {} : { asOf: opts.asOf }),
      }).finally(() => {
        // its own duration, mostly hidden behind the JS work
        timings.rules_overlapped = (performance.now() - rulesStarted) / 1000;
        return side.close();
      })
    : Promise.resolve(null);
  rulesJob.catch(() => undefined); // awaited below, on every path
  return explainFrame(trained, frame, opts.reasons, rulesJob, { lap, progress: (stage) => progress(0, total, stage) });
}

/** What explainFrame reports as it goes: each step's time, and the stage. */
export interface ExplainHooks {
  lap: (step: string) => void;
  progress: (stage: string) => void;
}

/**
 * The step CRM and flat scoring share: a frame of raw features -> the base models' outputs and their attribution by
 * factor, with the rule score (on its way from a second connection, or null) awaited last, since only the blend needs
 * it. The reasons' ranking and phrases are left to the caller, as a function: the scores need none of them.
 * Everything after (blend, calibration, score, band, staging, publishing) is staging.ts and publish.ts, also shared.
 */
export async function explainFrame(
  trained: TrainedModel,
  frame: FeatureFrame,
  reasons: number,
  rulesJob: Promise<AlignedRuleScores | null>,
  hooks: ExplainHooks,
): Promise<Prepared> {
  const { lap } = hooks;
  // one turn of the event loop, so the query reaches DuckDB's threads before the synchronous work holds the loop
  await new Promise<void>((resolve) => setImmediate(resolve));
  let base: Record<string, Float64Array>;
  let members: BlendAttribution;
  const explainer = explainerFor(trained);
  try {
    const { matrix } = transform(trained.encoders, frame);
    lap('read_encode');
    hooks.progress('models');
    // each base model's output and its contributions to the blend, by factor, in one pass: no rule score needed yet
    ({ base, members } = predictAndAttributeRows(trained, explainer, matrix));
    lap('models');
  } catch (err) {
    await rulesJob.catch(() => undefined);
    throw err;
  }
  hooks.progress('rules');
  const rules = await rulesJob;
  lap('rules'); // only the wait: the rest overlapped with the steps above
  if (trained.model.usesRules && !rules) {
    throw new DataError(
      `model ${trained.name}@${trained.version} blends a rule score but its artifact has no rules`,
      'retrain the model',
    );
  }
  const reasonsOf = reasonsByRange(trained, explainer, members, rules?.total ?? null, frame, reasons);
  return { frame, base, rules, reasons: reasonsOf };
}
