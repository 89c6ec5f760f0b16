import { DataError } from '../errors.ts';
import { auditLeakage, fitEncoders, transform, type FeatureFrame } from '../features/index.ts';
import { GradientBoosting } from '../models/gbdt.ts';
import { mulberry32, stratifiedFolds } from '../models/random.ts';
import { meanLogLoss } from '../numeric.ts';
import { derivedSeed } from '../random.ts';
import { pickValues, type DenseMatrix } from '../schema/matrix.ts';
import type { ExcludedColumn, LeakageRecord } from '../schema/index.ts';

export type { ExcludedColumn, LeakageRecord } from '../schema/index.ts';

/**
 * The leakage audit as training runs it, on the training rows only:
 *   1. the per-column audit (src/features/audit.ts): post-outcome CRM field names, single-column AUC,
 *      missing rates per class, dates after creation near the outcome;
 *   2. dominance, among the columns the model will use: a small boosted-tree model is fitted on one
 *      half of the training rows and scored on the other, both ways; every column's permutation importance ranks
 *      them, and the top few are dropped one at a time and the model refitted: a column whose removal
 *      costs far more log loss than any other's is dominant;
 *   3. the decision: suspected columns are excluded (unless the user keeps them with --keep / leakage.keep);
 *      a dominant column that no rule explains is kept, with a warning to check that it is known when
 *      a lead is scored; columns the user excludes (--exclude / leakage.exclude) go whatever the audit says.
 * Everything decided is returned as a record for the model card.
 */

/** What the user settled: columns to keep whatever the audit says, and columns to leave out. */
export interface LeakageChoices {
  keep: string[];
  exclude: string[];
}

/** Options for the training audit. */
export interface LeakageOptions extends LeakageChoices {
  failOnLeakage: boolean;
  seed: number;
  /** columns computed point in time from events before the snapshot: the name rule does not apply */
  pointInTime?: ReadonlySet<string>;
  /** rows the dominance check fits on at most (a seeded sample above it; default 20000) */
  maxRows?: number;
}

/** Run the audit, measure dominance, apply the user's choices; drop excluded columns from the spec. */
export function auditAndExclude<S>(
  frame: FeatureFrame,
  trainIdx: Int32Array,
  spec: S,
  opts: LeakageOptions,
): { spec: S; excluded: ExcludedColumn[]; warnings: ExcludedColumn[]; record: LeakageRecord } {
  const names = new Set(frame.columns.map((c) => c.name));
  for (const [flag, list] of [
    ['keep', opts.keep],
    ['exclude', opts.exclude],
  ] as const) {
    for (const c of list) {
      if (!names.has(c)) {
        throw new DataError(
          `--${flag} ${c}: no such column among the features`,
          `columns are: ${[...names].slice(0, 40).join(', ')}${names.size > 40 ? ', ...' : ''}`,
        );
      }
    }
  }
  const both = opts.keep.filter((c) => opts.exclude.includes(c));
  if (both.length) throw new DataError(`columns both kept and excluded: ${both.join(', ')}`, 'name each in one list');

  const report = auditLeakage(frame, trainIdx, { seed: opts.seed, pointInTime: opts.pointInTime });
  const userExcluded = new Set(opts.exclude);
  const keep = new Set(opts.keep);
  const suspected = report.suspected.filter((s) => !userExcluded.has(s.column));
  const excluded: ExcludedColumn[] = [
    ...opts.exclude.map((column) => ({ column, reason: 'excluded by the user (--exclude / leakage.exclude)' })),
    ...suspected.filter((s) => !keep.has(s.column)),
  ];
  // dominance among the columns the model will use: a leak the rules caught would mask one they missed
  const used = dropFrameColumns(
    frame,
    excluded.map((e) => e.column),
  );
  const dominance = dominanceCheck(used, trainIdx, opts);
  const keptByUser = suspected
    .filter((s) => keep.has(s.column))
    .map((s) => ({ column: s.column, reason: `kept by the user (--keep / leakage.keep) although: ${s.reason}` }));
  const suspectedNames = new Set(suspected.map((s) => s.column));
  const warnings: ExcludedColumn[] = [];
  if (dominance.dominant && !suspectedNames.has(dominance.dominant) && !keep.has(dominance.dominant)) {
    const top = dominance.columns[0];
    const next = dominance.columns[1];
    warnings.push({
      column: dominance.dominant,
      reason:
        `dominant: removing it raises the held-out log loss by ${top.drop_logloss.toFixed(4)}, ` +
        (next
          ? `${(top.drop_logloss / Math.max(next.drop_logloss, 1e-4)).toFixed(1)}x the next column's ` +
            `(${next.column}, ${next.drop_logloss.toFixed(4)}); `
          : 'more than any other; ') +
        'no rule explains it: check that this is known when a lead is scored ' +
        '(--keep it to silence this, --exclude it to drop it)',
    });
  }
  if (opts.failOnLeakage && excluded.length > opts.exclude.length) {
    const found = excluded.slice(opts.exclude.length);
    throw new DataError(
      `suspected leakage in ${found.length} column(s): ${found.map((e) => `${e.column} (${e.reason})`).join('; ')}`,
      'exclude them (--exclude, or `exclude:` in the features file), keep the ones known when a lead is scored ' +
        '(--keep), or run without --fail-on-leakage to exclude them automatically',
    );
  }
  const record: LeakageRecord = {
    excluded,
    kept_by_user: keptByUser,
    warnings,
    dominance: dominance.columns,
    dominant: dominance.dominant,
    rows: report.rows,
    method:
      `${report.method}; dominance: ${dominance.method}` +
      (report.dates.creation ? `; dates against "${report.dates.creation}"` : '') +
      (report.dates.outcome ? ` and outcome date "${report.dates.outcome}"` : ''),
  };
  const spec2 = withExcluded(
    spec,
    excluded.map((e) => e.column),
  );
  return { spec: spec2, excluded, warnings, record };
}

/** Dominance: removal cost >= DOMINANT_MIN nats of log loss and >= DOMINANT_RATIO x the next column's. */
export const DOMINANT_MIN = 0.02;
export const DOMINANT_RATIO = 4;
/** How many columns (by permutation importance) are dropped and refitted. */
const DROP_TOP = 3;

/** A small, fast boosted-tree model for the check (deterministic; about 30 ms per fit on 4k rows). */
const CHECK_MODEL = {
  learningRate: 0.25,
  maxLeafNodes: 15,
  maxIter: 40,
  validationFraction: 0,
  minSamplesLeaf: 20,
  rowSubsample: 0.5,
};
/** Rows each permutation is scored on (a seeded sample of the held-out half). */
const PERMUTATION_ROWS = 1500;

interface Dominance {
  columns: LeakageRecord['dominance'];
  dominant: string | null;
  method: string;
}

/**
 * Drop-column importance on the training rows, for the columns the permutation importance ranks
 * highest, among the columns the model will use (excluded ones are already out).
 */
function dominanceCheck(frame: FeatureFrame, trainIdx: Int32Array, opts: LeakageOptions): Dominance {
  const method =
    `a ${CHECK_MODEL.maxIter}-tree boosted model fitted on one half of the training rows and scored on the other, ` +
    `both ways; permutation importance (on ${PERMUTATION_ROWS} held-out rows a side) ranks every column, the top ` +
    `${DROP_TOP} are dropped and refitted; dominant ` +
    `when a column's removal costs >= ${DOMINANT_MIN} nats of log loss and >= ${DOMINANT_RATIO}x the next column's`;
  if (frame.columns.length < 2 || trainIdx.length < 200) return { columns: [], dominant: null, method };
  const maxRows = opts.maxRows ?? 20_000;
  const rows = sampleRows(trainIdx, maxRows, derivedSeed(opts.seed, 71));
  const y = Uint8Array.from(rows, (i) => frame.label![i]);
  if (y.every((v) => v === y[0])) return { columns: [], dominant: null, method };
  const half = stratifiedFolds(y, 2, derivedSeed(opts.seed, 72));
  // positions in the sampled rows' matrix: only those rows are encoded, not the whole frame
  const parts = [0, 1].map((h) => Int32Array.from({ length: rows.length }, (_, k) => k).filter((k) => half[k] === h));
  const encoders = fitEncoders(frame, rows);
  const { matrix, source } = transform(encoders, frame, rows);
  const byColumn = new Map<string, number[]>();
  source.forEach((name, j) => byColumn.set(name, [...(byColumn.get(name) ?? []), j]));

  // held-out log loss of a model fitted on one half without `drop`, both ways, averaged (and the fitted models)
  const heldOut = (drop: number[]) => {
    const keepCols = Int32Array.from({ length: matrix.cols }, (_, j) => j).filter((j) => !drop.includes(j));
    const fits = [0, 1].map((h) => {
      const fitRows = parts[h];
      const evalRows = parts[1 - h];
      const model = new GradientBoosting({ ...CHECK_MODEL, seed: opts.seed }).fit(
        select(matrix, fitRows, keepCols),
        pickValues(y, fitRows),
      );
      return { model, evalX: select(matrix, evalRows, keepCols), evalY: pickValues(y, evalRows) };
    });
    const loss = fits.reduce((a, f) => a + meanLogLoss(f.evalY, f.model.predictProba(f.evalX)), 0) / fits.length;
    return { loss, fits };
  };
  const base = heldOut([]);
  const random = mulberry32(derivedSeed(opts.seed, 73));
  // permutation importance on a sample of each held-out half: the ranking that picks what to drop
  const samples = base.fits.map((f) => {
    const rowsOf = sampleRows(
      Int32Array.from({ length: f.evalX.rows }, (_, i) => i),
      PERMUTATION_ROWS,
      opts.seed,
    );
    const X = select(
      f.evalX,
      rowsOf,
      Int32Array.from({ length: f.evalX.cols }, (_, j) => j),
    );
    const yS = pickValues(f.evalY, rowsOf);
    return { model: f.model, X, y: yS, loss: meanLogLoss(yS, f.model.predictProba(X)) };
  });
  const permutation = frame.columns.map((c) => {
    const cols = byColumn.get(c.name) ?? [];
    let loss = 0;
    for (const f of samples) {
      const X = { ...f.X, data: f.X.data.slice() };
      const order = Int32Array.from({ length: X.rows }, (_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      for (let i = 0; i < X.rows; i++) {
        for (const j of cols) X.data[i * X.cols + j] = f.X.data[order[i] * X.cols + j];
      }
      loss += (meanLogLoss(f.y, f.model.predictProba(X)) - f.loss) / samples.length;
    }
    return { column: c.name, permutation_logloss: round(loss) };
  });
  permutation.sort((a, b) => b.permutation_logloss - a.permutation_logloss || (a.column < b.column ? -1 : 1));
  const top = permutation.slice(0, DROP_TOP).map((p) => ({
    ...p,
    drop_logloss: round(heldOut(byColumn.get(p.column) ?? []).loss - base.loss),
  }));
  top.sort((a, b) => b.drop_logloss - a.drop_logloss || (a.column < b.column ? -1 : 1));
  const [first, second] = top;
  const dominant =
    first &&
    first.drop_logloss >= DOMINANT_MIN &&
    first.drop_logloss >= DOMINANT_RATIO * Math.max(second?.drop_logloss ?? 0, 1e-3)
      ? first.column
      : null;
  return { columns: top, dominant, method };
}

/** Rows `rows` and columns `cols` of a matrix. */
function select(m: DenseMatrix, rows: Int32Array, cols: Int32Array): DenseMatrix {
  const out = new Float32Array(rows.length * cols.length);
  for (let r = 0; r < rows.length; r++) {
    const base = rows[r] * m.cols;
    for (let k = 0; k < cols.length; k++) out[r * cols.length + k] = m.data[base + cols[k]];
  }
  return { data: out, rows: rows.length, cols: cols.length, columns: Array.from(cols, (j) => m.columns[j]) };
}

/** At most `max` of `rows`, a seeded sample (ascending), or all of them. */
function sampleRows(rows: Int32Array, max: number, seed: number): Int32Array {
  if (rows.length <= max) return rows;
  const random = mulberry32(seed);
  const pool = rows.slice();
  for (let k = 0; k < max; k++) {
    const j = k + Math.floor(random() * (pool.length - k));
    [pool[k], pool[j]] = [pool[j], pool[k]];
  }
  return pool.slice(0, max).sort();
}

/** A frame without the named columns. */
function dropFrameColumns(frame: FeatureFrame, names: string[]): FeatureFrame {
  if (names.length === 0) return frame;
  const drop = new Set(names);
  return { ...frame, columns: frame.columns.filter((c) => !drop.has(c.name)) };
}

function withExcluded<S>(spec: S, columns: string[]): S {
  if (columns.length === 0 || spec === null || typeof spec !== 'object') return spec;
  const s = spec as unknown as { exclude?: string[] };
  if (!Array.isArray(s.exclude)) return spec;
  return { ...spec, exclude: [...new Set([...s.exclude, ...columns])] } as S;
}

const round = (x: number) => Math.round(x * 1e5) / 1e5;
