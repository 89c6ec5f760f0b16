import { schemaHash, type ModelCardInput } from '../../src/models/artifact.ts';
import { FeatureSpec, type EncoderState } from '../../src/schema/index.ts';

/** A small but valid features spec, as training stores it (parsed: defaults filled in). */
export function fixtureSpec(extra: string[] = []): FeatureSpec {
  return FeatureSpec.parse({
    features: [
      { name: 'email_opens_30d', type: 'activity', activities: ['email_open'], agg: 'count', window_days: 30 },
      { name: 'industry', type: 'attribute', kind: 'categorical', column: 'industry' },
      ...extra.map((name) => ({ name, type: 'activity', activities: ['page_view'], agg: 'count' })),
    ],
  });
}

/** Encoders matching fixtureSpec's columns. */
export function fixtureEncoders(columns: string[]): EncoderState {
  return { version: 1, trainRows: 100, features: [], columns, source: columns.map((c) => c.split('=')[0]) };
}

/** A valid model card as the training pipeline would build it (the writer adds version and estimators). */
export function fixtureCard(
  overrides: Partial<ModelCardInput> = {},
): Omit<ModelCardInput, 'version' | 'estimators'> & { version?: string } {
  const spec = fixtureSpec();
  const columns = ['email_opens_30d', 'industry=retail', 'industry=software'];
  return {
    name: 'lead-conversion',
    created_at: '2026-01-15T10:00:00Z',
    seed: 42,
    parameters: {
      neural: { hidden: [32, 16], dropout: 0.1 },
      calibration: 'platt',
      bands: { hot: 40, warm: 15 },
      bands_requested: {},
    },
    features: { spec, encoders: fixtureEncoders(columns), columns, schema_hash: schemaHash(spec) },
    members: ['logistic', 'neural'],
    blend: {
      weights: { logistic: 0.6, neural: 0.3 },
      inputs: [
        { name: 'logistic', transform: 'logit' },
        { name: 'neural', transform: 'logit' },
      ],
    },
    calibrator: { method: 'platt', reason: 'fixture' },
    training_window: { start: '2025-01-01', end: '2025-09-30', snapshots: 9, rows: 900 },
    test_window: { start: '2025-10-01', end: '2025-12-31', snapshots: 3, rows: 300 },
    metrics: { auc: 0.8, logloss: 0.42 },
    library_versions: { '@tensorflow/tfjs': '4.22.0' },
    ...overrides,
  };
}
