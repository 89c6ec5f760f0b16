/**
 * A realistic ComparisonResult from seeded synthetic leads: a hidden propensity drives conversion,
 * the predictive score sees it well, the points score sees it through heavy noise. Every number is
 * computed with src/evaluate/metrics.ts, the way the compare pipeline will.
 */
import {
  brier,
  cumulativeGains,
  ece,
  liftAt,
  logLoss,
  orderByScoreDesc,
  prAuc,
  rocAuc,
  rocCurve,
} from '../../src/evaluate/metrics.ts';
import type { ComparisonResult, MetricSet, ScoreSource } from '../../src/evaluate/report/types.ts';
import { bootstrapIntervals } from '../../src/evaluate/bootstrap.ts';
import {
  disagreementDirections,
  disagreementGroups,
  mostDisagreedOrder,
  reliabilityPoints,
} from '../../src/evaluate/comparison.ts';

/** mulberry32: small, seeded, good enough for fixtures. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(u: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Synthetic holdout: labels, predictive probabilities, rule points (0-100). */
export interface SyntheticScores {
  ids: string[];
  y: Uint8Array;
  probability: Float64Array;
  points: Float64Array;
}

/** `n` leads from `seed`: about 12% convert. */
export function syntheticScores(n: number, seed: number): SyntheticScores {
  const u = rng(seed);
  const y = new Uint8Array(n);
  const probability = new Float64Array(n);
  const points = new Float64Array(n);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const propensity = normal(u);
    const truth = sigmoid(-2.4 + 1.3 * propensity);
    y[i] = u() < truth ? 1 : 0;
    probability[i] = sigmoid(-2.4 + 1.25 * propensity + 0.25 * normal(u));
    points[i] = Math.round(Math.min(100, Math.max(0, 38 + 14 * (0.6 * propensity + 0.9 * normal(u)))));
    ids.push(`L-${String(100000 + i)}`);
  }
  return { ids, y, probability, points };
}

function metricSet(y: Uint8Array, p: Float64Array): MetricSet {
  const g = cumulativeGains(y, p, 20); // fractions 0, 0.05, 0.10, ...
  return {
    auc: rocAuc(y, p),
    pr_auc: prAuc(y, p),
    brier: brier(y, p),
    logloss: logLoss(y, p),
    ece: ece(y, p),
    lift_at_5pct: liftAt(y, p, 0.05),
    lift_at_10pct: liftAt(y, p, 0.1),
    lift_at_20pct: liftAt(y, p, 0.2),
    gains_at_5pct: g.gain[1],
    gains_at_10pct: g.gain[2],
    gains_at_20pct: g.gain[4],
  };
}

const ruleBand = (points: number) => (points >= 60 ? 'hot' : points >= 40 ? 'warm' : 'cold');
const predictiveBand = (p: number) => (p >= 0.3 ? 'hot' : p >= 0.1 ? 'warm' : 'cold');
const BANDS = ['hot', 'warm', 'cold'];
/** Rule score from which marketing calls a lead an MQL. */
const MQL_POINTS = 50;

/** Build the comparison result the report renders from synthetic scores. */
export function comparisonFixture(n = 4000, seed = 7): ComparisonResult {
  const { ids, y, probability, points } = syntheticScores(n, seed);
  const ruleProbability = points.map((x) => x / 100);
  const scores: Record<ScoreSource, Float64Array> = { rules: ruleProbability, predictive: probability };
  const nConverted = y.reduce((a, b) => a + b, 0);

  const curve = (s: ScoreSource) => {
    const roc = rocCurve(y, scores[s], 200);
    const gains = cumulativeGains(y, scores[s], 20);
    return {
      roc: roc.fpr.map((fpr, i) => ({ fpr, tpr: roc.tpr[i] })),
      gains: gains.fraction.map((fraction, i) => ({ fraction, captured: gains.gain[i] })),
      reliability: reliabilityPoints(y, scores[s]),
    };
  };
  const rules = curve('rules');
  const predictive = curve('predictive');

  const histogram: ComparisonResult['curves']['score_histogram'] = [];
  for (const source of ['rules', 'predictive'] as const) {
    for (const outcome of ['converted', 'not converted'] as const) {
      const counts = new Array<number>(10).fill(0);
      for (let i = 0; i < n; i++) {
        if ((y[i] === 1) !== (outcome === 'converted')) continue;
        counts[Math.min(9, Math.floor((100 * scores[source][i]) / 10))]++;
      }
      counts.forEach((count, b) => histogram.push({ source, outcome, bucket: b * 10, count }));
    }
  }

  const ruleBands = Array.from(points, ruleBand);
  const predictiveBands = Array.from(probability, predictiveBand);
  const tally = (pick: (i: number) => boolean) => {
    let leads = 0;
    let converted = 0;
    for (let i = 0; i < n; i++)
      if (pick(i)) {
        leads++;
        converted += y[i];
      }
    return { leads, converted, rate: leads ? converted / leads : 0 };
  };
  const bands = (['rules', 'predictive'] as const).flatMap((source) =>
    BANDS.map((band) => ({
      source,
      band,
      ...tally((i) => (source === 'rules' ? ruleBands[i] : predictiveBands[i]) === band),
    })),
  );
  const agreement = BANDS.flatMap((rb) =>
    BANDS.map((pb) => ({
      rule_band: rb,
      predictive_band: pb,
      ...tally((i) => ruleBands[i] === rb && predictiveBands[i] === pb),
    })),
  );

  const mql = tally((i) => points[i] >= MQL_POINTS);
  const top = orderByScoreDesc(probability).slice(0, mql.leads);
  const topConverted = top.reduce((a, i) => a + y[i], 0);

  const predictiveScore = (i: number) => Math.round(100 * probability[i]);
  // The widest gaps each way: rules far above the model, and the model far above the rules.
  const directions = disagreementDirections(ruleBands, predictiveBands, BANDS, BANDS);
  const disagreeing = mostDisagreedOrder(points, probability, directions, 4);
  const mqlFlags = Array.from(points, (x) => (x >= MQL_POINTS ? 1 : 0));
  const boot = bootstrapIntervals(
    y,
    { rules: { rank: points, probability: ruleProbability }, predictive: { rank: probability, probability } },
    { seed, replicates: 200, mql: mqlFlags },
  );

  return {
    run_id: `cmp-fixture-${seed}`,
    created_at: '2024-07-01T06:00:00Z',
    as_of: '2024-06-30',
    horizon_days: 90,
    model: { name: 'blend', version: '2024-06-30.1' },
    rules_file: 'models/rules.yaml',
    n_leads: n,
    n_converted: nConverted,
    base_rate: nConverted / n,
    metrics: { rules: metricSet(y, ruleProbability), predictive: metricSet(y, probability) },
    curves: {
      roc: { rules: rules.roc, predictive: predictive.roc },
      gains: { rules: rules.gains, predictive: predictive.gains },
      reliability: { rules: rules.reliability, predictive: predictive.reliability },
      score_histogram: histogram,
    },
    bands,
    agreement,
    capture: {
      mql_leads: mql.leads,
      mql_converted: mql.converted,
      top_predictive_converted: topConverted,
      ratio: topConverted / mql.converted,
    },
    disagreement_groups: disagreementGroups(directions, y),
    intervals: {
      level: boot.level,
      replicates: boot.replicates,
      seed: boot.seed,
      rules: boot.scores.rules,
      predictive: boot.scores.predictive,
      capture_ratio: boot.capture_ratio,
    },
    training_overlap: { overlaps: false, fitted_until: '2024-03-31' },
    disagreements: disagreeing.map((i) => ({
      direction: directions[i] ?? undefined,
      lead_id: ids[i],
      rule_score: points[i],
      rule_band: ruleBands[i],
      predictive_score: predictiveScore(i),
      predictive_band: predictiveBands[i],
      converted: y[i] === 1,
      rule_reasons:
        points[i] > 50
          ? ['+25 visited pricing page', '+15 job title contains "Director"']
          : ['-10 free email domain', '-5 no activity in 30 days'],
      predictive_reasons:
        probability[i] > 0.2
          ? ['3 demo requests in 14 days (raises)', 'company size 200-500 (raises)']
          : ['no opened email in 60 days (lowers)', 'student email domain (lowers)'],
    })),
    notes: ['The points score is judged as a probability by dividing its points by 100.'],
  };
}
