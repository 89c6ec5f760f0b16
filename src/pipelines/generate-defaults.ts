/** The synthetic generator's defaults, light to import: `leadscore generate --help` shows them without loading it. */
export { GENERATE_DEFAULTS } from '../synth/defaults.ts';
