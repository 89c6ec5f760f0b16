import { z } from 'zod';
import { FeatureDef } from './feature-spec.ts';

/**
 * What encoders learn on the training rows and apply unchanged at scoring time: plain JSON, stored in
 * the model card (src/features/encoders.ts fits and applies them).
 */

const Clip = z.object({ min: z.number().optional(), max: z.number().optional() }).strict();

/** A numeric feature's encoder: clip -> sign-preserving log1p -> standardize, plus missing flag and bins. */
export const NumericEncoderSchema = z
  .object({
    name: z.string(),
    kind: z.literal('numeric'),
    log1p: z.boolean(),
    clip: Clip.optional(),
    mean: z.number(),
    std: z.number(),
    missingIndicator: z.boolean(),
    /** share of training rows that were missing */
    missingRate: z.number(),
    /** interior cut points (ascending, distinct) of the quantile bins; absent when not binned */
    binEdges: z.array(z.number()).optional(),
    /** the feature definition, kept so reasons can be worded without the spec */
    def: FeatureDef.optional(),
  })
  .strict();
export type NumericEncoder = z.infer<typeof NumericEncoderSchema>;

/** A categorical feature's encoder: its kept levels (most frequent first) and their training counts. */
export const CategoricalEncoderSchema = z
  .object({
    name: z.string(),
    kind: z.literal('categorical'),
    levels: z.array(z.string()),
    counts: z.array(z.number()),
    missingRate: z.number(),
    def: FeatureDef.optional(),
  })
  .strict();
export type CategoricalEncoder = z.infer<typeof CategoricalEncoderSchema>;

/** Everything needed to turn a frame into a matrix. */
export const EncoderStateSchema = z
  .object({
    version: z.literal(1),
    trainRows: z.number().int().nonnegative(),
    features: z.array(z.discriminatedUnion('kind', [NumericEncoderSchema, CategoricalEncoderSchema])),
    /** matrix column names, in order */
    columns: z.array(z.string()),
    /** feature name per matrix column */
    source: z.array(z.string()),
  })
  .strict();
export type EncoderState = z.infer<typeof EncoderStateSchema>;
