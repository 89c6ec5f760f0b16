import { DataError } from '../errors.ts';
import type { EncoderState, FeatureSpec } from '../features/index.ts';
import { loadArtifact, schemaHash, type ModelCard } from '../models/artifact.ts';
import { resolve } from '../models/registry.ts';
import { ensureBackend } from '../models/tf.ts';
import { parseRules } from '../rules/index.ts';
import type { RuleSet } from '../rules/types.ts';
import type { BandThreshold } from '../models/index.ts';
import type { FeatureProfile } from '../evaluate/drift.ts';
import { PredictiveModel, type PredictiveJSON } from './predictive.ts';

/** A trained model loaded from its artifact, with everything scoring needs. */
export interface LoadedModel {
  name: string;
  version: string;
  dir: string;
  card: ModelCard;
  spec: FeatureSpec;
  encoders: EncoderState;
  model: PredictiveModel;
  rules: RuleSet | null;
  /** sorted reference probabilities (test split) for percentiles */
  reference: number[];
  /** each feature's distribution on the training rows (for drift monitoring); empty for older artifacts */
  profiles: Record<string, FeatureProfile>;
  bands: BandThreshold[];
  horizonDays: number;
}

/** Resolve `name` (champion) or `name@version`, verify the artifact's checksums and rebuild the model. */
export async function loadModel(modelRef: string, modelsDir: string): Promise<LoadedModel> {
  const { name, version, dir } = resolve(modelRef, modelsDir);
  const art = loadArtifact(dir);
  const est = art.estimators as Record<string, unknown>;
  for (const part of ['logistic', 'neural', 'blend', 'calibrator']) {
    if (!(part in est))
      throw new DataError(
        `model ${name}@${version} at ${dir} has no ${part}.json`,
        'retrain the model (leadscore train)',
      );
  }
  const spec = art.card.features.spec as FeatureSpec;
  if (schemaHash(spec) !== art.card.features.schema_hash) {
    throw new DataError(
      `model ${name}@${version}: its feature spec does not match the schema hash in its card`,
      'the artifact was edited by hand; retrain or restore it',
    );
  }
  await ensureBackend();
  const json: PredictiveJSON = {
    logistic: est.logistic as PredictiveJSON['logistic'],
    neural: est.neural as PredictiveJSON['neural'],
    ...(est.gbdt ? { gbdt: est.gbdt as PredictiveJSON['gbdt'] } : {}),
    blend: est.blend as PredictiveJSON['blend'],
    calibrator: est.calibrator as PredictiveJSON['calibrator'],
    rulesCalibrator: (est.rules_calibrator as PredictiveJSON['rulesCalibrator']) ?? null,
    usesRules: false,
  };
  const cal = art.card.calibrator as { method?: string; reason?: string } | undefined;
  const model = PredictiveModel.fromJSON(json, {
    method: cal?.method ?? json.calibrator.kind,
    reason: cal?.reason ?? 'loaded',
  });
  const rules = est.rules ? parseRules(est.rules, `${dir}/rules.json`) : null;
  const params = art.card.parameters as { bands?: { hot: number; warm: number }; horizon_days?: number };
  const b = params.bands ?? { hot: 50, warm: 20 };
  const ref = est.reference as
    { probability_quantiles?: number[]; features?: Record<string, FeatureProfile> } | undefined;
  const reference = (ref?.probability_quantiles ?? []).slice().sort((x, y) => x - y);
  return {
    name,
    version,
    dir,
    card: art.card,
    spec,
    encoders: art.card.features.encoders as EncoderState,
    model,
    rules,
    reference,
    profiles: ref?.features ?? {},
    bands: [
      { name: 'hot', min: b.hot },
      { name: 'warm', min: b.warm },
      { name: 'cold', min: -Infinity },
    ],
    horizonDays: params.horizon_days ?? 90,
  };
}

/** Percentile (0-100) of each probability against the model's reference distribution (mid-rank for ties). */
export function referencePercentiles(p: Float64Array, reference: number[]): Float64Array {
  const out = new Float64Array(p.length);
  const n = reference.length;
  if (n === 0) return out.fill(NaN);
  for (let i = 0; i < p.length; i++) {
    const below = lowerBound(reference, p[i]);
    const atOrBelow = upperBound(reference, p[i]);
    out[i] = Math.round((1000 * (below + atOrBelow)) / (2 * n)) / 10;
  }
  return out;
}

function lowerBound(a: number[], v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(a: number[], v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
