import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  assertSchemaMatches,
  canonicalJson,
  libraryVersions,
  loadArtifact,
  schemaHash,
  writeArtifact,
  type ModelCardInput,
} from '../../src/models/artifact.ts';
import { ConfigError, DataError } from '../../src/errors.ts';
import { fixtureCard, fixtureSpec } from './card-fixture.ts';

const featureSpec = fixtureSpec();

/** A complete card as the training pipeline would build it. */
function sampleCard(overrides: Partial<ModelCardInput> = {}): ModelCardInput {
  return { version: 'v0001', ...fixtureCard(overrides) } as ModelCardInput;
}

const estimators = {
  logistic: { kind: 'logistic', state: { coef: [0.1, -0.2, 0.3] } },
  neural: { kind: 'neural', state: { layers: [] } },
};

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-artifact-'));
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe('schemaHash', () => {
  it('ignores key order and whitespace but not values or array order', () => {
    const a = schemaHash({ x: 1, y: { b: [1, 2], a: 'q' } });
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(schemaHash(JSON.parse('{ "y": { "a": "q", "b": [1, 2] }, "x": 1 }'))).toBe(a);
    expect(schemaHash({ x: 1, y: { b: [2, 1], a: 'q' } })).not.toBe(a);
    expect(schemaHash({ x: 2, y: { b: [1, 2], a: 'q' } })).not.toBe(a);
    expect(canonicalJson({ b: 1, a: { d: 2, c: undefined } })).toBe('{"a":{"d":2},"b":1}');
  });

  it('refuses values JSON cannot hold', () => {
    expect(() => schemaHash({ x: NaN })).toThrow(/\$\.x is NaN/);
  });

  it('assertSchemaMatches names both hashes and what to do', () => {
    const card = { ...sampleCard(), estimators: [] } as never;
    expect(() => assertSchemaMatches(card, schemaHash(featureSpec))).not.toThrow();
    const other = schemaHash({ ...featureSpec, horizon_days: 60 });
    try {
      assertSchemaMatches(card, other);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(DataError);
      expect((err as DataError).message).toContain(schemaHash(featureSpec));
      expect((err as DataError).message).toContain(other);
      expect((err as DataError).hint).toMatch(/retrain/);
    }
  });
});

describe('writeArtifact / loadArtifact', () => {
  it('writes card, one weights file per estimator and checksums, and loads them back', () => {
    const dir = writeArtifact(root, sampleCard(), estimators);
    expect(dir).toBe(path.join(root, 'lead-conversion', 'v0001'));
    expect(fs.readdirSync(dir).sort()).toEqual(['checksums.json', 'logistic.json', 'model.json', 'neural.json']);
    const checksums = JSON.parse(fs.readFileSync(path.join(dir, 'checksums.json'), 'utf8'));
    expect(Object.keys(checksums.files).sort()).toEqual(['logistic.json', 'model.json', 'neural.json']);
    const loaded = loadArtifact(dir);
    expect(loaded.card.estimators).toEqual(['logistic', 'neural']);
    expect(loaded.card.metrics).toEqual({ auc: 0.8, logloss: 0.42 });
    expect(loaded.card.features.spec).toEqual(featureSpec);
    expect(loaded.estimators).toEqual(estimators);
    // No temp directories left behind.
    expect(fs.readdirSync(path.join(root, 'lead-conversion'))).toEqual(['v0001']);
  });

  it('refuses a corrupted file, naming it and how to fix it', () => {
    const dir = writeArtifact(root, sampleCard(), estimators);
    const file = path.join(dir, 'neural.json');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"layers"', '"layerz"'));
    try {
      loadArtifact(dir);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(DataError);
      expect((err as DataError).message).toContain(file);
      expect((err as DataError).message).toMatch(/corrupted/);
      expect((err as DataError).hint).toMatch(/retrain|restore/);
    }
  });

  it('refuses a missing weights file, model card or checksums file', () => {
    for (const victim of ['logistic.json', 'model.json', 'checksums.json']) {
      const dir = writeArtifact(
        root,
        sampleCard({ version: `v000${['logistic.json', 'model.json', 'checksums.json'].indexOf(victim) + 1}` }),
        estimators,
      );
      fs.rmSync(path.join(dir, victim));
      expect(() => loadArtifact(dir)).toThrow(DataError);
      expect(() => loadArtifact(dir)).toThrow(new RegExp(`${victim.replace('.', '\\.')} is missing`));
    }
  });

  it('refuses a missing directory with a DataError', () => {
    expect(() => loadArtifact(path.join(root, 'nope', 'v0001'))).toThrow(/does not exist/);
  });

  it('never overwrites an existing version', () => {
    writeArtifact(root, sampleCard(), estimators);
    expect(() => writeArtifact(root, sampleCard({ metrics: { auc: 0.99 } }), estimators)).toThrow(/already exists/);
    expect(loadArtifact(path.join(root, 'lead-conversion', 'v0001')).card.metrics.auc).toBe(0.8);
  });

  it('leaves nothing behind when a write fails half-way', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => writeArtifact(root, sampleCard(), { logistic: estimators.logistic, neural: circular })).toThrow();
    expect(fs.readdirSync(path.join(root, 'lead-conversion'))).toEqual([]);
  });

  it('validates the card with zod', () => {
    expect(() => writeArtifact(root, sampleCard({ version: '1' }), estimators)).toThrow(ConfigError);
    expect(() => writeArtifact(root, sampleCard({ version: '1' }), estimators)).toThrow(/version/);
    expect(() => writeArtifact(root, sampleCard({ name: '../evil' }), estimators)).toThrow(/name/);
    expect(() => writeArtifact(root, { ...sampleCard(), metrics: { auc: 'high' } } as never, estimators)).toThrow(
      /metrics\.auc/,
    );
    expect(() => writeArtifact(root, sampleCard(), { 'Bad Name': {} })).toThrow(/cannot be used as a file name/);
  });

  it('reports library versions', () => {
    const v = libraryVersions();
    expect(v.node).toBe(process.versions.node);
    expect(v['@tensorflow/tfjs']).toMatch(/^\d+\.\d+\.\d+/);
  });
});
