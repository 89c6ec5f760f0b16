// The registry and artifact modules directly, not models/index.ts: that also loads TensorFlow.js,
// which listing or promoting models never needs.
import { artifactDir, readModelCard } from '../models/artifact.ts';
import {
  diff,
  listModels,
  promote,
  show,
  type ModelDiff,
  type PromoteOptions,
  type PromotionResult,
} from '../models/registry.ts';
import { modelSummary, type ModelSummary } from '../models/model-summary.ts';

export type { ModelSummary } from '../models/model-summary.ts';

/** The model registry as the `models` commands use it: list, show, promote, diff. */

/** One version of one model in a listing, with its test metrics. */
export type ModelVersionRow = {
  model: string;
  version: string;
  /** '*' for the champion */
  champion: string;
  created_at: string;
  auc?: number;
  logloss?: number;
  ece?: number;
};

/** Every model under `modelsDir`, each of its versions, the champion and their test metrics. */
export function listModelVersions(modelsDir: string): ModelVersionRow[] {
  return listModels(modelsDir).flatMap((m) =>
    m.versions.map((v) => {
      const card = readModelCard(artifactDir(modelsDir, m.name, v));
      return {
        model: m.name,
        version: v,
        champion: m.champion === v ? '*' : '',
        created_at: card.created_at,
        auc: card.metrics.auc,
        logloss: card.metrics.logloss,
        ece: card.metrics.ece,
      };
    }),
  );
}

/** A model's verified artifact (NAME: its champion; NAME@VERSION), and whether it is the champion. */
export function showModel(ref: string, modelsDir: string): ReturnType<typeof show> & { summary: ModelSummary } {
  const shown = show(ref, modelsDir);
  return { ...shown, summary: modelSummary(shown) };
}

/** Make NAME@VERSION the champion if it beats the current one on the same test window (or when forced). */
export function promoteModel(ref: string, options: PromoteOptions, modelsDir: string): PromotionResult {
  return promote(ref, options, modelsDir);
}

/** Two versions side by side: parameters, features, windows, metrics. */
export function diffModels(a: string, b: string, modelsDir: string): ModelDiff {
  return diff(a, b, modelsDir);
}
