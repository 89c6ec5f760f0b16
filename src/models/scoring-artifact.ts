/**
 * A ScoringModel in an artifact directory and back: its parts become the model card's typed sections
 * (members, blend, calibrator, bands) and one JSON file each (<member>.json, blend.json,
 * calibrator.json, rules_calibrator.json, reference.json); loading verifies checksums, parses the card
 * with its schema and rebuilds every part, so predictions are bit-identical to the model saved.
 */
import { z } from 'zod';
import { parseConfig } from '../config-file.ts';
import { DataError } from '../errors.ts';
import { loadArtifact, type ModelCard, type ModelCardInput } from './artifact.ts';
import { baseEstimatorKind } from './base-estimators.ts';
import { StackingBlender } from './blend.ts';
import { calibratorFromJSON } from './calibration.ts';
import { saveNewVersion } from './registry.ts';
import { ScoringModel } from './scoring-model.ts';

/** Files the scoring model owns in an artifact (its members' files are named after them). */
const OWN_FILES = ['blend', 'calibrator', 'rules_calibrator', 'reference'] as const;

const ReferenceSchema = z
  .object({
    /** sorted calibrated probabilities of the test split */
    probability_quantiles: z.array(z.number()),
    /** older artifacts kept the drift profiles here; now in profiles.json */
    features: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/** The card as the pipeline fills it; the scoring model adds its own sections. */
export type CardWithoutModel = Omit<
  ModelCardInput,
  'version' | 'estimators' | 'members' | 'blend' | 'calibrator' | 'parameters'
> & { parameters: Omit<ModelCardInput['parameters'], 'bands'> };

/** Save `model` as the next version of its name under `root`, with the pipeline's own files beside it. */
export function saveScoringModel(
  root: string,
  card: CardWithoutModel,
  model: ScoringModel,
  files: Record<string, unknown> = {},
): { version: string; dir: string } {
  const parts = model.toParts();
  const own: Record<string, unknown> = {
    blend: parts.blend.toJSON(),
    calibrator: parts.calibrator.toJSON(),
    ...(parts.rulesCalibrator ? { rules_calibrator: parts.rulesCalibrator.toJSON() } : {}),
    reference: { probability_quantiles: parts.reference },
  };
  for (const m of parts.members) {
    if ((OWN_FILES as readonly string[]).includes(m.name))
      throw new DataError(`base model name '${m.name}' is reserved`);
    own[m.name] = m.estimator.toJSON();
  }
  for (const name of Object.keys(files)) {
    if (name in own) throw new DataError(`artifact file '${name}.json' is the scoring model's own`);
  }
  const blendJson = parts.blend.toJSON();
  return saveNewVersion(
    root,
    {
      ...card,
      parameters: { ...card.parameters, bands: parts.bands },
      members: parts.members.map((m) => m.name),
      blend: { weights: model.blendWeights(), inputs: blendJson.state.inputs },
      calibrator: parts.calibration,
    },
    { ...own, ...files },
  );
}

/** What loadScoringModel returns: the card, the rebuilt model, and every other file of the artifact by stem. */
export interface LoadedScoringModel {
  dir: string;
  card: ModelCard;
  model: ScoringModel;
  files: Record<string, unknown>;
}

/** Load an artifact directory (checksums verified) and rebuild its scoring model. */
export function loadScoringModel(dir: string): LoadedScoringModel {
  const art = loadArtifact(dir);
  const { card } = art;
  const where = `${dir}`;
  const file = (stem: string): unknown => {
    if (!(stem in art.estimators)) {
      throw new DataError(`model ${card.name}@${card.version} at ${dir} has no ${stem}.json`, 'retrain the model');
    }
    return art.estimators[stem];
  };
  const memberNames = card.members ?? card.blend.inputs.filter((i) => i.name !== 'rules').map((i) => i.name);
  const members = memberNames.map((name) => ({ name, estimator: baseEstimatorKind(name).fromJSON(file(name)) }));
  const reference = parseConfig(ReferenceSchema, file('reference'), `${where}/reference.json`);
  const model = ScoringModel.fromParts({
    members,
    blend: StackingBlender.fromJSON(file('blend')),
    calibrator: calibratorFromJSON(file('calibrator')),
    calibration: card.calibrator,
    rulesCalibrator: 'rules_calibrator' in art.estimators ? calibratorFromJSON(art.estimators.rules_calibrator) : null,
    reference: reference.probability_quantiles.slice().sort((a, b) => a - b),
    bands: card.parameters.bands,
  });
  const own = new Set<string>([...OWN_FILES, ...memberNames]);
  const files = Object.fromEntries(Object.entries(art.estimators).filter(([stem]) => !own.has(stem)));
  if (reference.features && !('profiles' in files)) files.profiles = reference.features;
  return { dir, card, model, files };
}
