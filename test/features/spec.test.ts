import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../src/errors.ts';
import { loadFeatureSpec, parseFeatureSpec } from '../../src/features/index.ts';
import { CANONICAL_DDL } from '../../src/schema/index.ts';
import { withWarehouse } from '../../src/store/index.ts';
import { runLeadscore } from '../cli/run.ts';

const err = (obj: unknown) => {
  try {
    parseFeatureSpec(obj, 'f.yaml');
  } catch (e) {
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
};

describe('feature spec validation', () => {
  it('loads the default file', () => {
    const spec = loadFeatureSpec(path.resolve('features/default.yaml'));
    expect(spec.horizon_days).toBe(90);
    expect(spec.features.length).toBeGreaterThan(30);
    expect(JSON.parse(JSON.stringify(spec))).toEqual(spec); // plain JSON, hashable
  });

  it('names the file, the key path with the feature name, and a fix', () => {
    const e1 = err({ features: [{ name: 'x', type: 'activity', activities: 'email_opn', agg: 'count' }] });
    expect(e1).toBeInstanceOf(ConfigError);
    expect(e1.message).toBe('f.yaml: features[0] (x).activities[0]: unknown activity "email_opn"');
    expect(e1.hint).toMatch(/did you mean "email_open"/);
    const e2 = err({
      features: [{ name: 'x', type: 'activity', activities: 'email_open', agg: 'count', windows_days: 7 }],
    });
    expect(e2.message).toMatch(/^f\.yaml: features\[0\] \(x\): unknown key "windows_days"/);
    expect(e2.hint).toMatch(/did you mean "window_days"/);
    const e3 = err({
      features: [{ name: 'x', type: 'activity', activities: 'email_open', agg: 'count', window_days: 'seven' }],
    });
    expect(e3.message).toMatch(/^f\.yaml: features\[0\] \(x\)\.window_days: /);
    const e4 = err({ horizon_day: 30, features: [{ name: 'x', type: 'derived', derive: 'seniority' }] });
    expect(e4.hint).toMatch(/did you mean "horizon_days"/);
    const e5 = err({ features: [{ name: 'r', type: 'ratio', numerator: 'clicks', denominator: 'opens' }] });
    expect(e5.message).toMatch(/features\[0\] \(r\)\.numerator: "clicks" is not an activity feature/);
    const e6 = err({ features: [{ name: 'x', type: 'derived', derive: 'seniority' }], exclude: ['y'] });
    expect(e6.message).toMatch(/exclude\[0\]: no feature named "y"/);
    const e7 = err({ features: [{ name: 'x', type: 'activity', activities: 'email_open', agg: 'decayed_sum' }] });
    expect(e7.message).toMatch(/half_life_days/);
    const e8 = err({
      activity_groups: { web: ['page_veiw'] },
      features: [{ name: 'x', type: 'activity', activities: 'web', agg: 'count' }],
    });
    expect(e8.message).toMatch(/activity_groups\.web\[0\]: unknown activity "page_veiw"/);
  });

  it('exits 3 from the CLI on a bad features file, naming file and key', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ls-spec-'));
    const cases: Array<[string, RegExp]> = [
      [
        'features:\n  - { name: x, type: activity, activities: pricing_veiw, agg: count }\n',
        /bad\.yaml: features\[0\] \(x\)\.activities\[0\]: unknown activity "pricing_veiw"/,
      ],
      [
        'features:\n  - { name: x, type: activity, activities: page_view, agg: count, window: 7 }\n',
        /bad\.yaml: features\[0\] \(x\): unknown key "window"/,
      ],
      [
        'horizon_days: soon\nfeatures:\n  - { name: x, type: derived, derive: seniority }\n',
        /bad\.yaml: horizon_days: /,
      ],
    ];
    // an empty warehouse: features build refuses a missing one before reading the features file
    await withWarehouse(path.join(dir, 'w.duckdb'), (w) => w.run(CANONICAL_DDL));
    for (const [text, pattern] of cases) {
      const file = path.join(dir, 'bad.yaml');
      fs.writeFileSync(file, text);
      const r = await runLeadscore([
        'features',
        'build',
        '--db',
        path.join(dir, 'w.duckdb'),
        '--features',
        file,
        '--as-of',
        '2024-01-01',
      ]);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    // --help has examples
    expect((await runLeadscore(['features', 'build', '--help'])).stdout).toMatch(/Examples:/);
  });
});
