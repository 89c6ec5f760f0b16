import { FeatureProfilesSchema, type FeatureProfile } from '../evaluate/drift.ts';
import { parseConfig } from '../config-file.ts';
import type { FeatureSpec } from '../features/index.ts';
import { schemaHash } from '../models/artifact.ts';
import { resolve } from '../models/registry.ts';
import { loadScoringModel } from '../models/scoring-artifact.ts';
import type { ScoringModel } from '../models/scoring-model.ts';
import { ensureBackend } from '../models/tf.ts';
import { parseRules } from '../rules/index.ts';
import type { RuleSet } from '../rules/types.ts';
import { DataError } from '../errors.ts';
import type { EncoderState, FlatCardSpec, ModelCard } from '../schema/index.ts';

/** A trained model as the pipelines use it: the scoring model, and what turns a warehouse into its input. */
export interface TrainedModel {
  name: string;
  version: string;
  dir: string;
  card: ModelCard;
  /** the features file it was trained on (CRM), or the flat table's columns */
  spec: FeatureSpec | FlatCardSpec;
  encoders: EncoderState;
  model: ScoringModel;
  /** the points model it was trained beside (null for flat tables) */
  rules: RuleSet | null;
  /** each feature's distribution on the training rows (for drift monitoring); empty for older artifacts */
  profiles: Record<string, FeatureProfile>;
  horizonDays: number;
}

/** Resolve `name` (champion) or `name@version`, verify the artifact and rebuild everything scoring needs. */
export async function openModel(modelRef: string, modelsDir: string): Promise<TrainedModel> {
  const { name, version, dir } = resolve(modelRef, modelsDir);
  await ensureBackend();
  const { card, model, files } = loadScoringModel(dir);
  const spec = card.features.spec;
  if (schemaHash(spec) !== card.features.schema_hash) {
    throw new DataError(
      `model ${name}@${version}: its feature spec does not match the schema hash in its card`,
      'the artifact was edited by hand; retrain or restore it',
    );
  }
  return {
    name,
    version,
    dir,
    card,
    spec,
    encoders: card.features.encoders,
    model,
    rules: files.rules ? parseRules(files.rules, `${dir}/rules.json`) : null,
    profiles: parseConfig(FeatureProfilesSchema, files.profiles ?? {}, `${dir}/profiles.json`),
    horizonDays: card.parameters.horizon_days,
  };
}

/** The CRM features file a model was trained on; a DataError when it was trained on a flat table. */
export function crmSpecOf(m: TrainedModel, command: string): FeatureSpec {
  if ('kind' in m.spec && m.spec.kind === 'flat') {
    throw new DataError(
      `model ${m.name}@${m.version} was trained on a flat table (${m.spec.source}), not on CRM snapshots`,
      `${command} needs a model trained on CRM data (leads, activities, outcomes), not on a flat table`,
    );
  }
  return m.spec as FeatureSpec;
}
