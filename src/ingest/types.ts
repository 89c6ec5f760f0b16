import type { Mapping } from './mapping.ts';

/** Called with a short human message at each stage (the CLI prints them on stderr). */
export type ProgressFn = (message: string) => void;

/** The canonical tables `ingest` loads. */
export type CanonicalTable = 'leads' | 'activities' | 'outcomes';

/** Options for `ingest`: source files per canonical table, plus how to read them. */
export interface IngestOptions {
  leads?: string;
  activities?: string;
  outcomes?: string;
  /** a mapping (or the path of a mapping YAML file) from source column names to canonical ones */
  map?: Mapping | string;
  /** strftime-style format for date columns (default ISO 8601) */
  dateFormat?: string;
  /** fail the whole ingest (writing nothing) if any row is rejected */
  strict?: boolean;
  /** id recorded on every rejected row (default: a random UUID) */
  runId?: string;
  /** the time stamped on rejected rows (default: now; the CLI passes the wall clock) */
  now?: Date;
  onProgress?: ProgressFn;
}

/** What happened to one source file. read = loaded + rejected. */
export interface TableReport {
  source_file: string;
  read: number;
  /** valid rows accepted (inserted, or replacing/matching a row already in the warehouse) */
  loaded: number;
  rejected: number;
  /** net new rows in the warehouse table (0 when re-ingesting the same file; identical activities are stored once) */
  added: number;
  /** rejected rows per `column: kind` (a row with two problems counts under both) */
  reasons: Record<string, number>;
  seconds: number;
}

/** One rejected row, as a sample for messages. */
export interface RejectSample {
  table: string;
  row_number: number;
  reason: string;
}

/** The result of an ingest: per-table counts and rejected rows per reason kind. */
export interface IngestReport {
  run_id: string;
  tables: Partial<Record<CanonicalTable, TableReport>>;
  /** rejected rows per reason kind (missing, bad_date, not_a_number, ...), over all tables */
  rejected_by_reason: Record<string, number>;
  /** the first few rejected rows, in table and row order */
  samples: RejectSample[];
}

/** Options for `ingestFlat`: one row per lead, an id column and a target column. */
export interface FlatIngestOptions {
  file: string;
  idColumn: string;
  targetColumn: string;
  /** table name to write (letters, digits, underscore) */
  name: string;
  /** target values meaning "converted" (case-insensitive; default yes, 1, true, won) */
  positive?: string[];
  /**
   * target values meaning "not converted" (default no, 0, false, lost; when only `positive` is given: every other
   * value)
   */
  negative?: string[];
  strict?: boolean;
  runId?: string;
  now?: Date;
  onProgress?: ProgressFn;
}

/** The result of a flat ingest. */
export interface FlatIngestReport {
  run_id: string;
  table: string;
  source_file: string;
  read: number;
  loaded: number;
  rejected: number;
  positives: number;
  reasons: Record<string, number>;
  rejected_by_reason: Record<string, number>;
  samples: RejectSample[];
}
