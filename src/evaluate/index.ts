/** evaluate/: metrics (and, later, reports) for scored predictions. */
export {
  rocAuc,
  prAuc,
  logLoss,
  brier,
  ece,
  liftAt,
  cumulativeGains,
  rocCurve,
  reliabilityBins,
  psi,
  summarize,
  averageRanks,
  orderByScoreDesc,
  thresholdCounts,
} from './metrics.ts';
export type { ReliabilityBin, MetricSummary } from './metrics.ts';
