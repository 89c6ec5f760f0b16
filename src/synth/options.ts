import fs from 'node:fs';
import { readConfigFile } from '../config-file.ts';
import { closestName, ConfigError, UsageError } from '../errors.ts';
import { parseUtcDate } from '../utc-date.ts';
import { GENERATE_DEFAULTS } from './defaults.ts';
import { DEFAULT_PERSONA_MIX, PERSONAS, type Persona } from './personas.ts';

/** Validated options for `generateCrm`. */
export interface GenerateOptions {
  leads: number;
  seed: number;
  /** first instant leads can be created (UTC) */
  start: Date;
  /** last instant anything can happen (UTC); a bare date means its midnight */
  end: Date;
  /** share of leads that end up closed-won, in (0, 1) */
  conversionRate: number;
  personaMix: Record<Persona, number>;
  /** leads generated and appended per step (bounds memory) */
  chunkSize: number;
  /** horizon of the per-snapshot oracle (`truth_snapshots`), days */
  horizonDays: number;
  /** write `truth_snapshots` (monthly as-of dates) */
  snapshots: boolean;
}

/** Options as they come from flags or callers: strings or numbers, all optional. */
export interface RawGenerateOptions {
  leads?: string | number;
  seed?: string | number;
  start?: string | Date;
  end?: string | Date;
  conversionRate?: string | number;
  /** "ideal=0.1,spam=0.05" or an object */
  personaMix?: string | Partial<Record<string, number>>;
  /** path to a YAML file of persona shares */
  personas?: string;
  chunkSize?: string | number;
  horizonDays?: string | number;
  snapshots?: boolean;
}

export { GENERATE_DEFAULTS };

/** The largest run: ids are L + 7 digits so they sort as text. */
export const MAX_LEADS = 9_999_999;

/** Check and normalize generator options; throws UsageError (ConfigError for a bad personas file). */
export function validateGenerateOptions(raw: RawGenerateOptions = {}): {
  options: GenerateOptions;
  warnings: string[];
} {
  const warnings: string[] = [];
  const leads = wholeNumber('--leads', raw.leads ?? GENERATE_DEFAULTS.leads, 1);
  if (leads > MAX_LEADS)
    throw new UsageError(
      `--leads must be at most ${MAX_LEADS}, got ${leads}`,
      'lead ids are L + 7 digits; generate in several databases for more',
    );
  const seed = wholeNumber('--seed', raw.seed ?? GENERATE_DEFAULTS.seed, -Number.MAX_SAFE_INTEGER);
  const start = utcDate('--start', raw.start ?? GENERATE_DEFAULTS.start);
  const end = utcDate('--end', raw.end ?? GENERATE_DEFAULTS.end);
  if (end.getTime() - start.getTime() < 86_400_000) {
    throw new UsageError(
      `--end (${end.toISOString()}) must be at least one day after --start (${start.toISOString()})`,
      'e.g. --start 2024-01-01 --end 2025-12-31',
    );
  }
  const conversionRate = Number(raw.conversionRate ?? GENERATE_DEFAULTS.conversionRate);
  if (!Number.isFinite(conversionRate) || conversionRate <= 0 || conversionRate >= 1) {
    throw new UsageError(
      `--conversion-rate must be a number strictly between 0 and 1, got "${raw.conversionRate}"`,
      'e.g. --conversion-rate 0.05 for 5%',
    );
  }
  if (raw.personas !== undefined && raw.personaMix !== undefined) {
    throw new UsageError('give either --personas FILE or --persona-mix, not both');
  }
  let given: Partial<Record<Persona, number>> = {};
  if (raw.personas !== undefined) given = readPersonaFile(raw.personas);
  else if (typeof raw.personaMix === 'string') given = parsePersonaMix(raw.personaMix);
  else if (raw.personaMix !== undefined) given = checkShares(raw.personaMix, 'persona mix', (m) => new UsageError(m));
  const personaMix = completeMix(given, warnings);
  const chunkSize = wholeNumber('chunkSize', raw.chunkSize ?? GENERATE_DEFAULTS.chunkSize, 1);
  const horizonDays = wholeNumber('horizonDays', raw.horizonDays ?? GENERATE_DEFAULTS.horizonDays, 1);
  return {
    options: {
      leads,
      seed,
      start,
      end,
      conversionRate,
      personaMix,
      chunkSize,
      horizonDays,
      snapshots: raw.snapshots ?? true,
    },
    warnings,
  };
}

/** Parse `ideal=0.1,spam=0.05` into shares. */
export function parsePersonaMix(text: string): Partial<Record<Persona, number>> {
  const shares: Record<string, number> = {};
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([a-z_]+)\s*=\s*(\S+)$/i.exec(part);
    if (!m)
      throw new UsageError(
        `--persona-mix: cannot read "${part}"`,
        'write name=share pairs separated by commas, e.g. ideal=0.1,spam=0.05',
      );
    shares[m[1].toLowerCase()] = Number(m[2]);
  }
  return checkShares(shares, '--persona-mix', (msg) => new UsageError(msg));
}

// A YAML map of persona shares, optionally under a `personas:` key.
function readPersonaFile(file: string): Partial<Record<Persona, number>> {
  if (!fs.existsSync(file))
    throw new UsageError(`--personas: file not found: ${file}`, 'pass a YAML file like `ideal: 0.1` per line');
  const doc = readConfigFile(file, 'personas file', { bundled: false });
  const body = doc && typeof doc === 'object' && 'personas' in doc ? (doc as { personas: unknown }).personas : doc;
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new ConfigError(`${file}: expected a map of persona shares, e.g. "ideal: 0.1"`);
  }
  return checkShares(body as Record<string, unknown>, file, (m) => new ConfigError(m));
}

function checkShares(
  shares: Record<string, unknown>,
  where: string,
  fail: (msg: string) => Error,
): Partial<Record<Persona, number>> {
  const out: Partial<Record<Persona, number>> = {};
  for (const [name, value] of Object.entries(shares)) {
    if (!(PERSONAS as readonly string[]).includes(name)) {
      const near = closestName(name, PERSONAS);
      throw fail(
        `${where}: unknown persona "${name}"${near ? ` (did you mean "${near}"?)` : ''}; personas are ` +
          `${PERSONAS.join(', ')}`,
      );
    }
    const n = typeof value === 'number' ? value : Number(value);
    if (!Number.isFinite(n) || n < 0 || n > 1)
      throw fail(`${where}: share of "${name}" must be a number in [0, 1], got "${String(value)}"`);
    out[name as Persona] = n;
  }
  return out;
}

// Given shares stay; personas left out share the remainder in their default proportions.
function completeMix(given: Partial<Record<Persona, number>>, warnings: string[]): Record<Persona, number> {
  const named = PERSONAS.filter((p) => given[p] !== undefined);
  const sumGiven = named.reduce((s, p) => s + (given[p] as number), 0);
  const rest = PERSONAS.filter((p) => given[p] === undefined);
  const mix = { ...DEFAULT_PERSONA_MIX } as Record<Persona, number>;
  if (named.length === 0) return mix;
  if (rest.length === 0) {
    if (Math.abs(sumGiven - 1) > 1e-6) {
      throw new UsageError(
        `persona shares sum to ${round(sumGiven)}, not 1`,
        'adjust them so they add up to 1, or leave some personas out to fill the remainder with defaults',
      );
    }
    for (const p of PERSONAS) mix[p] = given[p] as number;
    return mix;
  }
  if (sumGiven > 1 + 1e-9)
    throw new UsageError(
      `persona shares sum to ${round(sumGiven)}, more than 1`,
      'lower them so they add up to at most 1',
    );
  const restDefault = rest.reduce((s, p) => s + DEFAULT_PERSONA_MIX[p], 0);
  for (const p of named) mix[p] = given[p] as number;
  for (const p of rest) mix[p] = ((1 - sumGiven) * DEFAULT_PERSONA_MIX[p]) / restDefault;
  warnings.push(
    `personas not given (${rest.join(', ')}) share the remaining ${round(1 - sumGiven)} in their default proportions`,
  );
  return mix;
}

function wholeNumber(flag: string, raw: string | number, min: number): number {
  const n = typeof raw === 'number' ? raw : raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isSafeInteger(n) || n < min) {
    throw new UsageError(
      min === 1
        ? `${flag} must be a positive whole number, got "${raw}"`
        : `${flag} must be a whole number, got "${raw}"`,
    );
  }
  return n;
}

function utcDate(flag: string, raw: string | Date): Date {
  if (raw instanceof Date) {
    if (Number.isNaN(raw.getTime())) throw new UsageError(`${flag} is not a valid date`);
    return raw;
  }
  const d = parseUtcDate(raw);
  if (!d) {
    throw new UsageError(`${flag} must be a date like 2024-01-01 (UTC), got "${raw}"`);
  }
  return d;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
