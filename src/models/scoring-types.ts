/** The contracts of ScoringModel (scoring-model.ts): what fit takes, what predict returns, what the artifact stores. */
import type { DenseMatrix } from '../schema/matrix.ts';
import type { BaseEstimator } from './base-estimators.ts';
import type { StackingBlender } from './blend.ts';
import type { CalibrationMethod, Calibrator } from './calibration.ts';

/** One base estimator to fit: a registered kind's name and its parameters (or candidates to choose from). */
export interface MemberSpec {
  name: string;
  params: Record<string, unknown>;
  /**
   * parameter sets to choose from by out-of-fold log loss, tried in order (`params` is merged under
   * each); the first is always tried, later ones while the search budget lasts
   */
  candidates?: Array<Record<string, unknown>>;
}

/** Options for ScoringModel.fit. */
export interface ScoringFitOptions {
  /** the base estimators, in blend order */
  members: MemberSpec[];
  calibration?: CalibrationMethod;
  seed: number;
  /** band thresholds to resolve on the test split's probabilities ("top 5%" or scores) */
  bands: { hot: number | string; warm: number | string };
  onStage?: (stage: string) => void;
  /**
   * fit encoders on `fitRows` and encode `rows` with them (row r of the result is rows[r]), so each
   * fold's encoders never see its held-out rows. Without it every fold uses X as given (already encoded).
   */
  encodeFor?: (fitRows: Int32Array, rows: Int32Array) => DenseMatrix;
  /** called with the rows each base model is fitted on and the rows it then predicts (for tests) */
  onBaseFit?: (fitted: Int32Array, predicted: Int32Array) => void;
  /**
   * how much work the candidate search may do, as a multiple of the first candidate's (2.5: later
   * candidates are tried while the candidates so far cost less than 2.5 times the first). Measured in
   * rows x iterations of the fold fits, not seconds, so the same data and seed try the same candidates.
   */
  searchBudget?: number;
  /**
   * fit the members at the same time, each beyond the first on a worker thread (same models as one
   * after another); default: when the matrix has at least WORKER_MIN_CELLS cells and there are 2+ cores
   */
  parallel?: boolean;
}

/** Every output of predict: each base model's probability by name, the blend, the calibrated probability. */
export interface ScoringOutputs {
  base: Record<string, Float64Array>;
  blend: Float64Array;
  probability: Float64Array;
}

/** How the model was fitted: which rows each part saw, what was chosen and why (the card's `training`). */
export interface TrainingRecord {
  folds: { kind: 'random' | 'time'; count: number; fitted: number[]; predicted: number[] };
  rows: { base_models: number; blend: number; calibrator: number; test: number };
  members: Array<{
    name: string;
    /** kept in the blend, or left out because the blend gave it no weight */
    kept: boolean;
    params: Record<string, unknown>;
    oof_logloss: number;
    oof_auc: number;
    candidates: Array<{ params: Record<string, unknown>; oof_logloss: number; oof_auc: number }>;
    /** what the fold fits passed to the final fit (e.g. tree count) */
    folds: unknown[];
    note: string;
  }>;
  blend: { oof_logloss: number; oof_auc: number; dropped: string[] };
  warnings: string[];
}

/** The parts a fitted model is made of (what the artifact stores, and fromParts rebuilds). */
export interface ScoringParts {
  members: Array<{ name: string; estimator: BaseEstimator }>;
  blend: StackingBlender;
  calibrator: Calibrator;
  calibration: { method: string; reason: string };
  rulesCalibrator: Calibrator | null;
  /** sorted calibrated probabilities of the test split (percentiles rank against them) */
  reference: number[];
  bands: { hot: number; warm: number };
  /** how it was fitted (null for models loaded from artifacts written before it was recorded) */
  training?: TrainingRecord | null;
}
