/**
 * Adam for the MLP's weights, with the update done in JavaScript on plain arrays.
 *
 * Why not tfjs's own `tf.train.adam`: it updates each variable with about fifteen tensor ops (moments,
 * bias corrections, square root, step), and on the wasm backend every op costs a fixed dispatch overhead
 * however small the tensor. The MLP has six small variables (13k weights on X Education), so tfjs's
 * update was an eighth of a fit's time; here it is one read of each gradient and one write of each
 * variable per step. Same rule, same defaults as tfjs (beta1 0.9, beta2 0.999, epsilon 1e-7, bias
 * correction by beta^t); the moments and weights are kept in float32 as tfjs keeps them.
 */
import { tf } from './tf.ts';

/** Adam's constants: tfjs's defaults for a float32 backend. */
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-7;

/** Adam's state for a list of variables: their weights, first and second moments, and the step count. */
export class AdamUpdater {
  private readonly weights: Float32Array[];
  private readonly first: Float32Array[];
  private readonly second: Float32Array[];
  private beta1Power = 1;
  private beta2Power = 1;

  /** Start from the variables' current values, moments at zero. */
  constructor(
    private readonly variables: tf.Variable[],
    private readonly learningRate: number,
  ) {
    this.weights = variables.map((v) => Float32Array.from(v.dataSync() as Float32Array));
    this.first = variables.map((v) => new Float32Array(v.size));
    this.second = variables.map((v) => new Float32Array(v.size));
  }

  /** One step: each variable moves by its gradient (grads in the order of the variables). */
  apply(grads: tf.Tensor[]): void {
    this.beta1Power *= BETA1;
    this.beta2Power *= BETA2;
    const step1 = this.learningRate / (1 - this.beta1Power);
    const root2 = 1 / Math.sqrt(1 - this.beta2Power);
    for (let k = 0; k < this.variables.length; k++) {
      const g = grads[k].dataSync() as Float32Array;
      const w = this.weights[k];
      const m = this.first[k];
      const v = this.second[k];
      for (let i = 0; i < w.length; i++) {
        const gi = g[i];
        const mi = (m[i] = BETA1 * m[i] + (1 - BETA1) * gi);
        const vi = (v[i] = BETA2 * v[i] + (1 - BETA2) * gi * gi);
        // w − lr · m̂ / (√v̂ + ε), with m̂ = m / (1 − β1ᵗ) and v̂ = v / (1 − β2ᵗ)
        w[i] -= (step1 * mi) / (Math.sqrt(vi) * root2 + EPSILON);
      }
      const value = tf.tensor(w, this.variables[k].shape);
      this.variables[k].assign(value);
      value.dispose();
    }
  }
}
