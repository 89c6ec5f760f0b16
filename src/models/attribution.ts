/**
 * Attribution of the scoring model's blend logit to groups of matrix columns (factors), per lead, adding up.
 *
 * The blend is a logistic regression on each base model's logit (and the rule points / 100):
 *   L = b0 + Σ_k w_k · ℓ_k(x) + w_r · rules / 100.
 * Each base model's logit is split over the columns against one reference row (the training mean):
 *   logistic: exact, coef_j · (x_j - ref_j);
 *   neural:   DeepLIFT Rescale (neural-attribution.ts), averaged over the ensemble's networks;
 *   gbdt:     interventional TreeSHAP with the reference as its one background row (tree-shap.ts), over what the
 *             trees split on (a one-hot group split as one categorical is one player, so its share goes to its
 *             feature's group);
 * each sums to ℓ_k(x) - ℓ_k(ref). Weighted by w_k and summed per group, plus the rule term
 * w_r · (rules - rulesReference) / 100 as a group of its own, they reproduce L - base, where
 *   base = b0 + Σ_k w_k · ℓ_k(ref) + w_r · rulesReference / 100
 * is the blend logit of the reference lead. The calibrated probability is monotone in L, so a positive group
 * pushes this lead's score up against the reference lead's and a negative one pushes it down.
 *
 * The blend reads each base model's output as a float32 logit of its float64 (logistic, trees) or float32 (neural)
 * probability, clipped to about ±16, so a method's own sum misses the blend's input by float rounding (about 1e-7
 * for logistic and trees, 1e-5 for float32 networks) or, for the rare lead beyond the clip, by the clip. That gap is
 * spread over the member's groups in proportion to their size, so the groups reproduce the blend's logit to float64
 * precision; its largest size per member over the unclipped rows is reported (`residual`, and `clipped` counts the
 * others), and tests bound it, so a wrong method cannot hide there.
 */
import type { DenseMatrix } from '../schema/matrix.ts';
import { DataError } from '../errors.ts';
import { transformValue } from './blend.ts';
import { GradientBoosting } from './gbdt.ts';
import { explainableGbdt, playerGroups, playerValues } from './gbdt-trees.ts';
import { LogisticRegression } from './logistic.ts';
import { deepLiftGrouped } from './neural-attribution.ts';
import { NeuralEnsemble, ensembleProbability } from './neural-ensemble.ts';
import type { ScoringModel } from './scoring-model.ts';
import { treeShapGrouped } from './tree-shap.ts';

/** Which group each matrix column belongs to. */
export interface ColumnGroups {
  /** group names; the rule term, when the blend takes it, is added after them as `rules` */
  names: string[];
  /** group index of each matrix column */
  ofColumn: Int32Array;
}

/** What attribution is measured against. */
export interface AttributionReference {
  /** one matrix row: the reference lead (e.g. the training mean of every column) */
  row: ArrayLike<number>;
  /** the rule score (0-100) of the reference lead */
  rules: number;
}

/** Per-row contributions to the blend logit, by group. */
export interface BlendAttribution {
  /** group names: the column groups, then `rules` when the blend takes the rule score */
  groups: string[];
  rows: number;
  /** rows x groups.length, row-major: each group's contribution to the row's blend logit */
  values: Float64Array;
  /** blend logit of the reference lead: base + Σ values = the row's blend logit */
  base: number;
  /**
   * the largest gap per base model between its method's sum and the blend's input, before it was spread, over the
   * rows whose logit the blend does not clip
   */
  residual: Record<string, number>;
  /** rows per base model whose logit is beyond the blend's clip (|logit| > 16): there the gap is the clip itself */
  clipped: Record<string, number>;
}

/** One base model's contributions for some rows, grouped, against the reference. */
interface MemberAttribution {
  /** rows x groups */
  grouped: Float64Array;
  /** the member's logit at the reference row */
  referenceLogit: number;
  /** the member's probabilities for the rows, when its attribution pass computed them (a network, when asked) */
  probability?: Float64Array;
}

const RULES = 'rules';

/** A cols x groups 0/1 matrix from a column -> group map. */
function membershipOf(groups: ColumnGroups, cols: number): Float32Array {
  const m = new Float32Array(cols * groups.names.length);
  for (let j = 0; j < cols; j++) m[j * groups.names.length + groups.ofColumn[j]] = 1;
  return m;
}

/**
 * Contributions of one base model to its own logit, grouped; dispatches on the estimator's class. With `predict`, a
 * network's pass also returns its probabilities (the bits its predictProba gives).
 */
function attributeMember(
  name: string,
  estimator: unknown,
  X: DenseMatrix,
  reference: ArrayLike<number>,
  groups: ColumnGroups,
  predict = false,
): MemberAttribution {
  const G = groups.names.length;
  const group = groups.ofColumn;
  if (estimator instanceof LogisticRegression) {
    const coef = Float64Array.from(estimator.coefficients());
    const intercept = estimator.state!.intercept;
    let referenceLogit = intercept;
    const ref = Float64Array.from(reference);
    for (let j = 0; j < coef.length; j++) referenceLogit += coef[j] * ref[j];
    const grouped = new Float64Array(X.rows * G);
    const { data, cols } = X;
    for (let i = 0; i < X.rows; i++) {
      const base = i * cols;
      const at = i * G;
      for (let j = 0; j < cols; j++) grouped[at + group[j]] += coef[j] * (data[base + j] - ref[j]);
    }
    return { grouped, referenceLogit };
  }
  if (estimator instanceof NeuralEnsemble) {
    const membership = membershipOf(groups, X.cols);
    const grouped = new Float64Array(X.rows * G);
    let referenceLogit = 0;
    const share = 1 / estimator.members.length;
    const probabilities: Float64Array[] = [];
    for (const net of estimator.members) {
      const a = deepLiftGrouped(net, X, reference, membership, G, predict);
      for (let k = 0; k < grouped.length; k++) grouped[k] += share * a.grouped[k];
      referenceLogit += share * a.referenceLogit;
      if (a.probability) probabilities.push(a.probability);
    }
    return predict
      ? { grouped, referenceLogit, probability: ensembleProbability(probabilities) }
      : { grouped, referenceLogit };
  }
  if (estimator instanceof GradientBoosting) {
    // the trees' players: matrix columns, or one-hot groups read as one categorical each
    const { ensemble, players } = explainableGbdt(estimator);
    const P = players.length;
    const grouped = new Float64Array(X.rows * G);
    const referenceLogit = treeShapGrouped(
      ensemble,
      playerValues(players, X.data, X.rows, X.cols),
      X.rows,
      P,
      playerValues(players, reference, 1, X.cols),
      playerGroups(players, group),
      G,
      grouped,
    );
    return { grouped, referenceLogit };
  }
  throw new DataError(
    `base model '${name}' cannot be explained: no attribution method for its kind`,
    'attribution knows logistic, neural and gbdt base models',
  );
}

/**
 * Each base model's contributions for the rows of X, weighted by the blend and grouped; `base` are the members'
 * probabilities for the same rows (what the blend reads), so the groups add up to the blend's own logit. The rule
 * term is not included: add it with `withRules` once the rule scores are known.
 */
export function attributeMembers(
  model: ScoringModel,
  X: DenseMatrix,
  base: Record<string, Float64Array>,
  reference: AttributionReference,
  groups: ColumnGroups,
): BlendAttribution {
  return attributeWith(model, X, reference, groups, base).attribution;
}

/**
 * The members' probabilities for the rows of X (what `model.baseOutputs` gives) and their attribution (what
 * `attributeMembers` gives), in one pass: a network's predictions come out of its attribution pass, so its matrix is
 * standardized and run forward once. The same bits as the two calls one after the other.
 */
export function predictAndAttributeMembers(
  model: ScoringModel,
  X: DenseMatrix,
  reference: AttributionReference,
  groups: ColumnGroups,
): { base: Record<string, Float64Array>; attribution: BlendAttribution } {
  return attributeWith(model, X, reference, groups);
}

/**
 * The attribution loop both of the above run: per member the blend takes, its contributions, then the gap between
 * their sum and the blend's input (the member's probabilities) spread over its groups. Without `given`, every member
 * is predicted here (a network by its attribution pass, the others by predictProba) and returned in `base`, those the
 * blend does not take included.
 */
function attributeWith(
  model: ScoringModel,
  X: DenseMatrix,
  reference: AttributionReference,
  groups: ColumnGroups,
  given?: Record<string, Float64Array>,
): { base: Record<string, Float64Array>; attribution: BlendAttribution } {
  if (reference.row.length !== X.cols) {
    throw new DataError(`the reference row has ${reference.row.length} values for ${X.cols} matrix columns`);
  }
  if (groups.ofColumn.length !== X.cols) {
    throw new DataError(`column groups cover ${groups.ofColumn.length} columns, the matrix has ${X.cols}`);
  }
  const parts = model.toParts();
  const weights = model.blendWeights();
  const G = groups.names.length;
  const usesRules = model.usesRules;
  const width = G + (usesRules ? 1 : 0);
  const values = new Float64Array(X.rows * width);
  const base: Record<string, Float64Array> = {};
  let baseLogit = parts.blend.intercept();
  const residual: Record<string, number> = {};
  const clipped: Record<string, number> = {};
  const clip = Math.abs(transformValue(0, 'logit')) - 1e-3;
  for (const m of parts.members) {
    const w = weights[m.name];
    if (w === undefined) {
      // a member the blend does not take contributes nothing (predicted all the same, as baseOutputs does)
      if (!given) base[m.name] = m.estimator.predictProba(X);
      continue;
    }
    // the caller's predictions are checked before the work
    const q = given?.[m.name];
    if (given && (!q || q.length !== X.rows))
      throw new DataError(`no predictions of base model '${m.name}' for these rows`);
    const a = attributeMember(m.name, m.estimator, X, reference.row, groups, !given);
    const p = q ?? a.probability ?? m.estimator.predictProba(X);
    base[m.name] = p;
    baseLogit += w * a.referenceLogit;
    let worst = 0;
    let beyond = 0;
    for (let i = 0; i < X.rows; i++) {
      const at = i * G;
      let sum = 0;
      let size = 0;
      for (let g = 0; g < G; g++) {
        sum += a.grouped[at + g];
        size += Math.abs(a.grouped[at + g]);
      }
      // the blend's input for this row, exactly as the blend computes it (a float32 logit)
      const input = Math.fround(transformValue(p[i], 'logit'));
      const gap = input - a.referenceLogit - sum;
      if (Math.abs(input) > clip || Math.abs(a.referenceLogit + sum) > clip) beyond++;
      else if (Math.abs(gap) > worst) worst = Math.abs(gap);
      const out = i * width;
      if (size > 0) {
        for (let g = 0; g < G; g++) {
          const v = a.grouped[at + g];
          values[out + g] += w * (v + (gap * Math.abs(v)) / size);
        }
      } else {
        values[out] += w * gap; // x is the reference in every column the member looks at
      }
    }
    residual[m.name] = worst;
    clipped[m.name] = beyond;
  }
  const attribution: BlendAttribution = {
    groups: usesRules ? [...groups.names, RULES] : [...groups.names],
    rows: X.rows,
    values,
    base: baseLogit,
    residual,
    clipped,
  };
  return { base, attribution };
}

/**
 * Add the rule term w_r · (rules - reference) / 100 as the `rules` group (in place) and its reference part to the
 * base; a no-op when the blend does not take the rule score. Rows are those of `attribution`.
 */
export function withRules(
  model: ScoringModel,
  attribution: BlendAttribution,
  rules: Float64Array | null,
  reference: AttributionReference,
): BlendAttribution {
  if (!model.usesRules) return attribution;
  if (!rules || rules.length !== attribution.rows) {
    throw new DataError('this model blends the rule score: pass one rule score per row to attribute it');
  }
  const w = model.blendWeights()[RULES];
  const width = attribution.groups.length;
  const g = width - 1;
  const referenceTerm = reference.rules / 100;
  for (let i = 0; i < attribution.rows; i++) {
    attribution.values[i * width + g] = w * (Math.fround(transformValue(rules[i], 'scale100')) - referenceTerm);
  }
  return { ...attribution, base: attribution.base + w * referenceTerm };
}

/** Both steps at once: every group's contribution to each row's blend logit. */
export function attributeBlend(
  model: ScoringModel,
  X: DenseMatrix,
  rules: Float64Array | null,
  reference: AttributionReference,
  groups: ColumnGroups,
): BlendAttribution {
  const base = model.baseOutputs(X);
  return withRules(model, attributeMembers(model, X, base, reference, groups), rules, reference);
}

/** The blend logit of each row as the attribution puts it together: base + Σ groups. */
export function attributedLogits(a: BlendAttribution): Float64Array {
  const width = a.groups.length;
  const out = new Float64Array(a.rows);
  for (let i = 0; i < a.rows; i++) {
    let s = a.base;
    for (let g = 0; g < width; g++) s += a.values[i * width + g];
    out[i] = s;
  }
  return out;
}
