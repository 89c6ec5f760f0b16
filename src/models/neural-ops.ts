/**
 * The training ops of the network on the tfjs wasm backend, with hand-written gradients.
 *
 * Why: tfjs differentiates `x·W` into matMul(x, dy, transposeA=true) and matMul(dy, W,
 * transposeB=true); tfjs-backend-wasm runs transposed matmuls on a slow scalar path (we measured
 * the first layer's kernel gradient at ~12x the cost of the forward matmul). Transposing
 * explicitly, then multiplying, keeps every product on the fast XNNPACK path: about 35% less CPU
 * per training step for a [32, 16] MLP. The forward pass is tfjs's own fused matmul + bias + relu.
 * On a small network every op costs about the same fixed overhead, so the loss and the L2 penalty
 * get their gradients written out too (tfjs's chain rule took some 35 ops per step for them).
 */
import { tf } from './tf.ts';

/** Activations the training ops support. */
export type DenseActivation = 'relu' | 'linear';

type Saver = (saved: tf.Tensor[]) => void;

/** Transpose; a row or column vector is only reshaped (the same values in the same order, no wasm transpose). */
function t(x: tf.Tensor2D): tf.Tensor2D {
  const [r, c] = x.shape;
  return r === 1 || c === 1 ? tf.reshape(x, [c, r]) : tf.transpose(x);
}

/** relu passes the gradient where its output was positive, as tfjs's own relu gradient does. */
function preActivation(dy: tf.Tensor, out: tf.Tensor, activation: DenseActivation): tf.Tensor2D {
  return activation === 'relu' ? tf.mul(dy as tf.Tensor2D, tf.step(out)) : (dy as tf.Tensor2D);
}

/** The kernel's gradient plus the L2 penalty's, 2 · l2 · W (the penalty is l2 · Σ W²). */
function withL2(dk: tf.Tensor2D, kernel: tf.Tensor2D, l2: number): tf.Tensor2D {
  return l2 > 0 ? tf.add(dk, tf.mul(kernel, 2 * l2)) : dk;
}

/**
 * The first layer: activation(x·kernel + bias), differentiable in kernel and bias only (x is data). Its
 * gradient needs xᵀ, which the caller builds in JS beside x: wasm's transpose of a batch of inputs was a
 * quarter of training time, and the input gradient x never needed was another matmul per step.
 */
export function denseInputForTraining(
  x: tf.Tensor2D,
  xT: tf.Tensor2D,
  kernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  activation: DenseActivation,
  l2: number,
): tf.Tensor2D {
  const op = tf.customGrad((...args: (tf.Tensor | Saver)[]) => {
    const [k, b] = args as [tf.Tensor2D, tf.Tensor1D];
    const value = tf.fused.matMul({ a: x, b: k, bias: b, activation }) as tf.Tensor2D;
    // customGrad's inputs are not kept for the gradient: what it needs is saved
    (args[2] as Saver)([k, value]);
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const dz = preActivation(dy as tf.Tensor, saved[1], activation);
        return [withL2(tf.matMul(xT, dz), saved[0] as tf.Tensor2D, l2), tf.sum(dz, 0)];
      },
    };
  }) as unknown as (k: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;
  return op(kernel, bias);
}

/** activation(x·kernel + bias), differentiable in all three inputs, with wasm-friendly gradients. */
export function denseForTraining(
  x: tf.Tensor2D,
  kernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  activation: DenseActivation,
  l2: number,
): tf.Tensor2D {
  const op = tf.customGrad((...args: (tf.Tensor | Saver)[]) => {
    const [x, kernel, b] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    const value = tf.fused.matMul({ a: x, b: kernel, bias: b, activation }) as tf.Tensor2D;
    (args[3] as Saver)([x, kernel, value]);
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sx, sk, out] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const dz = preActivation(dy as tf.Tensor, out, activation);
        // The kernel gradient xᵀ·dz, or (dzᵀ·x)ᵀ when dz is the narrower: the same sums, fewer values transposed.
        const dk: tf.Tensor2D = sx.shape[1] <= dz.shape[1] ? tf.matMul(t(sx), dz) : t(tf.matMul(t(dz), sx));
        return [tf.matMul(dz, t(sk)), withL2(dk, sk, l2), tf.sum(dz, 0)];
      },
    };
  }) as unknown as (x: tf.Tensor2D, k: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;
  return op(x, kernel, bias);
}

/**
 * Σ w · bce(y, sigmoid(z)) / n, the batch's mean weighted cross-entropy (Keras's convention), with its
 * gradient in z written out: w · (sigmoid(z) − y) / n.
 */
export function weightedCrossEntropy(y: tf.Tensor2D, z: tf.Tensor2D, w: tf.Tensor2D, n: number): tf.Scalar {
  const op = tf.customGrad((...args: (tf.Tensor | Saver)[]) => {
    const logits = args[0] as tf.Tensor2D;
    const value = tf.div(tf.losses.sigmoidCrossEntropy(y, logits, w, 0, tf.Reduction.SUM), n) as tf.Scalar;
    (args[1] as Saver)([logits]);
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
        tf.mul(dy as tf.Scalar, tf.mul(tf.sub(tf.sigmoid(saved[0]), y), tf.div(w, n))),
    };
  }) as unknown as (z: tf.Tensor2D) => tf.Scalar;
  return op(z);
}
