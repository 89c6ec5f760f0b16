/** Synthetic CRM generator with known ground truth: the public face of src/synth. */
export { generateCrm, GENERATED_TABLES, PILOT_LEADS, scratchWarehousePath } from './generate.ts';
export type { GenerateReport, GenerateRunOptions } from './generate.ts';
export { validateGenerateOptions, parsePersonaMix, GENERATE_DEFAULTS, MAX_LEADS } from './options.ts';
export type { GenerateOptions, RawGenerateOptions } from './options.ts';
export { PERSONAS, DEFAULT_PERSONA_MIX, PERSONA_BEHAVIOUR } from './personas.ts';
export type { Persona, PersonaBehaviour } from './personas.ts';
export { TARGET_INDUSTRIES } from './words.ts';
export { rocAucSql, oracleAucOnSnapshots } from './oracle.ts';
