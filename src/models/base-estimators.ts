/**
 * The base estimators leadscore ships, registered by name for the scoring model. A new kind is its own
 * file (an estimator and its BaseEstimatorKind) and one registerBaseEstimator line, here or in the
 * caller's code.
 */
import { registerBaseEstimator } from './base-estimator.ts';
import { GBDT_KIND } from './gbdt.ts';
import { LOGISTIC_KIND } from './logistic.ts';
import { NEURAL_KIND } from './neural-ensemble.ts';

registerBaseEstimator(LOGISTIC_KIND);
registerBaseEstimator(NEURAL_KIND);
registerBaseEstimator(GBDT_KIND);

export { baseEstimatorKind, baseEstimatorNames, registerBaseEstimator } from './base-estimator.ts';
export type { BaseEstimator, BaseEstimatorKind, BaseFitContext } from './base-estimator.ts';
