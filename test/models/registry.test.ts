import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { schemaHash, type ModelCardInput } from '../../src/models/artifact.ts';
import {
  diff,
  listModels,
  listVersions,
  nextVersion,
  parseRef,
  promote,
  readChampion,
  resolve,
  saveNewVersion,
  show,
} from '../../src/models/registry.ts';
import { ConfigError, DataError, NotFoundError, UsageError } from '../../src/errors.ts';
import { fixtureCard, fixtureEncoders, fixtureSpec } from './card-fixture.ts';

const AT = '2026-02-01T00:00:00Z';

function card(overrides: Partial<ModelCardInput> = {}): Omit<ModelCardInput, 'version' | 'estimators'> {
  return fixtureCard(overrides);
}

const weights = { neural: { kind: 'neural' } };

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-registry-'));
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe('versions', () => {
  it('numbers versions v0001, v0002, ... from what exists, sorted numerically', () => {
    expect(nextVersion(root, 'lead-conversion')).toBe('v0001');
    expect(saveNewVersion(root, card(), weights).version).toBe('v0001');
    expect(saveNewVersion(root, card(), weights).version).toBe('v0002');
    // A later version with more digits still sorts last.
    fs.cpSync(path.join(root, 'lead-conversion', 'v0002'), path.join(root, 'lead-conversion', 'v10000'), {
      recursive: true,
    });
    expect(listVersions(root, 'lead-conversion')).toEqual(['v0001', 'v0002', 'v10000']);
    expect(nextVersion(root, 'lead-conversion')).toBe('v10001');
  });

  it('lists models with versions and champion, ignoring stray files and temp directories', () => {
    saveNewVersion(root, card(), weights);
    saveNewVersion(root, card({ name: 'churn' }), weights);
    fs.writeFileSync(path.join(root, 'rules.yaml'), 'criteria: []\n');
    fs.mkdirSync(path.join(root, 'lead-conversion', '.tmp-v0002-1-abcd'));
    promote('churn@v0001', { at: AT }, root);
    expect(listModels(root)).toEqual([
      { name: 'churn', versions: ['v0001'], champion: 'v0001' },
      { name: 'lead-conversion', versions: ['v0001'], champion: null },
    ]);
    expect(listModels(path.join(root, 'nowhere'))).toEqual([]);
  });
});

describe('parseRef / resolve / show', () => {
  it('parses name and name@version, refusing anything else', () => {
    expect(parseRef('lead-conversion')).toEqual({ name: 'lead-conversion' });
    expect(parseRef('lead-conversion@v0003')).toEqual({ name: 'lead-conversion', version: 'v0003' });
    expect(() => parseRef('a@b@c')).toThrow(UsageError);
    expect(() => parseRef('lead-conversion@3')).toThrow(UsageError);
    expect(() => parseRef('../x')).toThrow(UsageError);
  });

  it('resolves a name to its champion and a version to itself', () => {
    saveNewVersion(root, card(), weights);
    saveNewVersion(root, card({ metrics: { auc: 0.7 } }), weights);
    promote('lead-conversion@v0001', { at: AT }, root);
    expect(resolve('lead-conversion', root).version).toBe('v0001');
    expect(resolve('lead-conversion@v0002', root)).toEqual({
      name: 'lead-conversion',
      version: 'v0002',
      dir: path.join(root, 'lead-conversion', 'v0002'),
    });
  });

  it('says which models and versions exist when asked for an unknown one', () => {
    saveNewVersion(root, card(), weights);
    saveNewVersion(root, card({ name: 'churn' }), weights);
    try {
      resolve('lead-convresion', root);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(NotFoundError);
      expect((err as NotFoundError).message).toContain('available: churn, lead-conversion');
      expect((err as NotFoundError).hint).toContain("did you mean 'lead-conversion'");
    }
    expect(() => resolve('lead-conversion@v0009', root)).toThrow(/no version v0009.*available: v0001/);
    expect(() => resolve('lead-conversion', root)).toThrow(/no champion yet; available versions: v0001/);
  });

  it('show verifies the artifact and marks the champion', () => {
    saveNewVersion(root, card(), weights);
    promote('lead-conversion@v0001', { at: AT }, root);
    const shown = show('lead-conversion', root);
    expect(shown.isChampion).toBe(true);
    expect(shown.card.metrics.auc).toBe(0.8);
    expect(shown.estimators.neural).toEqual({ kind: 'neural' });
    fs.appendFileSync(path.join(shown.dir, 'neural.json'), ' ');
    expect(() => show('lead-conversion@v0001', root)).toThrow(DataError);
  });
});

describe('promote', () => {
  it('crowns the first version, then only strictly better challengers', () => {
    saveNewVersion(root, card({ metrics: { auc: 0.8, logloss: 0.42 } }), weights); // v0001
    saveNewVersion(root, card({ metrics: { auc: 0.79, logloss: 0.4 } }), weights); // v0002: worse auc, better logloss
    saveNewVersion(root, card({ metrics: { auc: 0.8, logloss: 0.5 } }), weights); // v0003: tie on auc
    saveNewVersion(root, card({ metrics: { auc: 0.83, logloss: 0.39 } }), weights); // v0004: better

    const first = promote('lead-conversion@v0001', { at: AT }, root);
    expect(first).toMatchObject({ promoted: true, previous: null });
    const worse = promote('lead-conversion@v0002', { at: AT }, root);
    expect(worse.promoted).toBe(false);
    expect(worse.reason).toMatch(/auc 0.79 does not beat champion lead-conversion@v0001 auc 0.8/);
    expect(promote('lead-conversion@v0003', { at: AT }, root).promoted).toBe(false);
    expect(readChampion(root, 'lead-conversion')!.version).toBe('v0001');

    const better = promote('lead-conversion@v0004', { at: AT }, root);
    expect(better).toMatchObject({ promoted: true, previous: 'v0001' });
    expect(readChampion(root, 'lead-conversion')).toMatchObject({
      version: 'v0004',
      metric: 'auc',
      value: 0.83,
      previous: 'v0001',
      forced: false,
      promoted_at: AT,
    });
    expect(promote('lead-conversion@v0004', { at: AT }, root)).toMatchObject({
      promoted: false,
      reason: expect.stringMatching(/already the champion/),
    });
  });

  it('knows lower is better for logloss, and honours higherIsBetter', () => {
    saveNewVersion(root, card({ metrics: { auc: 0.8, logloss: 0.42 } }), weights);
    saveNewVersion(root, card({ metrics: { auc: 0.79, logloss: 0.4 } }), weights);
    promote('lead-conversion@v0001', { at: AT }, root);
    expect(promote('lead-conversion@v0002', { at: AT, metric: 'logloss', higherIsBetter: true }, root).promoted).toBe(
      false,
    );
    expect(promote('lead-conversion@v0002', { at: AT, metric: 'logloss' }, root).promoted).toBe(true);
  });

  it('refuses to compare different test windows unless forced, and records the force', () => {
    saveNewVersion(root, card(), weights);
    saveNewVersion(
      root,
      card({
        test_window: { start: '2025-11-01', end: '2026-01-31', snapshots: 3, rows: 300 },
        metrics: { auc: 0.95 },
      }),
      weights,
    );
    promote('lead-conversion@v0001', { at: AT }, root);
    const refused = promote('lead-conversion@v0002', { at: AT }, root);
    expect(refused.promoted).toBe(false);
    expect(refused.reason).toMatch(
      /tested on .*2025-11-01.* but champion lead-conversion@v0001 on .*2025-10-01.*not comparable/,
    );
    const forced = promote('lead-conversion@v0002', { at: AT, force: true }, root);
    expect(forced.promoted).toBe(true);
    expect(readChampion(root, 'lead-conversion')).toMatchObject({ version: 'v0002', forced: true, previous: 'v0001' });
  });

  it('refuses unknown metrics, missing versions, and damaged challengers', () => {
    saveNewVersion(root, card(), weights);
    expect(() => promote('lead-conversion@v0001', { at: AT, metric: 'lift' }, root)).toThrow(ConfigError);
    expect(() => promote('lead-conversion@v0001', { at: AT, metric: 'lift' }, root)).toThrow(/it has: auc, logloss/);
    expect(() => promote('lead-conversion@v0007', { at: AT }, root)).toThrow(NotFoundError);
    expect(() => promote('lead-conversion', { at: AT }, root)).toThrow(UsageError);
    fs.rmSync(path.join(root, 'lead-conversion', 'v0001', 'neural.json'));
    expect(() => promote('lead-conversion@v0001', { at: AT }, root)).toThrow(/neural\.json is missing/);
    expect(readChampion(root, 'lead-conversion')).toBeNull();
  });
});

describe('diff', () => {
  it('puts parameters, features, metrics and windows side by side', () => {
    saveNewVersion(root, card(), weights);
    const spec2 = fixtureSpec(['web_visits_7d']);
    saveNewVersion(
      root,
      card({
        parameters: {
          neural: { hidden: [64, 32], dropout: 0.1 },
          calibration: 'platt',
          bands: { hot: 40, warm: 15 },
          bands_requested: {},
        },
        features: {
          spec: spec2,
          encoders: fixtureEncoders(['email_opens_30d', 'web_visits_7d']),
          columns: ['email_opens_30d', 'web_visits_7d'],
          schema_hash: schemaHash(spec2),
        },
        metrics: { auc: 0.85, logloss: 0.4 },
      }),
      weights,
    );
    const d = diff('lead-conversion@v0001', 'lead-conversion@v0002', root);
    expect(d.a).toBe('lead-conversion@v0001');
    expect(d.parameters.find((r) => r.key === 'neural.hidden')).toEqual({
      key: 'neural.hidden',
      a: [32, 16],
      b: [64, 32],
      changed: true,
    });
    expect(d.parameters.find((r) => r.key === 'neural.dropout')!.changed).toBe(false);
    expect(d.parameters.find((r) => r.key === 'seed')!.changed).toBe(false);
    const auc = d.metrics.find((r) => r.key === 'auc')!;
    expect(auc.changed).toBe(true);
    expect(auc.delta).toBeCloseTo(0.05, 12);
    expect(d.features).toEqual({
      added: ['web_visits_7d'],
      removed: ['industry=retail', 'industry=software'],
      schemaChanged: true,
      schemaHashes: [schemaHash(fixtureSpec()), schemaHash(spec2)],
    });
    expect(d.windows.every((r) => !r.changed)).toBe(true);
  });
});
