/** Ingest: read CSV/Parquet/JSON sources, validate in DuckDB SQL, quarantine bad rows, upsert the rest. */
export { ingest, checkDateFormat } from './ingest.ts';
export { ingestFlat } from './flat.ts';
export { ensureCanonicalTables, ensureFlatRegistry, FLAT_TABLES_DDL } from './canonical.ts';
export { Mapping, loadMapping, parseMapping, type ResolvedMapping, type TableMapping } from './mapping.ts';
export { PRESETS, presetNamed } from './presets/index.ts';
export { DEFAULT_MAX_REJECT_RATE } from './limits.ts';
export type {
  IngestOptions,
  IngestReport,
  TableReport,
  RejectSample,
  FlatIngestOptions,
  FlatIngestReport,
  CanonicalTable,
  ProgressFn,
  IngestFaultPoint,
} from './types.ts';
