import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root folder (where features/, models/ and pipelines/ ship). */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Default config files that ship with leadscore, as the relative paths the CLI defaults to. */
const BUNDLED = new Set(['features/default.yaml', 'models/rules.yaml']);

/**
 * A default config path as given, or the package's own copy when the working directory has no such
 * file: run from anywhere, `leadscore demo` and friends find their bundled defaults. A path the user
 * chose (anything but those defaults) is never redirected.
 */
export function resolveBundled(file: string): string {
  if (path.isAbsolute(file) || fs.existsSync(file)) return file;
  const key = path.normalize(file).split(path.sep).join('/');
  const bundled = path.join(PACKAGE_ROOT, key);
  return BUNDLED.has(key) && fs.existsSync(bundled) ? bundled : file;
}
