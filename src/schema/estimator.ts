import type { DenseMatrix } from './matrix.ts';

/** Options for fit: optional per-row weights and a validation set (used by the neural model). */
export interface FitOptions {
  sampleWeight?: Float64Array;
  validation?: { X: DenseMatrix; y: Uint8Array };
  /** called with progress messages on long fits */
  onProgress?: (message: string) => void;
}

/**
 * The estimator contract (scikit-learn's shape): a constructor validates params and does nothing else;
 * fit returns the estimator and keeps no reference to the data; predictProba returns P(y=1) per row;
 * toJSON/fromJSON round-trip the learned state exactly.
 */
export interface Estimator<State = unknown> {
  readonly kind: string;
  fit(X: DenseMatrix, y: Uint8Array, opts?: FitOptions): Promise<this> | this;
  predictProba(X: DenseMatrix): Float64Array;
  toJSON(): { kind: string; params: unknown; state: State };
}
