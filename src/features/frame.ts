import { DataError } from '../errors.ts';
import { quoteIdent, type Warehouse } from '../store/index.ts';
import type { CategoricalEncoding, NumericEncoding } from './spec.ts';
import { activeFeatures, featureKind, type FeatureSpec } from './spec.ts';

/** One feature's raw values, one per row: numbers (NaN = missing) or strings (null = missing). */
export type FeatureColumn =
  | {
      name: string;
      kind: 'numeric';
      values: Float64Array;
      encoding?: Partial<NumericEncoding>;
      /** a date read from a flat table: values are days since 1970-01-01 (UTC) */
      date?: boolean;
    }
  | { name: string; kind: 'categorical'; values: (string | null)[]; encoding?: Partial<CategoricalEncoding> };

/** Rows of raw features in memory: what encoders fit on and what the audit inspects. */
export interface FeatureFrame {
  /** lead id per row ('' for every row when read with ReadFrameOptions.ids false) */
  ids: string[];
  /** snapshot time per row, epoch ms (NaN for flat tables, which have no time) */
  asOf: Float64Array;
  /** 0/1 per row, when labels are known */
  label?: Uint8Array;
  columns: FeatureColumn[];
  /** things the loader decided that a person should know (e.g. ID-like columns dropped) */
  notes?: string[];
}

/** Options for readFrame. */
export interface ReadFrameOptions {
  /** also keep (rn INTEGER, lead_id) in this TEMP table: row rn of the frame is that lead (rows stored in rn order) */
  idsInto?: string;
  /**
   * The table has an INTEGER `rn` column holding each row's position (0..n-1, each once; see
   * BuildOptions.rowNumbers): rows are placed by it, not sorted by (as_of, lead_id), which spares a
   * sort of the whole table by text.
   */
  rowNumbers?: boolean;
  /** false: leave the lead ids in SQL (frame.ids is then n empty strings; idsInto still gets them). Default true. */
  ids?: boolean;
}

/**
 * Read a feature table built by buildFeatureTable into a FeatureFrame (rows ordered by as_of, lead_id, or placed by
 * rn).
 */
export async function readFrame(
  w: Warehouse,
  table: string,
  spec: FeatureSpec,
  opts: ReadFrameOptions = {},
): Promise<FeatureFrame> {
  if (!(await w.tableExists(table)))
    throw new DataError(
      `feature table "${table}" not found in ${w.path}`,
      'run `leadscore features build` first, or check --into',
    );
  const have = new Set(await w.tableColumns(table));
  const features = activeFeatures(spec);
  const missing = features.filter((f) => !have.has(f.name)).map((f) => f.name);
  if (missing.length)
    throw new DataError(
      `feature table "${table}" lacks columns: ${missing.join(', ')}`,
      'rebuild it with the same features file',
    );
  const withLabel = have.has('label');
  const t = quoteIdent(table);
  // Strings are slow to bring into JS one by one; read each categorical column as integer codes into
  // its (small) sorted dictionary instead, and the dictionary once. Lead ids are all distinct, so a
  // dictionary would not help them: they are read as text, once.
  const textCols = features.filter((f) => featureKind(f) === 'categorical').map((f) => f.name);
  const numericCols = features.filter((f) => featureKind(f) === 'numeric').map((f) => f.name);
  const code = (c: string) => '_code_' + c;
  const tag = table.replace(/[^A-Za-z0-9_]/g, '_');
  const dict = (k: number) => `_ls_dict_${tag}_${k}`;
  const positions = `_ls_rows_${tag}`;
  const placed = opts.rowNumbers === true;
  if (placed && !have.has('rn'))
    throw new DataError(
      `feature table "${table}" has no rn column to place rows by`,
      'build it with rowNumbers from a pairs table with rn, or read it without rowNumbers',
    );
  try {
    // One small dictionary table per text column (distinct values -> code); hash joins against them are
    // far lighter than a window sort per column over millions of rows.
    for (const [k, c] of textCols.entries()) {
      await w.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(dict(k))} AS
        SELECT v, (row_number() OVER (ORDER BY v) - 1)::INTEGER AS code FROM (SELECT DISTINCT ${quoteIdent(c)} AS
          v FROM ${t} WHERE ${quoteIdent(c)} IS NOT NULL)`);
    }
    const n = await w.count(table);
    // Each row's position: its rn, or its place in (as_of, lead_id) order, numbered by a statement of its own into a
    // TEMP table of (row id, position): a streamed query with an ordered window goes through DuckDB's order-preserving
    // stream buffer whatever the session says, and that buffer's fetch can spin forever (see
    // Warehouse.eachNumericChunk). Rows stream out in whatever order DuckDB makes them and are scattered to their
    // position, so the frame's columns are never sorted or copied whole.
    if (!placed)
      await w.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(positions)} AS
        SELECT rowid AS rid, (row_number() OVER (ORDER BY as_of, lead_id) - 1)::INTEGER AS rn FROM ${t}`);
    const from = placed ? `${t} t` : `${t} t JOIN ${quoteIdent(positions)} p ON p.rid = t.rowid`;
    const position = placed ? 't.rn' : 'p.rn';
    const columns = [
      `(${position})::INTEGER AS _rn`,
      'epoch_ms(t.as_of)::DOUBLE AS _as_of_ms',
      ...numericCols.map((c) => `t.${quoteIdent(c)}::DOUBLE AS ${quoteIdent(c)}`),
      ...textCols.map((c, k) => `coalesce(d${k}.code, -1)::INTEGER AS ${quoteIdent(code(c))}`),
      ...(withLabel ? ['t.label::DOUBLE AS label'] : []),
    ];
    const dictJoins = textCols
      .map((c, k) => `LEFT JOIN ${quoteIdent(dict(k))} d${k} ON d${k}.v = t.${quoteIdent(c)}`)
      .join(' ');
    const asOf = new Float64Array(n);
    const label = withLabel ? new Uint8Array(n) : undefined;
    const nums = new Map(numericCols.map((c) => [c, new Float64Array(n)]));
    const codes = new Map(textCols.map((c) => [c, new Int32Array(n)]));
    const seen = new Uint8Array(n);
    await w.eachNumericChunk(`SELECT ${columns.join(', ')} FROM ${from} ${dictJoins}`, (part, m) => {
      const at = part._rn as Int32Array;
      checkPositions(at, seen, table);
      scatterFloat64(asOf, part._as_of_ms as Float64Array, at);
      if (label) {
        const l = part.label as Float64Array;
        for (let i = 0; i < m; i++) label[at[i]] = l[i] > 0 ? 1 : 0;
      }
      for (const [c, arr] of nums) scatterFloat64(arr, part[c] as Float64Array, at);
      for (const [c, arr] of codes) scatterInt32(arr, part[code(c)] as Int32Array, at);
    });
    const decode = async (c: string): Promise<(string | null)[]> => {
      const values = (await w.columns(`SELECT v FROM ${quoteIdent(dict(textCols.indexOf(c)))} ORDER BY code`))
        .v as string[];
      const k = codes.get(c)!;
      const out = new Array<string | null>(n);
      for (let i = 0; i < n; i++) out[i] = k[i] < 0 ? null : values[k[i]];
      return out;
    };
    const frameColumns: FeatureColumn[] = [];
    for (const f of features) {
      if (featureKind(f) === 'numeric') frameColumns.push({ name: f.name, kind: 'numeric', values: nums.get(f.name)! });
      else frameColumns.push({ name: f.name, kind: 'categorical', values: await decode(f.name) });
    }
    const idsSql = `SELECT (${position})::INTEGER AS rn, t.lead_id FROM ${from} ORDER BY rn`;
    const ids = opts.ids === false ? new Array<string>(n).fill('') : ((await w.columns(idsSql)).lead_id as string[]);
    if (opts.idsInto) await w.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(opts.idsInto)} AS ${idsSql}`);
    const frame: FeatureFrame = { ids, asOf, columns: frameColumns };
    if (label) frame.label = label;
    return frame;
  } finally {
    for (const k of textCols.keys()) await w.run(`DROP TABLE IF EXISTS ${quoteIdent(dict(k))}`);
    if (!placed) await w.run(`DROP TABLE IF EXISTS ${quoteIdent(positions)}`);
  }
}

// Monomorphic copies (one element type each): a generic one over both array types ran several times slower.
function scatterFloat64(dst: Float64Array, src: Float64Array, at: Int32Array): void {
  for (let i = 0; i < at.length; i++) dst[at[i]] = src[i];
}

function scatterInt32(dst: Int32Array, src: Int32Array, at: Int32Array): void {
  for (let i = 0; i < at.length; i++) dst[at[i]] = src[i];
}

/** Every position must be a row of the table (0..n-1) and come once. */
function checkPositions(at: Int32Array, seen: Uint8Array, table: string): void {
  for (let i = 0; i < at.length; i++) {
    const r = at[i];
    if (r < 0 || r >= seen.length || seen[r]) {
      throw new DataError(
        `feature table "${table}": rn ${r} is ${seen[r] ? 'on two rows' : `not a position in 0..${seen.length - 1}`}`,
        'rn must number the rows 0..n-1, each once',
      );
    }
    seen[r] = 1;
  }
}

/** The rows of a frame picked by index (a new frame). */
export function takeFrame(frame: FeatureFrame, idx: ArrayLike<number>): FeatureFrame {
  const pick = <T>(get: (i: number) => T) => Array.from({ length: idx.length }, (_, k) => get(idx[k]));
  return {
    ids: pick((i) => frame.ids[i]),
    asOf: Float64Array.from(pick((i) => frame.asOf[i])),
    label: frame.label ? Uint8Array.from(pick((i) => frame.label![i])) : undefined,
    columns: frame.columns.map((c) =>
      c.kind === 'numeric'
        ? { ...c, values: Float64Array.from(pick((i) => c.values[i])) }
        : { ...c, values: pick((i) => c.values[i]) },
    ),
    notes: frame.notes,
  };
}
