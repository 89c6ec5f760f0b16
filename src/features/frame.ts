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
  // its (small) sorted dictionary instead, and the dictionary once. Rows come in chunks straight into
  // typed arrays, so memory stays near the size of the frame itself. Lead ids are all distinct, so a
  // dictionary would not help them: they are read as text, once.
  const textCols = features.filter((f) => featureKind(f) === 'categorical').map((f) => f.name);
  const numericCols = features.filter((f) => featureKind(f) === 'numeric').map((f) => f.name);
  const code = (c: string) => quoteIdent('_code_' + c);
  const tag = table.replace(/[^A-Za-z0-9_]/g, '_');
  const ordered = `_ls_frame_${tag}`;
  const dict = (k: number) => `_ls_dict_${tag}_${k}`;
  // One small dictionary table per text column (distinct values -> code); hash joins against them are
  // far lighter than a window sort per column over millions of rows.
  for (const [k, c] of textCols.entries()) {
    await w.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(dict(k))} AS
      SELECT v, (row_number() OVER (ORDER BY v) - 1)::INTEGER AS code FROM (SELECT DISTINCT ${quoteIdent(c)} AS
        v FROM ${t} WHERE ${quoteIdent(c)} IS NOT NULL)`);
  }
  const placed = opts.rowNumbers === true;
  if (placed && !have.has('rn'))
    throw new DataError(
      `feature table "${table}" has no rn column to place rows by`,
      'build it with rowNumbers from a pairs table with rn, or read it without rowNumbers',
    );
  // Sorted (stored in order, so each chunk read skips the rest by zone maps), or stored as it comes and placed by rn.
  const position = placed ? 't.rn' : 'row_number() OVER (ORDER BY t.as_of, t.lead_id) - 1';
  const columns = [
    ...numericCols.map((c) => `t.${quoteIdent(c)}::DOUBLE AS ${quoteIdent(c)}`),
    ...textCols.map((c, k) => `coalesce(d${k}.code, -1) AS ${code(c)}`),
  ];
  const dictJoins = textCols
    .map((c, k) => `LEFT JOIN ${quoteIdent(dict(k))} d${k} ON d${k}.v = t.${quoteIdent(c)}`)
    .join(' ');
  await w.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(ordered)} AS
    SELECT ${position} AS _rn, t.lead_id, epoch_ms(t.as_of)::DOUBLE AS _as_of_ms,
      ${columns.join(', ')}${withLabel ? ', t.label::DOUBLE AS label' : ''}
    FROM ${t} t
      ${dictJoins}
    ${placed ? '' : 'ORDER BY _rn'}`);
  try {
    const n = await w.count(ordered);
    const asOf = new Float64Array(n);
    const label = withLabel ? new Uint8Array(n) : undefined;
    const nums = new Map(numericCols.map((c) => [c, new Float64Array(n)]));
    const codes = new Map(textCols.map((c) => [c, new Int32Array(n)]));
    const seen = placed ? new Uint8Array(n) : null;
    const CHUNK = 262_144;
    for (let start = 0; start < n; start += CHUNK) {
      // every column here is a number (text came as codes), so it arrives as typed arrays, NULL as NaN
      const part = placed
        ? await w.numericColumns(
            `SELECT * EXCLUDE (lead_id) FROM ${quoteIdent(ordered)} WHERE rowid >= ${start} AND rowid < ` +
              `${start + CHUNK}`,
          )
        : await w.numericColumns(
            `SELECT * EXCLUDE (_rn, lead_id) FROM ${quoteIdent(ordered)} WHERE _rn >= ${start} AND _rn < ` +
              `${start + CHUNK} ORDER BY _rn`,
          );
      const m = part._as_of_ms.length;
      // sorted: the part is rows start.. in order (block copies); placed: row i of the part goes to at[i]
      const at = placed ? positionsOf(part._rn, seen!, table) : null;
      const put = (dst: Float64Array | Int32Array, src: Float64Array) => {
        if (!at) dst.set(src, start);
        else for (let i = 0; i < m; i++) dst[at[i]] = src[i];
      };
      put(asOf, part._as_of_ms);
      if (label) for (let i = 0; i < m; i++) label[at ? at[i] : start + i] = part.label[i] > 0 ? 1 : 0;
      for (const [c, arr] of nums) put(arr, part[c]);
      for (const [c, arr] of codes) put(arr, part['_code_' + c]);
    }
    const decode = async (c: string): Promise<(string | null)[]> => {
      const values = (await w.columns(`SELECT v FROM ${quoteIdent(dict(textCols.indexOf(c)))} ORDER BY code`))
        .v as string[];
      const k = codes.get(c)!;
      const out = new Array<string | null>(n);
      for (let i = 0; i < n; i++) out[i] = k[i] < 0 ? null : values[k[i]];
      return out;
    };
    const columns: FeatureColumn[] = [];
    for (const f of features) {
      if (featureKind(f) === 'numeric') columns.push({ name: f.name, kind: 'numeric', values: nums.get(f.name)! });
      else columns.push({ name: f.name, kind: 'categorical', values: await decode(f.name) });
    }
    const ids =
      opts.ids === false
        ? new Array<string>(n).fill('')
        : ((await w.columns(`SELECT lead_id FROM ${quoteIdent(ordered)} ORDER BY _rn`)).lead_id as string[]);
    if (opts.idsInto)
      await w.run(
        `CREATE OR REPLACE TEMP TABLE ${quoteIdent(opts.idsInto)} AS SELECT _rn::INTEGER AS rn, lead_id FROM ` +
          `${quoteIdent(ordered)} ORDER BY _rn`,
      );
    const frame: FeatureFrame = { ids, asOf, columns };
    if (label) frame.label = label;
    return frame;
  } finally {
    await w.run(`DROP TABLE IF EXISTS ${quoteIdent(ordered)}`);
    for (const k of textCols.keys()) await w.run(`DROP TABLE IF EXISTS ${quoteIdent(dict(k))}`);
  }
}

/** Where each row of a part goes, from its rn; every rn must be a row of the table, and come once. */
function positionsOf(rn: Float64Array, seen: Uint8Array, table: string): Int32Array {
  const at = new Int32Array(rn.length);
  for (let i = 0; i < rn.length; i++) {
    const r = rn[i];
    if (!(Number.isInteger(r) && r >= 0 && r < seen.length) || seen[r]) {
      throw new DataError(
        `feature table "${table}": rn ${r} is ${seen[r] ? 'on two rows' : `not a position in 0..${seen.length - 1}`}`,
        'rn must number the rows 0..n-1, each once',
      );
    }
    seen[r] = 1;
    at[i] = r;
  }
  return at;
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
