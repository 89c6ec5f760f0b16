/**
 * What a flat scoring run computes before writing: the rows of a flat file (or of a flat table in the
 * warehouse) read the way the model was trained on them, their ids staged for the publish step, then the
 * step CRM scoring shares (explainFrame: base outputs and reasons). A flat model has no rule score.
 */
import { loadFlatScoringFrame, type FlatScoringSpec } from '../../features/index.ts';
import { quoteIdent, type Warehouse } from '../../store/index.ts';
import type { TrainedModel } from '../trained-model.ts';
import { explainFrame, lapTimer } from './prepare.ts';
import type { Prepared, ScoreOptions, ScoreTables } from './types.ts';

/** Where a flat run's rows come from: a file, or a table of the warehouse being written. */
export type FlatRows = { file: string } | { table: string };

/** Read the rows, stage their ids (rn -> lead_id), run the shared explain step. */
export async function prepareFlatScoring(
  w: Warehouse,
  trained: TrainedModel,
  spec: FlatScoringSpec,
  rows: FlatRows,
  opts: ScoreOptions,
  tables: ScoreTables,
  timings: Record<string, number>,
): Promise<Prepared & { notes: string[] }> {
  const lap = lapTimer(timings);
  const progress = opts.onProgress ?? (() => undefined);
  progress(0, 0, `reading ${'file' in rows ? rows.file : `table ${rows.table}`}`);
  const read = await loadFlatScoringFrame('file' in rows ? rows.file : { w, table: rows.table }, spec, {
    leads: opts.leads,
  });
  const frame = read.frame;
  const total = frame.ids.length;
  // the publish step joins staged rows to their ids by row number, as it does for CRM runs
  await w.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(tables.ids)} (rn INTEGER NOT NULL, lead_id VARCHAR NOT NULL)`);
  await w.appendColumns(tables.ids, [
    { name: 'rn', type: 'INTEGER', values: Int32Array.from({ length: total }, (_, i) => i) },
    { name: 'lead_id', type: 'VARCHAR', values: frame.ids },
  ]);
  lap('features');
  const prepared = await explainFrame(trained, frame, opts.reasons, Promise.resolve(null), {
    lap,
    progress: (stage) => progress(0, total, stage),
  });
  return { ...prepared, notes: read.notes };
}
