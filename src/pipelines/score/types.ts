/** The shapes a scoring run passes between its steps (prepare, stage, publish). */
import type { FeatureFrame } from '../../features/index.ts';
import type { ReasonPhrases } from '../../models/reasons.ts';
import type { AlignedRuleScores } from '../../rules/index.ts';

/** Which slice of the leads this run scores: shard k of n (1-based), by a stable hash of lead_id. */
export interface Shard {
  k: number;
  n: number;
}

/** The points at which a run can be paused by a test (a kill -9 test's window). */
export type FaultPoint = 'staged' | 'part-written' | 'in-transaction';

/** Options for a scoring run. */
export interface ScoreOptions {
  db: string;
  model: string;
  modelsDir: string;
  asOf: Date;
  leads: 'open' | 'all';
  runId?: string;
  shard?: Shard;
  /** write Parquet here instead of the warehouse tables */
  outDir?: string;
  /** write one file instead of the warehouse tables (.parquet, .csv or .json, by its extension) */
  outFile?: string;
  /** flat models: score the rows of this file (CSV, Parquet, JSON lines) */
  data?: string;
  /** flat models: score the rows of this flat table of the warehouse (default: the one the model was trained on) */
  table?: string;
  reasons: number;
  /** the clock, injected: only the CLI reads the wall clock */
  now: () => Date;
  onProgress?: (done: number, total: number, stage: string) => void;
  /** lines that must be seen as they happen (a warning about the as-of date) */
  onNotice?: (line: string) => void;
  /** called at each fault point (tests inject a pause there to kill the process at a known moment) */
  atFaultPoint?: (point: FaultPoint) => void;
  /** rows per part of the lead_scores insert (default 245,760; tests pass a few to write several parts) */
  partRows?: number;
}

/** What a run reports. */
export interface ScoreSummary {
  run_id: string;
  rows: number;
  duration_s: number;
  rows_per_second: number;
  as_of: string;
  model: string;
  model_version: string;
  bands: Record<string, number>;
  output: string;
  marked_failed: string[];
  /** things that make these scores less meaningful than they look (an as-of far past the data's end) */
  warnings: string[];
  /** what the run decided on the way (rows left out, values read as missing) */
  notes: string[];
  /**
   * seconds per step: features (SQL), read_encode, models (the base models' outputs and their contributions by
   * factor, one pass), predict (blend and calibration per chunk), rules (the wait for it; rules_overlapped: its own
   * run, beside the JS), reasons (ranking and phrases), write (staging, inserts with the reasons JSON made in SQL,
   * commit)
   */
  timings: Record<string, number>;
}

/** Scratch tables of one run (dropped at the end, whatever happens). */
export interface ScoreTables {
  pairs: string;
  features: string;
  /** frame row number -> lead_id, so staging holds an integer instead of the id text */
  ids: string;
  staging: string;
  /** each staged row's reasons (rn, then a phrase id and a weight per slot), staged once the reasons are computed */
  reasons: string;
  /** the run's distinct reason phrases (id, s) as staged, and as joined to make the JSON (id, s, sc) */
  phrases: string;
  phraseJoin: string;
  /** each staged row's previous score and its score a week before (from earlier runs) */
  trend: string;
}

/**
 * Everything a run computes before the per-chunk work: the frame, base outputs, the rules, and the reasons on call
 * (the scores need no reasons, so the warehouse writes the history while JavaScript ranks and words them).
 */
export interface Prepared {
  frame: FeatureFrame;
  base: Record<string, Float64Array>;
  rules: AlignedRuleScores | null;
  /**
   * the reasons of rows [from, to) (phrase ids and weights per slot), ranked and worded when called, range after
   * range in order; `phrases` is every phrase so far
   */
  reasons: (from: number, to: number) => ReasonPhrases;
}

/** Progress of a run: rows done, and the stage ('scoring' while rows are computed). */
export type Progress = (done: number, stage?: string) => void;
