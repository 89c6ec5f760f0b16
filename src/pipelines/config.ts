import type { z } from 'zod';
import { loadConfigFile, parseConfig } from '../config-file.ts';
import { ConfigError } from '../errors.ts';
import fs from 'node:fs';

const PIPELINE_HINT = 'see pipelines/README.md for the keys and their defaults';

export { BandThresholds, ScorePipelineConfig, TrainPipelineConfig } from '../schema/pipeline-config.ts';

/** Read and validate a pipeline YAML file; a missing file yields the defaults only when `optional`. */
export function loadPipelineConfig<S extends z.ZodType>(
  schema: S,
  file: string | undefined,
  optional: boolean,
): z.infer<S> {
  if (!file || (optional && !fs.existsSync(file))) return parseConfig(schema, {}, 'pipeline defaults');
  if (!fs.existsSync(file)) {
    throw new ConfigError(`pipeline file not found: ${file}`, 'check the path, or omit it to use the defaults');
  }
  return loadConfigFile(schema, file, 'pipeline file', PIPELINE_HINT);
}
