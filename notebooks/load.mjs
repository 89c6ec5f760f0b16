// How notebooks import leadscore. tslab runs each cell as CommonJS compiled by its own TypeScript,
// which cannot follow the project's ESM `.ts`-extension imports, and vega uses top-level await, which
// CommonJS cannot load. This module does a real ESM import() with tsx's hooks registered instead.
// In a cell:  const { load } = require('./load.mjs');  const { Warehouse } = await load('../src/store/index.ts');
import { register } from 'tsx/esm/api';

// Once per kernel: Node caches this module, so later require() calls reuse the same hooks.
register();

/** Import a project module by a path relative to notebooks/ (e.g. '../src/store/index.ts'); resolves to its exports. */
export function load(specifier) {
  const url = specifier.startsWith('.') ? new URL(specifier, import.meta.url).href : specifier;
  return import(url);
}
