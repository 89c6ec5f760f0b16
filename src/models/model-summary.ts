/**
 * What `models show` prints about a trained model beyond its card: the band cut-offs, the blend's weights, the
 * logistic member's largest coefficients and the boosted trees' split counts per column (their importances).
 * Read from the artifact's files, no data needed.
 */
import type { LoadedArtifact } from './artifact.ts';

/** One column and a number about it. */
export interface ColumnWeight {
  column: string;
  value: number;
}

/** The model at a glance. */
export interface ModelSummary {
  /** score cut-offs: a lead is hot at or above `hot`, warm at or above `warm` */
  bands: { hot: number; warm: number } | null;
  /** the blend's weight per input (on the logit of each base model, and rules / 100) */
  blend_weights: Record<string, number>;
  /** the logistic member's coefficients (standardized columns), largest first */
  coefficients: ColumnWeight[];
  /** the boosted trees' splits per column, most first */
  importances: ColumnWeight[];
}

const asRecord = (x: unknown) => (x && typeof x === 'object' ? (x as Record<string, unknown>) : {});

/** The summary of a loaded artifact; `top` caps the coefficients and importances listed. */
export function modelSummary(a: LoadedArtifact, top = 15): ModelSummary {
  const columns = a.card.features.columns;
  const parameters = asRecord(a.card.parameters);
  const bands = asRecord(parameters.bands);
  const blend = asRecord(asRecord(a.estimators.blend).state);
  const inputs = (blend.inputs as { name: string }[] | undefined) ?? [];
  const blendCoef = (asRecord(blend.logistic).coef as number[] | undefined) ?? [];
  const logistic = Object.values(a.estimators).find((e) => asRecord(e).kind === 'logistic');
  const coef = (asRecord(asRecord(logistic).state).coef as number[] | undefined) ?? [];
  const coefficients = coef
    .map((value, j) => ({ column: columns[j] ?? `column ${j}`, value }))
    .sort((x, y) => Math.abs(y.value) - Math.abs(x.value))
    .slice(0, top);
  const gbdt = Object.values(a.estimators).find((e) => asRecord(e).kind === 'gbdt');
  const trees = (asRecord(asRecord(gbdt).state).trees as { feature: number[] }[] | undefined) ?? [];
  const splits = new Map<number, number>();
  for (const t of trees) for (const f of t.feature) if (f >= 0) splits.set(f, (splits.get(f) ?? 0) + 1);
  const importances = [...splits]
    .map(([j, value]) => ({ column: columns[j] ?? `column ${j}`, value }))
    .sort((x, y) => y.value - x.value || (x.column < y.column ? -1 : 1))
    .slice(0, top);
  return {
    bands:
      typeof bands.hot === 'number' && typeof bands.warm === 'number' ? { hot: bands.hot, warm: bands.warm } : null,
    blend_weights: Object.fromEntries(inputs.map((input, k) => [input.name, blendCoef[k]])),
    coefficients,
    importances,
  };
}
