/**
 * Model artifacts: one directory per trained version, `models/<name>/<version>/`, holding
 *
 *   model.json      the model card (what was trained, on what, how well; see ModelCardSchema)
 *   <estimator>.json one weights file per estimator (logistic.json, neural.json, ...)
 *   checksums.json  sha256 of every other file
 *
 * Written atomically (temp directory next to the target, then rename) and never overwritten;
 * loaded only after every checksum matches, so a damaged artifact is refused, not half-used.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';
import { syncDirectory, writeFileDurable } from '../atomic-file.ts';
import { configErrorFromZod } from '../config-file.ts';
import { ConfigError, DataError } from '../errors.ts';
import { ESTIMATOR_NAME, ModelCardSchema, type ModelCard, type ModelCardInput } from '../schema/model-card.ts';

export { ESTIMATOR_NAME, MODEL_NAME, ModelCardSchema, VERSION, WindowSchema } from '../schema/model-card.ts';
export type { ModelCard, ModelCardInput } from '../schema/model-card.ts';

/** Prefix of the temp directories an artifact is assembled in before its rename. */
const TEMP_PREFIX = '.tmp-';

export const CARD_FILE = 'model.json';
export const CHECKSUM_FILE = 'checksums.json';

/** What loadArtifact returns: the verified card and each estimator's parsed JSON by stem. */
export interface LoadedArtifact {
  dir: string;
  card: ModelCard;
  estimators: Record<string, unknown>;
}

const ChecksumsSchema = z
  .object({
    algorithm: z.literal('sha256'),
    files: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
  })
  .strict();

const RESTORE_HINT = 'retrain the model (leadscore train) or restore this directory from a backup';

/** sha256 (hex) of the canonical JSON of a feature spec: key order and whitespace do not matter. */
export function schemaHash(featureSpec: unknown): string {
  return sha256(canonicalJson(featureSpec));
}

/** Refuse to score with a model trained on a different feature schema, naming both hashes. */
export function assertSchemaMatches(card: ModelCard, currentHash: string): void {
  const trained = card.features.schema_hash;
  if (trained === currentHash) return;
  throw new DataError(
    `model ${card.name}@${card.version} was trained on feature schema ${trained}, but the current feature ` +
      `definitions hash to ${currentHash}`,
    `retrain on the current features (leadscore train), or restore the feature definitions the model was trained with`,
  );
}

/** JSON with object keys sorted at every level, no whitespace; refuses values JSON cannot hold exactly. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalize(value, '$'));
}

function canonicalize(value: unknown, where: string): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ConfigError(`${where} is ${value}, which JSON cannot represent`);
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => canonicalize(v === undefined ? null : v, `${where}[${i}]`));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = canonicalize(v, `${where}.${key}`);
    }
    return out;
  }
  throw new ConfigError(`${where} is a ${typeof value}, which JSON cannot represent`);
}

/** Versions of the libraries that shape a model's numbers, for the card's library_versions. */
export function libraryVersions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const out: Record<string, string> = { node: process.versions.node };
  for (const pkg of ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'zod', 'ml-matrix']) {
    try {
      out[pkg] = (require(`${pkg}/package.json`) as { version: string }).version;
    } catch {
      // Not installed (or exports hide package.json): leave it out rather than guess.
    }
  }
  return out;
}

/** The directory of one version: <root>/<name>/<version>. */
export function artifactDir(root: string, name: string, version: string): string {
  return path.join(root, name, version);
}

/**
 * Write card + estimator weights + checksums into <root>/<name>/<version>/ atomically.
 * Refuses to overwrite an existing version (versions are immutable); returns the directory.
 */
export function writeArtifact(root: string, cardInput: ModelCardInput, estimators: Record<string, unknown>): string {
  const stems = Object.keys(estimators).sort();
  for (const stem of stems) {
    if (!ESTIMATOR_NAME.test(stem) || stem === 'model' || stem === 'checksums') {
      throw new ConfigError(
        `estimator name '${stem}' cannot be used as a file name in an artifact`,
        'use lowercase letters, digits, _ or -, e.g. "neural"',
      );
    }
  }
  const card = parseCard({ ...cardInput, estimators: stems }, 'model card');
  const target = artifactDir(root, card.name, card.version);
  if (fs.existsSync(target)) {
    throw new ConfigError(
      `model ${card.name}@${card.version} already exists at ${target}`,
      'versions are immutable: save under the next version',
    );
  }
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true });
  removeAbandonedTemps(parent);
  // Same parent directory as the target, so the final rename is atomic (same filesystem).
  const temp = path.join(parent, `${TEMP_PREFIX}${card.version}-${process.pid}-${randomBytes(4).toString('hex')}`);
  fs.mkdirSync(temp);
  try {
    const files: Record<string, string> = {};
    files[CARD_FILE] = writeJsonFile(path.join(temp, CARD_FILE), card);
    for (const stem of stems) files[`${stem}.json`] = writeJsonFile(path.join(temp, `${stem}.json`), estimators[stem]);
    writeJsonFile(path.join(temp, CHECKSUM_FILE), { algorithm: 'sha256', files });
    syncDirectory(temp);
    fs.renameSync(temp, target);
    syncDirectory(parent);
  } catch (err) {
    fs.rmSync(temp, { recursive: true, force: true });
    if (isErrno(err, 'ENOTEMPTY') || isErrno(err, 'EEXIST')) {
      throw new ConfigError(
        `model ${card.name}@${card.version} was written by someone else meanwhile at ${target}`,
        'save under the next version',
      );
    }
    throw err;
  }
  return target;
}

/** Load an artifact after verifying every checksum; a missing or altered file is a DataError naming it. */
export function loadArtifact(dir: string): LoadedArtifact {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new DataError(
      `model artifact directory ${dir} does not exist`,
      'check the models root and the name@version, or retrain',
    );
  }
  const checksums = readChecksums(dir);
  for (const [file, expected] of Object.entries(checksums.files)) {
    const full = path.join(dir, file);
    if (path.basename(file) !== file)
      throw new DataError(
        `${path.join(dir, CHECKSUM_FILE)} lists '${file}', which is outside the artifact`,
        RESTORE_HINT,
      );
    if (!fs.existsSync(full)) throw new DataError(`model artifact file ${full} is missing`, RESTORE_HINT);
    const actual = sha256(fs.readFileSync(full));
    if (actual !== expected) {
      throw new DataError(
        `model artifact file ${full} is corrupted: its sha256 is ${actual}, checksums.json says ${expected}`,
        RESTORE_HINT,
      );
    }
  }
  if (!(CARD_FILE in checksums.files))
    throw new DataError(`${path.join(dir, CHECKSUM_FILE)} does not cover ${CARD_FILE}`, RESTORE_HINT);
  const card = parseCard(readJsonFile(path.join(dir, CARD_FILE)), path.join(dir, CARD_FILE));
  const estimators: Record<string, unknown> = {};
  for (const stem of card.estimators) {
    const file = `${stem}.json`;
    if (!(file in checksums.files))
      throw new DataError(
        `${path.join(dir, CHECKSUM_FILE)} does not cover ${file}, listed in the model card`,
        RESTORE_HINT,
      );
    estimators[stem] = readJsonFile(path.join(dir, file));
  }
  return { dir, card, estimators };
}

/** Read and validate only the model card (no checksum pass): for listings. */
export function readModelCard(dir: string): ModelCard {
  const file = path.join(dir, CARD_FILE);
  if (!fs.existsSync(file)) throw new DataError(`model card ${file} is missing`, RESTORE_HINT);
  return parseCard(readJsonFile(file), file);
}

function readChecksums(dir: string): z.infer<typeof ChecksumsSchema> {
  const file = path.join(dir, CHECKSUM_FILE);
  if (!fs.existsSync(file))
    throw new DataError(`model artifact file ${file} is missing, so the artifact cannot be verified`, RESTORE_HINT);
  const parsed = ChecksumsSchema.safeParse(readJsonFile(file));
  if (!parsed.success)
    throw new DataError(`model artifact file ${file} is malformed: ${z.prettifyError(parsed.error)}`, RESTORE_HINT);
  return parsed.data;
}

function parseCard(value: unknown, where: string): ModelCard {
  const parsed = ModelCardSchema.safeParse(value);
  if (!parsed.success)
    throw configErrorFromZod(ModelCardSchema, parsed.error, value, `model card ${where}`, RESTORE_HINT);
  return parsed.data;
}

function readJsonFile(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new DataError(`model artifact file ${file} is not valid JSON (${(err as Error).message})`, RESTORE_HINT);
  }
}

/** Write pretty JSON, flushed to disk before the directory rename publishes it; returns its sha256. */
function writeJsonFile(file: string, value: unknown): string {
  const text = JSON.stringify(value, null, 2) + '\n';
  writeFileDurable(file, text);
  return sha256(text);
}

/**
 * Temp directories of writers that died before their rename (killed mid-train): removed so they do
 * not pile up. Only those whose process is gone: a live writer's directory is left alone.
 */
function removeAbandonedTemps(parent: string): void {
  for (const entry of fs.readdirSync(parent)) {
    const m = /^\.tmp-v\d+-(\d+)-[0-9a-f]+$/.exec(entry);
    if (!m || processAlive(Number(m[1]))) continue;
    fs.rmSync(path.join(parent, entry), { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return isErrno(err, 'EPERM'); // exists, but not ours to signal
  }
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
