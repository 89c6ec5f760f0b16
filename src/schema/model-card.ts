import { z } from 'zod';
import { EncoderStateSchema } from './encoder-state.ts';
import { FeatureSpec } from './feature-spec.ts';
import { BandThresholds, TrainPipelineConfig } from './pipeline-config.ts';

/**
 * The model card (`model.json` in every artifact): what was trained, on what, how well, and every
 * section scoring needs to rebuild the model, each typed here so a loaded card is checked, not cast.
 */

/** Model names: safe as directory names and in `name@version`. */
export const MODEL_NAME = /^[a-z0-9][a-z0-9_.-]*$/i;
/** Versions sort as strings: v0001, v0002, ... (more digits after v9999). */
export const VERSION = /^v\d{4,}$/;
/** Estimator file stems: logistic, neural, ... */
export const ESTIMATOR_NAME = /^[a-z][a-z0-9_-]*$/;

/** A time window of rows (training or test): its first and last snapshot, how many dates and rows. */
export const WindowSchema = z
  .object({
    start: z.string(),
    end: z.string(),
    snapshots: z.number().int().nonnegative(),
    rows: z.number().int().nonnegative(),
  })
  .strict();
export type ModelWindow = z.infer<typeof WindowSchema>;

/** A column left out of training, and why. */
export const ExcludedColumnSchema = z.object({ column: z.string(), reason: z.string() }).strict();
export type ExcludedColumn = z.infer<typeof ExcludedColumnSchema>;

/**
 * What the leakage audit decided, for the card: columns excluded (by the audit or the user), suspected
 * columns the user kept, dominant columns no rule explains (kept, with a warning), the dominance
 * measurements, and how it was all measured.
 */
export const LeakageRecordSchema = z
  .object({
    excluded: z.array(ExcludedColumnSchema),
    kept_by_user: z.array(ExcludedColumnSchema),
    warnings: z.array(ExcludedColumnSchema),
    dominance: z.array(
      z.object({ column: z.string(), permutation_logloss: z.number(), drop_logloss: z.number() }).strict(),
    ),
    dominant: z.string().nullable(),
    /** training rows audited */
    rows: z.number().int().nonnegative(),
    method: z.string(),
  })
  .strict();
export type LeakageRecord = z.infer<typeof LeakageRecordSchema>;

/** The feature "spec" of a model trained on a flat table: the file's columns as the model used them. */
export const FlatCardSpecSchema = z
  .object({
    kind: z.literal('flat'),
    /** the data file's base name (or the warehouse table's name) */
    source: z.string(),
    /** set when trained on a table `leadscore ingest --flat` loaded: its name in the warehouse */
    table: z.string().optional(),
    target: z.string(),
    id: z.string().nullable(),
    /** the target value that meant converted (scoring leaves such rows out unless --leads all) */
    positive: z.string().optional(),
    /** source values read as missing (older cards: empty cells only) */
    missing_values: z.array(z.string()).optional(),
    columns: z.array(z.object({ name: z.string(), kind: z.enum(['numeric', 'categorical']) }).strict()),
    excluded_by_user: z.array(z.string()),
    excluded_by_audit: z.array(ExcludedColumnSchema),
  })
  .strict();
export type FlatCardSpec = z.infer<typeof FlatCardSpecSchema>;

/** Score bands resolved to score cut-offs at training time (a lead is hot at or above `hot`). */
export const ResolvedBandsSchema = z.object({ hot: z.number(), warm: z.number() }).strict();
export type ResolvedBands = z.infer<typeof ResolvedBandsSchema>;

/** The training parameters as run: the pipeline config, with the bands resolved to scores. */
export const TrainParametersSchema = TrainPipelineConfig.extend({
  bands: ResolvedBandsSchema,
  bands_requested: BandThresholds,
});
export type TrainParameters = z.infer<typeof TrainParametersSchema>;

/** How the blend takes one input: a base model's probability (logit) or the rule points (/100). */
export const BlendInputSchema = z.object({ name: z.string(), transform: z.enum(['logit', 'scale100']) }).strict();

const Params = z.record(z.string(), z.unknown());
const OofScore = { oof_logloss: z.number(), oof_auc: z.number() };

/** The card's record of how the scoring model was fitted (see ScoringModel.fit). */
export const TrainingRecordSchema = z
  .object({
    folds: z
      .object({
        kind: z.enum(['random', 'time']),
        count: z.number().int().positive(),
        fitted: z.array(z.number().int()),
        predicted: z.array(z.number().int()),
      })
      .strict(),
    rows: z
      .object({
        base_models: z.number().int(),
        blend: z.number().int(),
        calibrator: z.number().int(),
        test: z.number().int(),
      })
      .strict(),
    members: z.array(
      z
        .object({
          name: z.string(),
          kept: z.boolean(),
          params: Params,
          ...OofScore,
          candidates: z.array(z.object({ params: Params, ...OofScore }).strict()),
          folds: z.array(z.unknown()),
          note: z.string(),
        })
        .strict(),
    ),
    blend: z.object({ ...OofScore, dropped: z.array(z.string()) }).strict(),
    warnings: z.array(z.string()),
    test_ece_bins: z
      .array(
        z
          .object({
            lower: z.number(),
            upper: z.number(),
            rows: z.number().int(),
            mean_probability: z.number().nullable(),
            converted: z.number().nullable(),
          })
          .strict(),
      )
      .optional(),
  })
  .strict();

/** The model card. */
export const ModelCardSchema = z
  .object({
    name: z.string().regex(MODEL_NAME, 'letters, digits, _ . - (starting with a letter or digit)'),
    version: z.string().regex(VERSION, 'v followed by at least 4 digits, e.g. v0001'),
    /** ISO-8601 UTC timestamp, supplied by the caller (only the CLI reads the clock) */
    created_at: z.string().datetime({ offset: true }),
    seed: z.number().int(),
    parameters: TrainParametersSchema,
    features: z
      .object({
        /** the features file (CRM snapshots) or the flat table's columns */
        spec: z.union([FlatCardSpecSchema, FeatureSpec]),
        encoders: EncoderStateSchema,
        /** matrix column names, in order */
        columns: z.array(z.string()),
        /** schemaHash(spec) at training time */
        schema_hash: z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 hex digest'),
      })
      .strict(),
    /** weights file stems in this artifact, e.g. ['logistic', 'neural'] (filled in by writeArtifact) */
    estimators: z.array(z.string().regex(ESTIMATOR_NAME)).default([]),
    /** the base estimators the blend takes, in blend order (older cards: read from the blend's inputs) */
    members: z.array(z.string().regex(ESTIMATOR_NAME)).min(1).optional(),
    blend: z.object({ weights: z.record(z.string(), z.number()), inputs: z.array(BlendInputSchema) }).strict(),
    calibrator: z.object({ method: z.string(), reason: z.string() }).strict(),
    training_window: WindowSchema,
    test_window: WindowSchema,
    /** the calibrated blend's metrics on the test window, e.g. { auc: 0.81, logloss: 0.42 } */
    metrics: z.record(z.string(), z.number()),
    /**
     * how the model was fitted: the folds (rows each fitted and predicted), which rows the base models,
     * the blend and the calibrator saw, each member's candidates with their out-of-fold log loss and
     * the one chosen, members the blend gave no weight, warnings (e.g. a Platt map that did not
     * converge), and the test ECE bin by bin. Absent in cards written before it was recorded.
     */
    training: TrainingRecordSchema.optional(),
    /** the leakage audit's decisions (absent in cards written before they were recorded) */
    leakage: LeakageRecordSchema.optional(),
    library_versions: z.record(z.string(), z.string()),
  })
  .strict();

export type ModelCard = z.infer<typeof ModelCardSchema>;
export type ModelCardInput = z.input<typeof ModelCardSchema>;
