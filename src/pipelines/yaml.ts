import fs from 'node:fs';
import { resolveBundled } from '../bundled.ts';
import { parse as parseYaml } from 'yaml';
import { ConfigError, NotFoundError } from '../errors.ts';

/** Read a YAML file into plain data, with errors that name the file (and line for syntax errors). */
export function readYamlFile(file: string, what: string): unknown {
  file = resolveBundled(file);
  if (!fs.existsSync(file)) throw new NotFoundError(`${what} not found: ${file}`, 'check the path');
  try {
    return parseYaml(fs.readFileSync(file, 'utf8')) ?? {};
  } catch (err) {
    throw new ConfigError(
      `${file}: not valid YAML: ${(err as Error).message}`,
      'fix the YAML syntax at the line shown',
    );
  }
}
