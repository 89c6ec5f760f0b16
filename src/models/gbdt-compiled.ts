/** Fast-prediction layout of gbdt.ts's trees, and the log loss boosting watches. */
import type { GbdtTree } from './gbdt-grow.ts';

/** Every tree's nodes in one set of typed arrays (node numbers absolute), for fast prediction. */
export interface CompiledTrees {
  feature: Int32Array;
  threshold: Float64Array;
  /** categorical nodes: where their bitset starts in `bits`; numeric nodes and leaves: -1 */
  catAt: Int32Array;
  /** categorical nodes: how many 32-bit words their bitset has */
  words: Int32Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
  bits: Uint32Array;
  roots: Int32Array;
}

/** Lay every tree's nodes out in one set of typed arrays (node numbers absolute). */
export function compileTrees(trees: GbdtTree[]): CompiledTrees {
  const total = trees.reduce((a, t) => a + t.feature.length, 0);
  const c: CompiledTrees = {
    feature: new Int32Array(total),
    threshold: new Float64Array(total),
    catAt: new Int32Array(total).fill(-1),
    words: new Int32Array(total),
    left: new Int32Array(total),
    right: new Int32Array(total),
    value: new Float64Array(total),
    bits: new Uint32Array(trees.reduce((a, t) => a + t.categories.reduce((b, x) => b + x.length, 0), 0)),
    roots: new Int32Array(trees.length),
  };
  let at = 0;
  let bitAt = 0;
  trees.forEach((t, ti) => {
    c.roots[ti] = at;
    for (let k = 0; k < t.feature.length; k++) {
      const node = at + k;
      c.feature[node] = t.feature[k];
      c.threshold[node] = t.threshold[k];
      c.left[node] = at + t.left[k];
      c.right[node] = at + t.right[k];
      c.value[node] = t.value[k];
      const cat = t.categories[k];
      if (t.feature[k] >= 0 && cat.length > 0) {
        c.catAt[node] = bitAt;
        c.words[node] = cat.length;
        for (const w of cat) c.bits[bitAt++] = w;
      }
    }
    at += t.feature.length;
  });
  return c;
}

/** Mean log loss of raw scores (log-odds) on some rows. */
export function rawLogLoss(raw: Float64Array, y: Uint8Array, rows: Int32Array): number {
  let s = 0;
  for (const i of rows) {
    const z = raw[i];
    // log(1 + e^z) - y z, computed stably
    s += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - y[i] * z;
  }
  return s / rows.length;
}
