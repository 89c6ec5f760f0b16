/**
 * The gradient-boosted trees of gbdt.ts in the form tree-shap.ts explains. The one place that knows both formats:
 * when the tree format changes, only this converter changes.
 *
 * What the trees split on are their players: a matrix column (numeric split, x <= threshold goes left, NaN right),
 * or a one-hot group of columns read as one categorical (its level: the position of the group's 1, the group's
 * size when there is none; a bitset of levels goes left). An artifact without `features` (the first format) splits
 * on matrix columns only. A categorical group is one player, so a hybrid row of x and the reference never mixes
 * levels of one attribute.
 */
import type { GradientBoosting } from './gbdt.ts';
import type { NormalizedEnsemble, NormalizedTree } from './tree-shap.ts';

/** One thing the trees split on. */
export type TreePlayer = { kind: 'numeric'; column: number } | { kind: 'categorical'; columns: number[] };

/** The ensemble, its players, and how to read a matrix row as player values. */
export interface ExplainableTrees {
  ensemble: NormalizedEnsemble;
  players: TreePlayer[];
}

/** The tree state as either format stores it (the later fields optional). */
interface AnyGbdtState {
  columns: string[];
  features?: ({ kind: 'numeric'; column: number } | { kind: 'categorical'; columns: number[] })[];
  baseScore: number;
  trees: {
    feature: number[];
    threshold: number[];
    categories?: number[][];
    left: number[];
    right: number[];
    value: number[];
  }[];
}

/** The levels a bitset (32 per number) sends left. */
function levelsOf(bits: number[]): Set<number> {
  const out = new Set<number>();
  bits.forEach((word, w) => {
    for (let b = 0; b < 32; b++) if ((word >>> b) & 1) out.add(w * 32 + b);
  });
  return out;
}

/** The fitted ensemble as flat typed arrays over its players. */
export function explainableGbdt(model: GradientBoosting): ExplainableTrees {
  const s = model.state as unknown as AnyGbdtState | null;
  if (!s) throw new Error('gradient boosting is not fitted: nothing to explain');
  const players: TreePlayer[] = s.features
    ? s.features.map((f) =>
        f.kind === 'numeric' ? { kind: 'numeric', column: f.column } : { kind: 'categorical', columns: [...f.columns] },
      )
    : s.columns.map((_, column) => ({ kind: 'numeric', column }));
  const trees: NormalizedTree[] = s.trees.map((t) => {
    const categorical = t.categories?.some((c, k) => t.feature[k] >= 0 && c.length > 0) ?? false;
    return {
      feature: Int32Array.from(t.feature),
      left: Int32Array.from(t.left),
      right: Int32Array.from(t.right),
      value: Float64Array.from(t.value),
      threshold: Float64Array.from(t.threshold),
      ...(categorical
        ? {
            leftSet: t.feature.map((f, k) =>
              f >= 0 && players[f].kind === 'categorical' ? levelsOf(t.categories![k]) : null,
            ),
          }
        : {}),
    };
  });
  return { ensemble: { baseScore: s.baseScore, trees }, players };
}

/** Each row's player values (rows x players): a column's value, or a categorical group's level. */
export function playerValues(players: TreePlayer[], data: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const P = players.length;
  const out = new Float64Array(rows * P);
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    for (let p = 0; p < P; p++) {
      const player = players[p];
      if (player.kind === 'numeric') {
        out[i * P + p] = data[base + player.column];
        continue;
      }
      let level = player.columns.length;
      for (let k = 0; k < player.columns.length; k++) {
        if (data[base + player.columns[k]] > 0.5) {
          level = k;
          break;
        }
      }
      out[i * P + p] = level;
    }
  }
  return out;
}

/** The group of each player: its column's (a categorical group's columns share one feature, so one group). */
export function playerGroups(players: TreePlayer[], columnGroup: Int32Array): Int32Array {
  return Int32Array.from(players, (p) => columnGroup[p.kind === 'numeric' ? p.column : p.columns[0]]);
}
