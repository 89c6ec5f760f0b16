import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors.ts';

/** Score bands on the calibrated 0-100 score: a lead is `hot` at or above `hot`, `warm` at or above `warm`. */
export const BandThresholds = z
  .object({ hot: z.number().min(0).max(100).default(50), warm: z.number().min(0).max(100).default(20) })
  .strict()
  .refine((b) => b.hot > b.warm, { message: 'bands.hot must be above bands.warm' });
export type BandThresholds = z.infer<typeof BandThresholds>;

const SplitFractions = z
  .object({
    validation: z.number().gt(0).lt(1).default(0.15),
    calibration: z.number().gt(0).lt(1).default(0.15),
    test: z.number().gt(0).lt(1).default(0.2),
  })
  .strict();

/** What `leadscore train` runs (pipelines/train.yaml); every key has a sensible default. */
export const TrainPipelineConfig = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, 'letters, digits, - and _ only').default('leadscore'),
    db: z.string().default('data/leadscore.duckdb'),
    features: z.string().default('features/default.yaml'),
    rules: z.string().nullable().default('models/rules.yaml'),
    models_dir: z.string().default('models'),
    horizon_days: z.number().int().positive().default(90),
    snapshots: z
      .object({
        /** 'month' (first of each month) or a number of days between snapshot dates */
        every: z.union([z.literal('month'), z.number().int().positive()]).default('month'),
        /** first snapshot date, or 'auto': the first month after the data starts */
        start: z.string().default('auto'),
        /** last snapshot date, or 'auto': the last date whose label window has closed */
        end: z.string().default('auto'),
      })
      .strict()
      .default({ every: 'month', start: 'auto', end: 'auto' }),
    split: SplitFractions.default({ validation: 0.15, calibration: 0.15, test: 0.2 }),
    logistic: z.record(z.string(), z.unknown()).default({ C: 1 }),
    neural: z.record(z.string(), z.unknown()).default({}),
    /** how the blend gets out-of-sample base predictions: 'auto' is cv below 200k rows, holdout above */
    stacking: z
      .object({ mode: z.enum(['auto', 'holdout', 'cv']).default('auto'), folds: z.number().int().min(2).max(20).default(5) })
      .strict()
      .default({ mode: 'auto', folds: 5 }),
    calibration: z.enum(['auto', 'platt', 'isotonic']).default('auto'),
    bands: BandThresholds.default({ hot: 50, warm: 20 }),
    promotion_metric: z.enum(['auc', 'pr_auc', 'logloss', 'brier', 'ece', 'lift_at_10pct']).default('auc'),
    fail_on_leakage: z.boolean().default(false),
    seed: z.number().int().default(42),
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
  })
  .strict();
export type ScorePipelineConfig = z.infer<typeof ScorePipelineConfig>;

/** Read and validate a pipeline YAML file; a missing file yields the defaults only when `optional`. */
export function loadPipelineConfig<S extends z.ZodType>(schema: S, file: string | undefined, optional: boolean): z.infer<S> {
  let raw: unknown = {};
  if (file) {
    if (!fs.existsSync(file)) {
      if (!optional) throw new ConfigError(`pipeline file not found: ${file}`, 'check the path, or omit it to use the defaults');
    } else {
      try {
        raw = parseYaml(fs.readFileSync(file, 'utf8')) ?? {};
      } catch (err) {
        throw new ConfigError(`${file}: not valid YAML: ${(err as Error).message}`, 'fix the YAML syntax at the line shown');
      }
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue.path.join('.') || '(top level)';
    throw new ConfigError(`${file ?? 'pipeline config'}: key "${key}": ${issue.message}`, 'see pipelines/README.md for the keys and their defaults');
  }
  return parsed.data;
}
