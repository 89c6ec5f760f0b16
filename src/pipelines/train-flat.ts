import path from 'node:path';
import { DataError } from '../errors.ts';
import { formatOf, readFileSql, quoteIdent, withWarehouse } from '../store/index.ts';
import { loadFlatFrame, stratifiedSplit } from '../features/index.ts';
import { FLAT_MISSING_VALUES, type FlatCardSpec } from '../schema/index.ts';
import { ensureBackend } from '../models/tf.ts';
import type { TrainPipelineConfig } from './config.ts';
import { auditAndExclude } from './leakage.ts';
import { checkTrainable, describeCounts, emptyColumns, splitCounts } from './train-checks.ts';
import { dropColumns, type TrainReport } from './train.ts';
import { fitAndSave, type ModelTuning, type StageReporter } from './train-fit.ts';

/**
 * Model choices for flat tables (thousands of rows, a few numeric columns), measured on X Education:
 * quantile bins let the logistic model bend along each numeric column (test AUC 0.9205 -> 0.926);
 * gradient-boosted trees catch interactions (0.936 alone) and carry most of the blend; the neural
 * network then adds little, so a small, short one keeps training within the time budget.
 */
export function flatTuning(cfg: TrainPipelineConfig): ModelTuning {
  return {
    numericBins: 10,
    members: [
      { name: 'logistic', params: cfg.logistic },
      { name: 'neural', params: { ...cfg.neural, hidden: [32, 16], dropout: 0.2, patience: 5, maxEpochs: 20 } },
      // smaller trees, more of them: better AUC, log loss and ECE than scikit-learn's 31 leaves x 100
      // (chosen on seeds 1 and 2, so the reported seeds 42/7/123 stay untouched by the choice)
      { name: 'gbdt', params: { maxLeafNodes: 15, maxIter: 150 } },
    ],
  };
}

/** Options for training on a flat table (one row per lead, a target column). */
export interface TrainFlatOptions {
  /** a CSV / Parquet / JSON lines file, or a table `leadscore ingest --flat` loaded into a warehouse */
  data: string | { db: string; table: string };
  target: string;
  id?: string;
  positive?: string;
  exclude: string[];
  /** source values that mean "missing" (default FLAT_MISSING_VALUES: empty cells only) */
  missingValues?: string[];
  /** write the input rows plus a `split` column here (for the scikit-learn peer on identical rows) */
  exportSplit?: string;
  /** overrides of flatTuning(cfg) */
  tuning?: ModelTuning;
  now: Date;
  onStage?: StageReporter;
  /** lines that must be seen as they happen: the counts per part, warnings */
  onNotice?: StageReporter;
}

/**
 * Train on a flat file: types inferred, a seeded stratified split, the leakage audit on the
 * training split (suspected columns excluded), then the same models, blend and calibration as
 * the CRM pipeline. No rule set applies to a flat table.
 */
export async function trainFlat(cfg: TrainPipelineConfig, opts: TrainFlatOptions): Promise<TrainReport> {
  const stage = opts.onStage ?? (() => undefined);
  const notice = opts.onNotice ?? stage;
  const data = opts.data;
  const shown = typeof data === 'string' ? data : `table ${data.table} in ${data.db}`;
  stage(`reading ${shown}`);
  const missingValues = opts.missingValues ?? [...FLAT_MISSING_VALUES];
  const flatOptions = {
    target: opts.target,
    id: opts.id,
    positive: opts.positive,
    missingValues,
    overrides: { columns: {}, exclude: opts.exclude },
  };
  const frame =
    typeof data === 'string'
      ? await loadFlatFrame(data, flatOptions)
      : await withWarehouse(data.db, (w) => loadFlatFrame({ w, table: data.table }, flatOptions), { readOnly: true });
  if (!frame.label) throw new DataError(`${shown}: no labels read from ${opts.target}`);
  await ensureBackend();
  const test = cfg.split.test;
  const split = stratifiedSplit(
    frame.label,
    {
      train: 1 - cfg.split.validation - cfg.split.calibration - test,
      validation: cfg.split.validation,
      calibration: cfg.split.calibration,
      test,
    },
    cfg.seed,
  );
  const counts = splitCounts(frame.label, split);
  notice(`rows per part: ${describeCounts(counts)}`);
  const warnings = checkTrainable(counts, 'flat');
  for (const w of warnings) notice(`warning: ${w}`);
  const empty = emptyColumns(frame, split.train);
  const droppedFeatures = [...empty.missing, ...empty.constant.map((c) => c.name)];
  const emptyNotes = [
    ...(empty.missing.length
      ? [`columns with no value on any training row, left out: ${empty.missing.join(', ')}`]
      : []),
    ...(empty.constant.length
      ? [
          `columns with one value on every training row, left out: ` +
            empty.constant.map((c) => `${c.name} (${c.value})`).join(', '),
        ]
      : []),
  ];
  stage('leakage audit on the training split');
  const kept = dropColumns(frame, droppedFeatures);
  const { excluded } = auditAndExclude(kept, split.train, null, cfg.fail_on_leakage);
  const used = dropColumns(
    kept,
    excluded.map((e) => e.column),
  );
  const cardSpec: FlatCardSpec = {
    kind: 'flat',
    source: typeof data === 'string' ? path.basename(data) : data.table,
    ...(typeof data === 'string' ? {} : { table: data.table }),
    target: opts.target,
    id: opts.id ?? null,
    positive: positiveOf(frame, opts),
    missing_values: missingValues,
    columns: used.columns.map((c) => ({ name: c.name, kind: c.kind })),
    excluded_by_user: opts.exclude,
    excluded_by_audit: excluded,
  };
  const tuning = { ...flatTuning(cfg), ...(opts.tuning ?? {}) };
  const result = await fitAndSave(cfg, opts.now, { frame: used, split, ruleScores: null, cardSpec, tuning }, stage);
  if (opts.exportSplit) {
    if (typeof data !== 'string') throw new DataError('--export-split needs --data FILE, not a warehouse table');
    stage(`writing the split to ${opts.exportSplit}`);
    await exportSplit(data, opts.id, frame.ids, split, opts.exportSplit);
  }
  return {
    ...result,
    excluded_columns: excluded,
    counts,
    dropped_features: droppedFeatures,
    warnings,
    notes: [
      ...(frame.notes ?? []),
      ...emptyNotes,
      ...(opts.exportSplit
        ? [
            `split written to ${opts.exportSplit}; compare with: /usr/bin/python3 ../shared/bench/peer_sklearn.py ${opts.exportSplit} ${opts.target} --split-col split --drop "${[opts.id, ...opts.exclude, ...excluded.map((e) => e.column)].filter(Boolean).join(',')}"`,
          ]
        : []),
    ],
  };
}

/** Write the source rows with a `split` column (train / validation / calibration / test), same row order. */
async function exportSplit(
  data: string,
  id: string | undefined,
  ids: string[],
  split: { train: Int32Array; validation: Int32Array; calibration: Int32Array; test: Int32Array },
  out: string,
): Promise<void> {
  const label = new Array<string>(ids.length);
  for (const part of ['train', 'validation', 'calibration', 'test'] as const)
    for (const i of split[part]) label[i] = part;
  await withWarehouse(':memory:', async (w) => {
    await w.run(
      `CREATE TABLE src AS SELECT *, row_number() OVER () AS _ls_row FROM ${readFileSql(data, formatOf(data))}`,
    );
    await w.run('CREATE TABLE parts (_ls_key VARCHAR, _ls_row BIGINT, split VARCHAR)');
    await w.append('parts', [
      { name: '_ls_key', type: 'VARCHAR', values: ids },
      { name: '_ls_row', type: 'BIGINT', values: ids.map((_, i) => i + 1) },
      { name: 'split', type: 'VARCHAR', values: label },
    ]);
    // Join by the id column when there is one (robust to row order), else by row number.
    const on = id ? `CAST(s.${quoteIdent(id)} AS VARCHAR) = p._ls_key` : 's._ls_row = p._ls_row';
    await w.exportQuery(
      `SELECT s.* EXCLUDE (_ls_row), p.split FROM src s JOIN parts p ON ${on} ORDER BY s._ls_row`,
      out,
      formatOf(out),
    );
  });
}

/** The target value that means converted, as training read it (stored on the card for scoring). */
function positiveOf(frame: { positive: string }, opts: TrainFlatOptions): string {
  return opts.positive ?? frame.positive;
}
