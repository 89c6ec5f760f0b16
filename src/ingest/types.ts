import type { Mapping } from './mapping.ts';

/** Called with a short human message at each stage (the CLI prints them on stderr). */
export type ProgressFn = (message: string) => void;

/** The canonical tables `ingest` loads. */
export type CanonicalTable = 'leads' | 'activities' | 'outcomes';

/** Points of an ingest where a test may pause it (to kill it there); production code passes no hook. */
export type IngestFaultPoint = 'validated' | 'before-commit' | 'after-commit';

/** Options for `ingest`: source files per canonical table, plus how to read them. */
export interface IngestOptions {
  /** source files per table (a list loads several files into the table) */
  leads?: string | string[];
  activities?: string | string[];
  outcomes?: string | string[];
  /** a mapping (or the path of a mapping YAML file): columns, constants, formats per table; may name the files */
  map?: Mapping | Record<string, unknown> | string;
  /** read the exports of a known CRM by their standard column names: salesforce, hubspot */
  preset?: string;
  /** date format of every table that states none: strftime, dd-mm-yyyy HH:MM, iso or auto (default: detected) */
  dateFormat?: string;
  /** CSV dialect: stated, never guessed from a sample (default: the header's delimiter, double quotes, UTF-8) */
  delimiter?: string;
  quote?: string;
  encoding?: string;
  /** refuse a file (writing nothing) when more than this share of its rows is rejected (default 0.5) */
  maxRejectRate?: number;
  /** dates before or after these are implausible and rejected (default 1970-01-01 and now + 1 day) */
  minDate?: Date;
  maxDate?: Date;
  /** fail the whole ingest (writing nothing) if any row is rejected */
  strict?: boolean;
  /** id recorded on every rejected row (default: a random UUID) */
  runId?: string;
  /** the time stamped on rejected rows (default: now; the CLI passes the wall clock) */
  now?: Date;
  onProgress?: ProgressFn;
  /** tests only: called at fault points (a test pauses there to kill the process) */
  atFaultPoint?: (point: IngestFaultPoint) => void;
}

/** What happened to one source file. read = loaded + rejected + skipped. */
export interface TableReport {
  table: CanonicalTable;
  source_file: string;
  /** which export or mapping read it: "mapping file m.yaml", "Salesforce Lead export (--preset salesforce)" */
  read_as: string;
  read: number;
  /** valid rows accepted (inserted, or replacing/matching a row already in the warehouse) */
  loaded: number;
  rejected: number;
  /** net new rows in the warehouse table (0 when re-ingesting the same file; identical activities are stored once) */
  added: number;
  /** loaded rows identical to another (leads, outcomes: in the file; activities: also already stored), stored once */
  merged: number;
  /** rows that are not data for this table, per reason (neither loaded nor rejected) */
  skipped: Record<string, number>;
  /** rejected rows per `column: kind` (a row with two problems counts under both) */
  reasons: Record<string, number>;
  /** canonical columns filled: non-empty values among the loaded rows */
  filled: Record<string, number>;
  /** canonical columns left empty (not in the file, or no value in any loaded row) */
  empty: string[];
  /** canonical column -> the source column(s) or constant it came from */
  sources: Record<string, string>;
  /** source columns kept in leads.extras */
  extras: string[];
  /** source columns not loaded (dropped by the mapping or preset, or used only to derive another column) */
  dropped: string[];
  /** numeric column -> values given as a range, loaded as the lower bound (the range kept in extras) */
  ranges: Record<string, number>;
  /** date column -> its format, and whether it was detected */
  date_formats: Record<string, string>;
  /** CSV: the dialect read with */
  dialect?: string;
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
  /** per table (several files of one table added up) */
  tables: Partial<Record<CanonicalTable, TableReport>>;
  /** per source file, in load order */
  files: TableReport[];
  /** rejected rows per reason kind (missing, bad_date, not_a_number, ...), over all tables */
  rejected_by_reason: Record<string, number>;
  /** the first few rejected rows, in table and row order */
  samples: RejectSample[];
  /** an earlier ingest that was interrupted while committing and that this one completed, if any */
  repaired?: string[];
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
  /** refuse the file (writing nothing) when more than this share of its rows is rejected (default 0.5) */
  maxRejectRate?: number;
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
