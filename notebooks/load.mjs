// How notebooks import leadscore. tslab runs each cell as CommonJS compiled by its own TypeScript, and
// vega uses top-level await, which CommonJS cannot load. This module does a real ESM import() instead,
// with tsx's hooks registered so internal `.ts` modules load too.
// In a cell:  const { load } = require('./load.mjs');  const leadscore = await load('leadscore');
import { register } from 'tsx/esm/api';

// Once per kernel: Node caches this module, so later require() calls reuse the same hooks.
register();

/** Import 'leadscore' (the built library) or a module by a path relative to notebooks/; resolves to its exports. */
export function load(specifier) {
  const url = specifier.startsWith('.') ? new URL(specifier, import.meta.url).href : specifier;
  return import(url);
}
