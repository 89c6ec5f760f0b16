/**
 * Base estimators by name: the models a ScoringModel fits and blends (logistic, neural, gbdt, ...).
 * Each kind says how to fit one on some rows, how to rebuild one from its JSON, and how to word its
 * progress; the scoring model, its artifact and the training pipelines know them only by name. A new
 * kind is one file that defines it and one line in base-estimators.ts that registers it.
 */
import { ConfigError, closestName } from '../errors.ts';
import type { DenseMatrix } from '../schema/matrix.ts';

/** A fitted base estimator, as the scoring model uses it. */
export interface BaseEstimator {
  /** P(y = 1) per row */
  predictProba(X: DenseMatrix): Float64Array;
  /** JSON that the kind's fromJSON turns back into an estimator with bit-identical predictions */
  toJSON(): unknown;
}

/** What a kind's fit is told besides the rows. */
export interface BaseFitContext {
  /** seed for every random choice of this fit (fold fits get their own, derived from the model's) */
  seed: number;
  /** true for the final fit on every training row (not a fold): where an ensemble's extra members pay off */
  final: boolean;
  /** progress messages, worded for a person */
  onProgress?: (message: string) => void;
  /**
   * final fit only: what each fold fit of the same member learned (the kind's `tuning()` of each), so
   * the final fit can reuse it on every row instead of holding rows back (e.g. the trees' early-stopped
   * iteration count, the network's best epoch)
   */
  folds?: unknown[];
  /**
   * fold fits only: the rows this fit will be asked to predict, with their labels, which a kind may
   * watch to stop early (never to fit on). The kind's `settle` then makes one choice for all folds.
   */
  heldOut?: { X: DenseMatrix; y: Uint8Array };
  /** final fit only: the member's fold models (after settle), e.g. to start from the last one */
  foldModels?: BaseEstimator[];
}

/** One kind of base estimator. */
export interface BaseEstimatorKind {
  /** the name in pipeline configs, the blend, the model card and the artifact's file (<name>.json) */
  readonly name: string;
  /** what the progress line calls it, e.g. "logistic regression" */
  readonly label: string;
  /** fit on X, y with the given (unvalidated) params; keeps no reference to the data */
  fit(X: DenseMatrix, y: Uint8Array, params: Record<string, unknown>, ctx: BaseFitContext): Promise<BaseEstimator>;
  /** what a fold fit learned that the final fit may reuse (see BaseFitContext.folds); plain JSON */
  tuning?(estimator: BaseEstimator): unknown;
  /**
   * after every fold of one candidate is fitted: settle what all folds share from their held-out
   * results (e.g. the one tree count with the lowest pooled held-out log loss) and return each fold's
   * estimator under it, with its tuning; the held-out rows are then predicted again
   */
  settle?(fits: BaseEstimator[]): { estimators: BaseEstimator[]; tunings: unknown[] };
  /** rebuild from toJSON() output */
  fromJSON(json: unknown): BaseEstimator;
}

const kinds = new Map<string, BaseEstimatorKind>();

/** Make a kind available by its name (a second registration of the same name replaces the first). */
export function registerBaseEstimator(kind: BaseEstimatorKind): void {
  if (!/^[a-z][a-z0-9_-]*$/.test(kind.name) || kind.name === 'rules') {
    throw new ConfigError(`base estimator name '${kind.name}' is not allowed`, 'use lowercase letters, digits, _ or -');
  }
  kinds.set(kind.name, kind);
}

/** The kind registered under `name`; a ConfigError naming the known ones otherwise. */
export function baseEstimatorKind(name: string): BaseEstimatorKind {
  const kind = kinds.get(name);
  if (kind) return kind;
  const known = [...kinds.keys()];
  const guess = closestName(name, known);
  throw new ConfigError(
    `unknown base estimator '${name}'`,
    `${guess ? `did you mean '${guess}'? ` : ''}known base estimators: ${known.join(', ')}`,
  );
}

/** Names of every registered kind, in registration order. */
export function baseEstimatorNames(): string[] {
  return [...kinds.keys()];
}
