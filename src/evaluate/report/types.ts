/**
 * The input of the comparison report: everything `compare` measured about the rule (points) score
 * and the predictive score on the leads open on one date. The pipeline writes it as JSON; the report only
 * renders it.
 */
import { z } from 'zod';

/** Which score a row describes. */
export const ScoreSource = z.enum(['rules', 'predictive']);
export type ScoreSource = z.infer<typeof ScoreSource>;

const finite = z.number().finite();
const share = finite.min(0).max(1);
const count = z.number().int().min(0);

/** Headline metrics of one score (the rule score is judged as points / 100 where a probability is needed). */
export const MetricSet = z.object({
  auc: share,
  pr_auc: share,
  brier: share,
  logloss: finite.min(0),
  ece: share,
  lift_at_5pct: finite.min(0),
  lift_at_10pct: finite.min(0),
  lift_at_20pct: finite.min(0),
  /** share of all converters found in the top 5% of leads */
  gains_at_5pct: share,
  gains_at_10pct: share,
  gains_at_20pct: share,
});
export type MetricSet = z.infer<typeof MetricSet>;

/** One curve per score, same shape for both. */
const perSource = <T extends z.ZodType>(item: T) => z.object({ rules: z.array(item), predictive: z.array(item) });

const RocPoint = z.object({ fpr: share, tpr: share });
const GainsPoint = z.object({ fraction: share, captured: share });
/**
 * One bin of a reliability diagram: leads grouped by predicted probability (equal-count bins on the range the
 * predictions cover, so none is near-empty); `lower`/`upper` bound the observed rate (95% Wilson interval).
 */
const ReliabilityPoint = z.object({
  bin: z.number().int().min(0),
  mean_predicted: share,
  observed_rate: share,
  count,
  lower: share.optional(),
  upper: share.optional(),
});
/** Leads per 10-point score bucket (bucket 0 = scores 0..9, 90 = 90..100) and outcome. */
const HistogramRow = z.object({
  source: ScoreSource,
  outcome: z.enum(['converted', 'not converted']),
  bucket: z.number().int().min(0).max(90).multipleOf(10),
  count,
});

/** Conversion within one band of one score. Bands are listed hottest first; that order is kept everywhere. */
const BandRow = z.object({ source: ScoreSource, band: z.string().min(1), leads: count, converted: count, rate: share });
/** One cell of the agreement matrix: leads in rule band x predictive band. */
const AgreementCell = z.object({
  rule_band: z.string().min(1),
  predictive_band: z.string().min(1),
  leads: count,
  converted: count,
  rate: share,
});
/** Equal effort: the leads the rules call MQL vs the same number of leads from the top of the predictive score. */
const Capture = z.object({
  mql_leads: count,
  mql_converted: count,
  top_predictive_converted: count,
  /** top_predictive_converted / mql_converted */
  ratio: finite.min(0),
});
/** Which way two scores disagree: the rules rate the lead hotter than the model, or the model hotter. */
export const DisagreementDirection = z.enum(['rules_higher', 'model_higher']);
export type DisagreementDirection = z.infer<typeof DisagreementDirection>;

/** Every lead one score calls hot or warm and the other cold, with how many converted. */
const DisagreementGroup = z.object({
  direction: DisagreementDirection,
  leads: count,
  converted: count,
  rate: share,
});

/** A lead the two scores rank very differently, with each side's reasons in words. */
const Disagreement = z.object({
  direction: DisagreementDirection.optional(),
  lead_id: z.string().min(1),
  rule_score: finite,
  rule_band: z.string().min(1),
  predictive_score: finite,
  predictive_band: z.string().min(1),
  converted: z.boolean(),
  rule_reasons: z.array(z.string()),
  predictive_reasons: z.array(z.string()),
});

/** Everything the comparison report renders. */
export const ComparisonResult = z.object({
  run_id: z.string().min(1),
  created_at: z.string().min(1),
  as_of: z.string().min(1),
  horizon_days: z.number().int().positive(),
  model: z.object({ name: z.string().min(1), version: z.string().min(1) }),
  rules_file: z.string().min(1),
  n_leads: count,
  n_converted: count,
  base_rate: share,
  metrics: z.object({ rules: MetricSet, predictive: MetricSet }),
  curves: z.object({
    roc: perSource(RocPoint),
    gains: perSource(GainsPoint),
    reliability: perSource(ReliabilityPoint),
    score_histogram: z.array(HistogramRow),
  }),
  bands: z.array(BandRow),
  agreement: z.array(AgreementCell),
  capture: Capture,
  disagreements: z.array(Disagreement),
  /** the two directions of disagreement, every lead in each (the examples above are the widest gaps) */
  disagreement_groups: z.array(DisagreementGroup).optional(),
  /** seeded bootstrap intervals of the ranking metrics (paired: both scores on the same resampled leads) */
  intervals: z
    .object({
      level: share,
      replicates: count,
      seed: z.number().int(),
      rules: z.record(z.string(), z.tuple([finite, finite])),
      predictive: z.record(z.string(), z.tuple([finite, finite])),
      capture_ratio: z.tuple([finite, finite]).optional(),
    })
    .optional(),
  /**
   * whether the compared leads' outcome window overlaps what the model was fitted on (everything before its test
   * window): then nothing here is a holdout, and every figure flatters the predictive score
   */
  training_overlap: z.object({ overlaps: z.boolean(), fitted_until: z.string() }).optional(),
  /** each score's band colours (#rrggbb) as the CLI shows them (a rules file may name its own); default: palette */
  band_colours: z
    .object({ rules: z.record(z.string(), z.string()), predictive: z.record(z.string(), z.string()) })
    .optional(),
  /** free-text caveats the pipeline wants the reader to see (e.g. how the rule score was turned into a probability) */
  notes: z.array(z.string()).optional(),
});
export type ComparisonResult = z.infer<typeof ComparisonResult>;
