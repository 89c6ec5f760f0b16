import { derivedSeed } from '../random.ts';
import { ConfigError } from '../errors.ts';
import { NeuralNet } from './neural.ts';
import type { BaseEstimatorKind } from './base-estimator.ts';
import type { DenseMatrix } from '../schema/matrix.ts';

/**
 * A few neural networks trained on the same rows with different seeds, their logits averaged: a
 * single small MLP's early stopping is noisy (test AUC varies by ~0.005 between seeds), averaging
 * removes most of that. Member seeds are derived from one seed, so the ensemble stays deterministic.
 */

/** Serialized ensemble: one member is stored as the bare network (what older artifacts hold). */
export type NeuralEnsembleJSON = ReturnType<NeuralNet['toJSON']> | Array<ReturnType<NeuralNet['toJSON']>>;

/** Neural networks whose logits are averaged. */
export class NeuralEnsemble {
  private constructor(readonly members: NeuralNet[]) {}

  /** Train `size` networks with seeds derived from params.seed, one after the other (deterministic). */
  static async fit(
    X: DenseMatrix,
    y: Uint8Array,
    params: Record<string, unknown> & { seed: number },
    size: number,
    onProgress?: (m: string) => void,
    start?: NeuralNet,
  ): Promise<NeuralEnsemble> {
    const members: NeuralNet[] = [];
    for (let m = 0; m < Math.max(1, size); m++) {
      members.push(
        await new NeuralNet({ ...params, seed: derivedSeed(params.seed, m) }).fit(X, y, {
          onProgress: onProgress ? (s) => onProgress(`member ${m + 1}/${size}: ${s}`) : undefined,
          start,
        }),
      );
    }
    return new NeuralEnsemble(members);
  }

  /** Mean of the members' logits, mapped back to a probability. */
  predictProba(X: DenseMatrix): Float64Array {
    if (this.members.length === 1) return this.members[0].predictProba(X);
    return ensembleProbability(this.members.map((net) => net.predictProba(X)));
  }

  /** One member: the bare network's JSON; several: an array. */
  toJSON(): NeuralEnsembleJSON {
    return this.members.length === 1 ? this.members[0].toJSON() : this.members.map((m) => m.toJSON());
  }

  /** Rebuild from toJSON() output (a bare network or an array). */
  static fromJSON(json: NeuralEnsembleJSON): NeuralEnsemble {
    return new NeuralEnsemble((Array.isArray(json) ? json : [json]).map((j) => NeuralNet.fromJSON(j)));
  }
}

/**
 * The ensemble's probability per row from its members' (in member order): one member's is its own, several are
 * averaged as logits. The rule predictProba and the attribution pass share.
 */
export function ensembleProbability(members: Float64Array[]): Float64Array {
  if (members.length === 1) return members[0];
  const logit = new Float64Array(members[0].length);
  for (const p of members) {
    for (let i = 0; i < p.length; i++) {
      const q = Math.min(Math.max(p[i], 1e-12), 1 - 1e-12);
      logit[i] += Math.log(q / (1 - q)) / members.length;
    }
  }
  return logit.map((z) => 1 / (1 + Math.exp(-z)));
}

/**
 * The neural network as a base estimator of the scoring model. `ensemble` (default 1) networks are
 * averaged in the final fit; fold fits train one, since their predictions only teach the blend.
 */
export const NEURAL_KIND: BaseEstimatorKind = {
  name: 'neural',
  label: 'neural network',
  fit: async (X, y, params, ctx) => {
    const { ensemble = 1, ...rest } = params;
    const size = ctx.final ? Number(ensemble) : 1;
    if (!Number.isInteger(size) || size < 1) {
      throw new ConfigError(`neural.ensemble must be a whole number of networks >= 1, got ${String(ensemble)}`);
    }
    // The final fit holds no rows back. With one network it continues the last fold's network on every
    // row: that fold's best epoch count times the share of rows it never trained on, and at most a
    // quarter of a cold fit's row budget (at least one epoch; epochs of epochRows sampled rows). The rows
    // it knows need no second pass from scratch: on 100k CRM leads (483k rows) 13 epochs of 65k rows
    // (1.8 passes) instead of 20 passes. An ensemble refits from scratch for the folds' mean best epoch,
    // so its members differ.
    const folds = (ctx.folds ?? []) as Array<{ epochs: number } | null>;
    const best = folds.filter((f): f is { epochs: number } => typeof f?.epochs === 'number').map((f) => f.epochs);
    const last = ctx.final && size === 1 ? ctx.foldModels?.[ctx.foldModels.length - 1] : undefined;
    const start = last instanceof NeuralEnsemble && last.members.length === 1 ? last.members[0] : undefined;
    let epochs: number | null = null;
    if (ctx.final && start?.state) {
      const unseen = Math.max(0, 1 - start.state.trainRows / X.rows);
      const budget = Math.floor(start.params.rowBudget / 4 / Math.min(X.rows, start.params.epochRows));
      epochs = Math.max(1, Math.min(Math.round(start.state.bestEpoch * unseen), budget));
    } else if (ctx.final && best.length > 0) {
      epochs = Math.max(1, Math.round(best.reduce((a, b) => a + b, 0) / best.length));
    }
    return NeuralEnsemble.fit(
      X,
      y,
      { ...rest, seed: ctx.seed, ...(epochs ? { epochs } : {}) },
      size,
      ctx.onProgress,
      start?.state ? start : undefined,
    );
  },
  tuning: (est) => ({ epochs: Math.max(1, (est as NeuralEnsemble).members[0].state!.bestEpoch) }),
  fromJSON: (json) => NeuralEnsemble.fromJSON(json as NeuralEnsembleJSON),
};
