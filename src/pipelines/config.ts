import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { loadConfigFile, parseConfig, readConfigFile } from '../config-file.ts';
import { ConfigError } from '../errors.ts';

const PIPELINE_HINT = 'see pipelines/README.md for the keys and their defaults';

export { BandThresholds, ScorePipelineConfig, TrainPipelineConfig } from '../schema/pipeline-config.ts';

/** Keys of pipeline files that name files or folders: they must stay inside the project (see checkProjectPath). */
export const PATH_KEYS = ['db', 'features', 'rules', 'models_dir'] as const;

/** Options of loadPipelineConfig. */
export interface LoadPipelineOptions {
  /** keys the command line sets instead (their values in the file are not used, so not checked) */
  overridden?: readonly string[];
  /** the project folder paths must stay in (default: the working directory) */
  root?: string;
}

/**
 * Read and validate a pipeline YAML file; a missing file yields the defaults only when `optional`. Paths
 * in the file (db, features, rules, models_dir) must stay inside the project unless the file says
 * `allow_outside_project: true`: a pipeline file is config, and config must not steer leadscore to read
 * or write anywhere on the machine. Paths given on the command line are the user's own choice.
 */
export function loadPipelineConfig<S extends z.ZodType>(
  schema: S,
  file: string | undefined,
  optional: boolean,
  opts: LoadPipelineOptions = {},
): z.infer<S> {
  if (!file || (optional && !fs.existsSync(file))) return parseConfig(schema, {}, 'pipeline defaults');
  if (!fs.existsSync(file)) {
    throw new ConfigError(`pipeline file not found: ${file}`, 'check the path, or omit it to use the defaults');
  }
  const cfg = loadConfigFile(schema, file, 'pipeline file', PIPELINE_HINT) as Record<string, unknown>;
  const raw = readConfigFile(file, 'pipeline file') as Record<string, unknown>;
  if (cfg.allow_outside_project !== true) {
    for (const key of PATH_KEYS) {
      const value = raw[key];
      if (typeof value !== 'string' || opts.overridden?.includes(key)) continue;
      checkProjectPath(value, `${file}: ${key}`, opts.root ?? process.cwd());
    }
  }
  return cfg as z.infer<S>;
}

/**
 * Refuse a path from a config file that leaves the project folder: absolute, climbing out with `..`, or
 * through a symlink that points outside. `:memory:` (an in-memory warehouse) is not a path.
 */
export function checkProjectPath(value: string, where: string, root: string): void {
  if (value === ':memory:') return;
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  const hint =
    'config paths stay inside the project folder: use a path relative to it, pass the path on the command line ' +
    '(e.g. --db, --models-dir), or set allow_outside_project: true in the pipeline file';
  if (path.isAbsolute(value) || /^[A-Za-z]:[\\/]/.test(value)) {
    throw new ConfigError(`${where}: "${shown}" is an absolute path, outside the project folder (${root})`, hint);
  }
  const resolved = path.resolve(root, value);
  if (!isInside(root, resolved)) {
    throw new ConfigError(`${where}: "${shown}" leads outside the project folder (${root})`, hint);
  }
  // an existing path (or its nearest existing parent) may be a symlink that points elsewhere
  let probe = resolved;
  while (!fs.existsSync(probe) && path.dirname(probe) !== probe) probe = path.dirname(probe);
  if (fs.existsSync(probe) && !isInside(fs.realpathSync(root), fs.realpathSync(probe))) {
    throw new ConfigError(`${where}: "${shown}" leads outside the project folder (${root}) through a symlink`, hint);
  }
}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
