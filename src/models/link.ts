/** The logistic link and its numerically safe pieces, shared by the models and calibrators. */

/** Logistic sigmoid 1 / (1 + e^-z), stable for large |z|. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** log(1 + e^z) without overflow. */
export function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** Default clip for logit inputs: keeps a probability of exactly 0 or 1 finite (about ±16). */
export const LOGIT_EPS = 1e-7;

/** log(p / (1 - p)) with p clipped to [eps, 1 - eps]. */
export function logit(p: number, eps: number = LOGIT_EPS): number {
  const q = p < eps ? eps : p > 1 - eps ? 1 - eps : p;
  return Math.log(q / (1 - q));
}
