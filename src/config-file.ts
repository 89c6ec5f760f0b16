/**
 * The one way leadscore reads a config file (features, rules, pipelines, flat specs, mappings, model
 * cards): YAML or JSON, size- and alias-capped, validated by a zod schema, with errors that name the
 * file, the key path, what is wrong and a "did you mean" for a misspelt key.
 *
 * An error never quotes the file's lines: at most one key name, shortened. Pointing a config option at
 * the wrong file (a password file, a CSV, a binary) must not print that file to a terminal or a log.
 */
import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { resolveBundled } from './bundled.ts';
import { ConfigError, NotFoundError, closestName } from './errors.ts';

/** Config files larger than this are refused: no real config is anywhere near it, and YAML parsing is not free. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
/** YAML aliases allowed per file (the "billion laughs" expansion is stopped long before memory runs out). */
const MAX_ALIASES = 100;
/** Longest key name quoted in an error. */
const MAX_QUOTED_KEY = 40;
/** Issues listed in one error. */
const MAX_ISSUES = 5;

/** Options of readConfigFile. */
export interface ReadConfigOptions {
  /** resolve the package's bundled default when the path is one of them and absent here (default true) */
  bundled?: boolean;
}

/**
 * Read a YAML or JSON file into plain data; a missing file is a NotFoundError, bad syntax a ConfigError with the line.
 */
export function readConfigFile(file: string, what: string, opts: ReadConfigOptions = {}): unknown {
  const resolved = opts.bundled === false ? file : resolveBundled(file);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(resolved);
  } catch {
    throw new NotFoundError(`${what} not found: ${resolved}`, 'check the path');
  }
  if (!stat.isFile()) throw new ConfigError(`${what} ${resolved} is not a file`, 'pass the path of a YAML file');
  if (stat.size > MAX_CONFIG_BYTES) {
    throw new ConfigError(
      `${what} ${resolved} is ${(stat.size / 1048576).toFixed(1)} MiB; config files are limited to ` +
        `${MAX_CONFIG_BYTES / 1048576} MiB`,
      `check that ${resolved} really is the ${what}`,
    );
  }
  const text = fs.readFileSync(resolved, 'utf8');
  if (text.includes('\u0000')) {
    throw new ConfigError(`${what} ${resolved} is a binary file, not YAML`, `check that it really is the ${what}`);
  }
  try {
    return parseYaml(text, { maxAliasCount: MAX_ALIASES, prettyErrors: false }) ?? {};
  } catch (err) {
    if (/alias count/i.test((err as Error).message))
      throw new ConfigError(
        `${resolved}: more than ${MAX_ALIASES} YAML aliases (*name); refused, as expanding them could exhaust memory`,
        `write the values out, or check that ${resolved} really is the ${what}`,
      );
    const place = syntaxPlace(err);
    throw new ConfigError(
      `${resolved}: not valid YAML${place}`,
      place ? 'fix the YAML syntax at the line shown' : `check that ${resolved} really is the ${what}`,
    );
  }
}

/** Validate plain data with a zod schema; on failure a ConfigError naming `where`, the key path and the problem. */
export function parseConfig<S extends z.ZodType>(schema: S, value: unknown, where: string, hint?: string): z.infer<S> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  throw configErrorFromZod(schema, parsed.error, value, where, hint);
}

/** readConfigFile + parseConfig. */
export function loadConfigFile<S extends z.ZodType>(schema: S, file: string, what: string, hint?: string): z.infer<S> {
  return parseConfig(schema, readConfigFile(file, what), resolveBundled(file), hint);
}

/**
 * The ConfigError for a failed zod parse: one line per problem, `where: key.path: zod's message`, where
 * a list entry with a name shows it (`features[3] (email_opens)`), and "did you mean" for a misspelt key.
 */
export function configErrorFromZod(
  schema: z.ZodType,
  error: z.ZodError,
  value: unknown,
  where: string,
  hint?: string,
): ConfigError {
  if (value === null || typeof value !== 'object') {
    return new ConfigError(
      `${where}: expected a mapping of keys (key: value lines), found ${value === null ? 'nothing' : typeof value}`,
      hint ?? 'check that this is the right file',
    );
  }
  const lines = error.issues.slice(0, MAX_ISSUES).map((issue) => {
    const at = formatPath(issue.path, value);
    return `${where}: ${at ? `${at}: ` : ''}${issueMessage(issue)}`;
  });
  if (error.issues.length > MAX_ISSUES) lines.push(`... and ${error.issues.length - MAX_ISSUES} more problems`);
  let suggestion: string | undefined;
  const unknown = error.issues.find((i) => i.code === 'unrecognized_keys');
  if (unknown && unknown.code === 'unrecognized_keys') {
    const known = knownKeysAt(schema, unknown.path, value);
    const guess = known ? closestName(String(unknown.keys[0]), known) : undefined;
    if (guess) suggestion = `did you mean "${guess}"?`;
    else if (known && known.length <= 20) suggestion = `allowed keys here: ${known.join(', ')}`;
  }
  return new ConfigError(lines.join('\n'), [suggestion, hint].filter(Boolean).join('; ') || undefined);
}

// zod's wording, except that unknown keys come from the file: only the first is quoted, shortened.
function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code !== 'unrecognized_keys') return issue.message;
  const [first, ...rest] = issue.keys;
  const others = rest.length ? ` (and ${rest.length} other unknown key${rest.length > 1 ? 's' : ''})` : '';
  return `unknown key ${quoteUnknownKey(first)}${others}`;
}

function shortKey(k: PropertyKey): string {
  const clean = String(k).replace(/[^\x20-\x7e]/g, '?');
  return clean.length > MAX_QUOTED_KEY ? `${clean.slice(0, MAX_QUOTED_KEY)}…` : clean;
}

/**
 * An unknown key from a file as an error may show it: `"name"` when it looks like a key someone typed
 * (letters, digits, _ - . and spaces, at most 40 characters), otherwise a description only. A line of a
 * password file or a CSV header parses as one long YAML key; quoting it would print the file.
 */
export function quoteUnknownKey(k: PropertyKey): string {
  const s = String(k);
  return /^[A-Za-z0-9_][A-Za-z0-9_ .-]{0,39}$/.test(s)
    ? `"${s}"`
    : `(not shown: ${s.length} characters that do not look like a key name; is this the right file?)`;
}

/** A key path as `a.b[2] (name).c`: list entries that have a `name` show it, keys longer than 40 chars are cut. */
export function formatPath(p: readonly PropertyKey[], value: unknown): string {
  let out = '';
  let node: unknown = value;
  for (const seg of p) {
    if (typeof seg === 'number') {
      out += `[${seg}]`;
      node = Array.isArray(node) ? node[seg] : undefined;
      const name = node && typeof node === 'object' ? (node as Record<string, unknown>).name : undefined;
      if (typeof name === 'string') out += ` (${shortKey(name)})`;
    } else {
      out += (out ? '.' : '') + shortKey(seg);
      node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[seg] : undefined;
    }
  }
  return out;
}

// "at line 3, column 5" from the yaml library's error, without its excerpt of the file.
function syntaxPlace(err: unknown): string {
  const linePos = (err as { linePos?: Array<{ line: number; col: number }> }).linePos;
  if (linePos?.[0]) return ` at line ${linePos[0].line}, column ${linePos[0].col}`;
  return '';
}

/** The keys a schema allows for the object at `path` in `value` (unions: every option's keys). */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[], value: unknown): string[] | undefined {
  let nodes: z.ZodType[] = [schema];
  let node: unknown = value;
  for (const seg of path) {
    nodes = nodes.flatMap((s) => childSchemas(unwrap(s), seg, node));
    node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[seg] : undefined;
    if (nodes.length === 0) return undefined;
  }
  const keys = nodes.flatMap((s) => objectKeys(unwrap(s), node));
  return keys.length ? [...new Set(keys)] : undefined;
}

function unwrap(s: z.ZodType): z.ZodType {
  let cur = s as z.ZodType & { _zod: { def: Record<string, unknown> } };
  for (let i = 0; i < 20; i++) {
    const def = cur._zod.def;
    const inner = (def.innerType ?? (def.type === 'pipe' ? def.in : undefined)) as typeof cur | undefined;
    if (!inner) return cur;
    cur = inner;
  }
  return cur;
}

function options(s: z.ZodType, value: unknown): z.ZodType[] {
  if (s instanceof z.ZodDiscriminatedUnion || s instanceof z.ZodUnion) {
    const all = (s.options as z.ZodType[]).flatMap((o) => options(unwrap(o), value));
    // prefer the options whose discriminator (a literal) matches the value
    const matching = all.filter((o) => literalsMatch(o, value));
    return matching.length ? matching : all;
  }
  return [s];
}

function literalsMatch(o: z.ZodType, value: unknown): boolean {
  if (!(o instanceof z.ZodObject) || !value || typeof value !== 'object') return false;
  return Object.entries(o.shape as Record<string, z.ZodType>).every(([k, v]) => {
    const inner = unwrap(v);
    return !(inner instanceof z.ZodLiteral) || inner.values.has((value as Record<string, unknown>)[k] as never);
  });
}

function childSchemas(s: z.ZodType, seg: PropertyKey, value: unknown): z.ZodType[] {
  return options(s, value).flatMap((o) => {
    if (o instanceof z.ZodObject) {
      const child = (o.shape as Record<string, z.ZodType>)[String(seg)];
      return child ? [child] : [];
    }
    if (o instanceof z.ZodArray) return [o.element as z.ZodType];
    if (o instanceof z.ZodRecord) return [o.valueType as z.ZodType];
    return [];
  });
}

function objectKeys(s: z.ZodType, value: unknown): string[] {
  return options(s, value).flatMap((o) => (o instanceof z.ZodObject ? Object.keys(o.shape) : []));
}
