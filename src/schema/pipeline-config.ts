import { z } from 'zod';

/**
 * Score bands on the calibrated 0-100 score. Each threshold is a score (a lead is `hot` at or above
 * `hot`), or "top N%": the score that puts N% of the test split's leads at or above it, resolved at
 * training time. Percent thresholds suit low base rates, where few leads ever reach a score of 50.
 */
const Threshold = z.union([
  z.number().min(0).max(100),
  z.string().regex(/^top \d+(\.\d+)?%$/, 'a score 0-100 or "top N%"'),
]);
export const BandThresholds = z
  .object({ hot: Threshold.default('top 5%'), warm: Threshold.default('top 25%') })
  .strict();
export type BandThresholds = z.infer<typeof BandThresholds>;

const SplitFractions = z
  .object({
    /**
     * no longer used: the blend and the calibrator learn from out-of-fold predictions over every
     * non-test row (see `stacking`); accepted so older pipeline files and model cards still load
     */
    validation: z.number().gt(0).lt(1).optional(),
    calibration: z.number().gt(0).lt(1).optional(),
    test: z.number().gt(0).lt(1).default(0.2),
  })
  .strict();

/** What `leadscore train` runs (pipelines/train.yaml); every key has a sensible default. */
export const TrainPipelineConfig = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]*$/i, 'letters, digits, - and _ only')
      .default('leadscore'),
    db: z.string().default('data/leadscore.duckdb'),
    features: z.string().default('features/default.yaml'),
    rules: z.string().nullable().default('models/rules.yaml'),
    models_dir: z.string().default('models'),
    horizon_days: z.number().int().positive().default(90),
    snapshots: z
      .object({
        /**
         * 'month' (first of each month) or a number of days between snapshot dates: every open lead on each
         * date, labelled won within horizon_days after it. 'created': one row per lead as of its creation
         * (plus after_days), labelled won within horizon_days after that, split by creation time.
         */
        every: z.union([z.literal('month'), z.literal('created'), z.number().int().positive()]).default('month'),
        /** with every: created, the row is as of this many days after creation (its first days' activity counts) */
        after_days: z.number().int().nonnegative().default(0),
        /** first snapshot date (with every: created, the first creation date), or 'auto': from the data */
        start: z.string().default('auto'),
        /** last snapshot date (with every: created, of the row), or 'auto': the last whose label window has closed */
        end: z.string().default('auto'),
        /** cap on training rows: above it, a seeded sample of leads (all their snapshots) is kept */
        max_rows: z.number().int().positive().default(2_000_000),
      })
      .strict()
      .default({ every: 'month', after_days: 0, start: 'auto', end: 'auto', max_rows: 2_000_000 }),
    /**
     * columns the source had beyond the canonical ones (leads.extras): 'auto' adds the numeric and
     * low-cardinality ones as features (the leakage audit still judges them); 'none' leaves them out
     */
    extras: z.enum(['auto', 'none']).default('auto'),
    split: SplitFractions.default({ test: 0.2 }),
    logistic: z.record(z.string(), z.unknown()).default({ C: 1 }),
    neural: z.record(z.string(), z.unknown()).default({}),
    /**
     * how the blend, the calibrator and each member's hyperparameters get out-of-fold predictions
     * before the base models are refitted on every non-test row: 'auto' (or 'cv') uses `folds` folds,
     * stratified random for flat tables, forward-chaining time blocks for CRM snapshots; 'holdout'
     * uses one fold only (the last time block, or one random fold): cheapest, for very big data.
     * folds: default 4 for flat tables, 1 for CRM snapshots (each fold refits every base model).
     */
    stacking: z
      .object({
        mode: z.enum(['auto', 'holdout', 'cv']).default('auto'),
        folds: z.number().int().min(1).max(20).optional(),
      })
      .strict()
      .default({ mode: 'auto' }),
    calibration: z.enum(['auto', 'platt', 'isotonic']).default('auto'),
    bands: BandThresholds.default({ hot: 'top 5%', warm: 'top 25%' }),
    promotion_metric: z.enum(['auc', 'pr_auc', 'logloss', 'brier', 'ece', 'lift_at_10pct']).default('auc'),
    fail_on_leakage: z.boolean().default(false),
    /**
     * settle the leakage audit: `keep` columns the audit would exclude (they are known when a lead is
     * scored), `exclude` columns whatever it says. Both are recorded in the model card.
     */
    leakage: z
      .object({ keep: z.array(z.string()).default([]), exclude: z.array(z.string()).default([]) })
      .strict()
      .default({ keep: [], exclude: [] }),
    seed: z.number().int().default(42),
    /** paths in this file (db, features, rules, models_dir) may point outside the project folder */
    allow_outside_project: z.boolean().default(false),
  })
  .strict();
export type TrainPipelineConfig = z.infer<typeof TrainPipelineConfig>;

/** What `leadscore score` runs (pipelines/score.yaml). */
export const ScorePipelineConfig = z
  .object({
    db: z.string().default('data/leadscore.duckdb'),
    model: z.string().default('leadscore'),
    models_dir: z.string().default('models'),
    leads: z.enum(['open', 'all']).default('open'),
    reasons: z.number().int().min(0).max(10).default(3),
    /** paths in this file (db, models_dir) may point outside the project folder */
    allow_outside_project: z.boolean().default(false),
  })
  .strict();
export type ScorePipelineConfig = z.infer<typeof ScorePipelineConfig>;
