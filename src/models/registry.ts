/**
 * The model registry: the versions under a models root, the champion of each model, and the
 * promotion rule that protects it.
 *
 *   models/<name>/<version>/   artifacts (see artifact.ts), versions v0001, v0002, ...
 *   models/<name>/champion.json  which version scores in production, and why
 *
 * A challenger replaces the champion only if it is strictly better on the chosen metric, measured
 * on the same test window; anything else needs `force` and is recorded as forced.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { closestName, ConfigError, NotFoundError, UsageError } from '../errors.ts';
import {
  CARD_FILE,
  MODEL_NAME,
  VERSION,
  artifactDir,
  canonicalJson,
  loadArtifact,
  readModelCard,
  writeArtifact,
  type LoadedArtifact,
  type ModelCard,
  type ModelCardInput,
} from './artifact.ts';

/** Where trained artifacts live unless told otherwise (relative to the working directory). */
export const DEFAULT_MODELS_ROOT = 'models';
const CHAMPION_FILE = 'champion.json';

/** Metrics where lower is better; any other metric is taken as higher-is-better unless told. */
const LOWER_IS_BETTER = new Set(['logloss', 'log_loss', 'brier', 'ece', 'mce']);

/** champion.json: the production version of a model and the decision that put it there. */
export const ChampionSchema = z
  .object({
    version: z.string().regex(VERSION),
    promoted_at: z.string(),
    metric: z.string(),
    value: z.number().nullable(),
    previous: z.string().nullable(),
    forced: z.boolean(),
    reason: z.string(),
  })
  .strict();

export type Champion = z.infer<typeof ChampionSchema>;

/** A model and its versions, for listings. */
export interface ModelListing {
  name: string;
  versions: string[];
  champion: string | null;
}

/** A parsed `name` or `name@version` reference. */
export interface ModelRef {
  name: string;
  version?: string;
}

/** Options for promote. */
export interface PromoteOptions {
  /** ISO timestamp recorded in champion.json (callers pass the clock: only the CLI reads it) */
  at: string;
  /** metric in the cards' `metrics` to compare (default auc) */
  metric?: string;
  /** default: false for logloss/brier/ece, true otherwise */
  higherIsBetter?: boolean;
  /** promote even if not better or measured on another test window (recorded as forced) */
  force?: boolean;
}

/** The outcome of a promotion request: promoted or not, and why in words. */
export interface PromotionResult {
  promoted: boolean;
  name: string;
  version: string;
  previous: string | null;
  reason: string;
}

/** Parse `name` or `name@version`; a UsageError if it is neither. */
export function parseRef(ref: string): ModelRef {
  const [name, version, ...rest] = ref.split('@');
  if (rest.length > 0 || !MODEL_NAME.test(name) || (version !== undefined && !VERSION.test(version))) {
    throw new UsageError(`'${ref}' is not a model reference`, 'write name or name@version, e.g. lead-conversion@v0003');
  }
  return version === undefined ? { name } : { name, version };
}

/** Model names under the root (directories holding at least one version), sorted. */
export function listModelNames(root: string = DEFAULT_MODELS_ROOT): string[] {
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && MODEL_NAME.test(e.name) && listVersions(root, e.name).length > 0)
    .map((e) => e.name)
    .sort();
}

/** Versions of a model in ascending order ([] if the model does not exist). */
export function listVersions(root: string, name: string): string[] {
  const dir = path.join(root, name);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && VERSION.test(e.name) && fs.existsSync(path.join(dir, e.name, CARD_FILE)))
    .map((e) => e.name)
    .sort(compareVersions);
}

/** Every model with its versions and champion. */
export function listModels(root: string = DEFAULT_MODELS_ROOT): ModelListing[] {
  return listModelNames(root).map((name) => ({
    name,
    versions: listVersions(root, name),
    champion: readChampion(root, name)?.version ?? null,
  }));
}

/** The version after the highest existing one (v0001 for a new model). */
export function nextVersion(root: string, name: string): string {
  const versions = listVersions(root, name);
  const last = versions.length > 0 ? versionNumber(versions[versions.length - 1]) : 0;
  return formatVersion(last + 1);
}

/** Save a new version of card.name under the next free version; returns its version and directory. */
export function saveNewVersion(
  root: string,
  card: Omit<ModelCardInput, 'version' | 'estimators'>,
  estimators: Record<string, unknown>,
): { version: string; dir: string } {
  // Two trainings may race for the same number: the loser moves on to the next one.
  for (let attempt = 0; attempt < 5; attempt++) {
    const version = nextVersion(root, card.name);
    try {
      return { version, dir: writeArtifact(root, { ...card, version }, estimators) };
    } catch (err) {
      if (!(err instanceof ConfigError && /already exists|meanwhile/.test(err.message))) throw err;
    }
  }
  throw new ConfigError(
    `could not find a free version for model ${card.name} under ${root}`,
    'another process keeps saving versions; retry',
  );
}

/** The champion record of a model, or null if none was promoted. */
export function readChampion(root: string, name: string): Champion | null {
  const file = path.join(root, name, CHAMPION_FILE);
  if (!fs.existsSync(file)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(
      `${file} is not valid JSON (${(err as Error).message})`,
      `promote a version again (leadscore models promote ${name}@<version> --force)`,
    );
  }
  const parsed = ChampionSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      `${file} is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

/** `name` -> its champion, `name@version` -> that version; unknown names/versions list what exists. */
export function resolve(
  ref: string,
  root: string = DEFAULT_MODELS_ROOT,
): { name: string; version: string; dir: string } {
  const { name, version } = parseRef(ref);
  const versions = requireModel(root, name);
  if (version !== undefined) {
    if (!versions.includes(version)) {
      throw new NotFoundError(
        `model ${name} has no version ${version} under ${root}; available: ${versions.join(', ')}`,
        `use one of: ${versions.map((v) => `${name}@${v}`).join(', ')}`,
      );
    }
    return { name, version, dir: artifactDir(root, name, version) };
  }
  const champion = readChampion(root, name);
  if (!champion) {
    throw new NotFoundError(
      `model ${name} has no champion yet; available versions: ${versions.join(', ')}`,
      `promote one (leadscore models promote ${name}@${versions[versions.length - 1]}) or name a version`,
    );
  }
  if (!versions.includes(champion.version)) {
    throw new NotFoundError(
      `model ${name}'s champion ${champion.version} is missing from ${root}; available versions: ` +
        `${versions.join(', ')}`,
      `restore ${champion.version} or promote another version with --force`,
    );
  }
  return { name, version: champion.version, dir: artifactDir(root, name, champion.version) };
}

/** The verified artifact behind a reference, plus whether it is the champion. */
export function show(
  ref: string,
  root: string = DEFAULT_MODELS_ROOT,
): LoadedArtifact & { name: string; version: string; isChampion: boolean } {
  const resolved = resolve(ref, root);
  const artifact = loadArtifact(resolved.dir);
  return {
    ...artifact,
    name: resolved.name,
    version: resolved.version,
    isChampion: readChampion(root, resolved.name)?.version === resolved.version,
  };
}

/** Make name@version the champion if it beats the current one on the metric over the same test window. */
export function promote(ref: string, options: PromoteOptions, root: string = DEFAULT_MODELS_ROOT): PromotionResult {
  const { name, version } = parseRef(ref);
  if (version === undefined)
    throw new UsageError(
      `promote needs an explicit version, got '${ref}'`,
      `e.g. ${name}@${nextVersionHint(root, name)}`,
    );
  resolve(ref, root); // NotFoundError listing the versions if it does not exist
  const metric = options.metric ?? 'auc';
  const higherIsBetter = options.higherIsBetter ?? !LOWER_IS_BETTER.has(metric);
  const force = options.force ?? false;
  // Verify the challenger's checksums: never crown a damaged artifact.
  const challenger = loadArtifact(artifactDir(root, name, version)).card;
  const value = challenger.metrics[metric];
  const current = readChampion(root, name);
  const result = (promoted: boolean, reason: string): PromotionResult => ({
    promoted,
    name,
    version,
    previous: current?.version ?? null,
    reason,
  });

  if (current?.version === version) return result(false, `${name}@${version} is already the champion`);
  if (value === undefined && !force) {
    throw new ConfigError(
      `${name}@${version} has no '${metric}' in its metrics (it has: ` +
        `${Object.keys(challenger.metrics).join(', ') || 'none'})`,
      'choose another --metric or retrain',
    );
  }
  let reason: string;
  if (!current) {
    reason = `first champion of ${name}`;
  } else {
    const champion = readModelCard(artifactDir(root, name, current.version));
    const verdict = compare(challenger, champion, metric, higherIsBetter);
    if (!verdict.ok && !force) return result(false, verdict.reason);
    reason = verdict.ok ? verdict.reason : `forced: ${verdict.reason}`;
  }
  writeChampion(root, name, {
    version,
    promoted_at: options.at,
    metric,
    value: value ?? null,
    previous: current?.version ?? null,
    forced: force && reason.startsWith('forced'),
    reason,
  });
  return result(true, reason);
}

// ---------------------------------------------------------------------------------------------

function compare(
  challenger: ModelCard,
  champion: ModelCard,
  metric: string,
  higherIsBetter: boolean,
): { ok: boolean; reason: string } {
  const ch = `${challenger.name}@${challenger.version}`;
  const cp = `${champion.name}@${champion.version}`;
  if (canonicalJson(challenger.test_window) !== canonicalJson(champion.test_window)) {
    return {
      ok: false,
      reason:
        `${ch} was tested on ${canonicalJson(challenger.test_window)} but champion ${cp} on ` +
        `${canonicalJson(champion.test_window)}; metrics from different windows are not comparable (retrain ` +
        `both on one window, or use --force)`,
    };
  }
  const a = challenger.metrics[metric];
  const b = champion.metrics[metric];
  if (a === undefined || b === undefined) {
    return {
      ok: false,
      reason: `${metric} is missing from ${a === undefined ? ch : cp}'s metrics, so the two cannot be compared`,
    };
  }
  const better = higherIsBetter ? a > b : a < b;
  const direction = higherIsBetter ? 'higher' : 'lower';
  return better
    ? { ok: true, reason: `${ch} ${metric} ${a} beats champion ${cp} ${metric} ${b} (${direction} is better)` }
    : {
        ok: false,
        reason: `${ch} ${metric} ${a} does not beat champion ${cp} ${metric} ${b} (${direction} is better)`,
      };
}

function requireModel(root: string, name: string): string[] {
  const versions = listVersions(root, name);
  if (versions.length > 0) return versions;
  const names = listModelNames(root);
  const guess = closestName(name, names);
  throw new NotFoundError(
    `no model named '${name}' under ${root}; available: ${names.length > 0 ? names.join(', ') : 'none'}`,
    guess ? `did you mean '${guess}'?` : 'train one first (leadscore train), or point to another models root',
  );
}

/** Replace champion.json atomically: temp file in the same directory, then rename. */
function writeChampion(root: string, name: string, champion: Champion): void {
  const file = path.join(root, name, CHAMPION_FILE);
  const temp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fd = fs.openSync(temp, 'wx');
  try {
    fs.writeFileSync(fd, JSON.stringify(ChampionSchema.parse(champion), null, 2) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
}

function nextVersionHint(root: string, name: string): string {
  const versions = listVersions(root, name);
  return versions[versions.length - 1] ?? 'v0001';
}

function versionNumber(version: string): number {
  return Number(version.slice(1));
}

function formatVersion(n: number): string {
  return `v${String(n).padStart(4, '0')}`;
}

function compareVersions(a: string, b: string): number {
  return versionNumber(a) - versionNumber(b);
}

/** Nested records -> dotted keys; arrays and scalars are leaves. */

export { diff } from './registry-diff.ts';
export type { DiffRow, ModelDiff } from './registry-diff.ts';
