import { DataError } from '../errors.ts';
import { quoteIdent, type Warehouse } from '../store/index.ts';
import type { CategoricalEncoding, NumericEncoding } from './spec.ts';
import { activeFeatures, featureKind, type FeatureSpec } from './spec.ts';

/** One feature's raw values, one per row: numbers (NaN = missing) or strings (null = missing). */
export type FeatureColumn =
  | { name: string; kind: 'numeric'; values: Float64Array; encoding?: Partial<NumericEncoding> }
  | { name: string; kind: 'categorical'; values: (string | null)[]; encoding?: Partial<CategoricalEncoding> };

/** Rows of raw features in memory: what encoders fit on and what the audit inspects. */
export interface FeatureFrame {
  ids: string[];
  /** snapshot time per row, epoch ms (NaN for flat tables, which have no time) */
  asOf: Float64Array;
  /** 0/1 per row, when labels are known */
  label?: Uint8Array;
  columns: FeatureColumn[];
  /** things the loader decided that a person should know (e.g. ID-like columns dropped) */
  notes?: string[];
}

/** Read a feature table built by buildFeatureTable into a FeatureFrame (rows ordered by as_of, lead_id). */
export async function readFrame(w: Warehouse, table: string, spec: FeatureSpec): Promise<FeatureFrame> {
  if (!(await w.tableExists(table))) throw new DataError(`feature table "${table}" not found in ${w.path}`, 'run `leadscore features build` first, or check --into');
  const have = new Set(await w.tableColumns(table));
  const features = activeFeatures(spec);
  const missing = features.filter((f) => !have.has(f.name)).map((f) => f.name);
  if (missing.length) throw new DataError(`feature table "${table}" lacks columns: ${missing.join(', ')}`, 'rebuild it with the same features file');
  const withLabel = have.has('label');
  const t = quoteIdent(table);
  // Strings are slow to bring into JS one by one; read each text column as integer codes into its
  // (small) sorted dictionary instead, and the dictionary once.
  const textCols = ['lead_id', ...features.filter((f) => featureKind(f) === 'categorical').map((f) => f.name)];
  const codeSql = (c: string) => `CASE WHEN ${quoteIdent(c)} IS NULL THEN -1 ELSE dense_rank() OVER (ORDER BY ${quoteIdent(c)}) - 1 END::INTEGER AS ${quoteIdent('_code_' + c)}`;
  const numeric = features.filter((f) => featureKind(f) === 'numeric').map((f) => quoteIdent(f.name));
  const cols = await w.columns(
    `SELECT epoch_ms(as_of)::DOUBLE AS _as_of_ms, ${[...numeric, ...textCols.map(codeSql)].join(', ')}${withLabel ? ', label' : ''}
     FROM ${t} ORDER BY as_of, lead_id`,
  );
  const decode = async (c: string): Promise<(string | null)[]> => {
    const dict = (await w.columns(`SELECT DISTINCT ${quoteIdent(c)} AS v FROM ${t} WHERE ${quoteIdent(c)} IS NOT NULL ORDER BY v`)).v as string[];
    const codes = cols['_code_' + c];
    const out = new Array<string | null>(codes.length);
    for (let i = 0; i < codes.length; i++) out[i] = (codes[i] as number) < 0 ? null : dict[codes[i] as number];
    return out;
  };
  const n = cols._as_of_ms.length;
  const columns: FeatureColumn[] = [];
  for (const f of features) {
    if (featureKind(f) === 'numeric') {
      const raw = cols[f.name];
      const v = new Float64Array(n);
      for (let i = 0; i < n; i++) v[i] = raw[i] == null ? NaN : Number(raw[i]);
      columns.push({ name: f.name, kind: 'numeric', values: v });
    } else {
      columns.push({ name: f.name, kind: 'categorical', values: await decode(f.name) });
    }
  }
  const frame: FeatureFrame = { ids: (await decode('lead_id')) as string[], asOf: Float64Array.from(cols._as_of_ms as number[]), columns };
  if (withLabel) frame.label = Uint8Array.from(cols.label as number[], (x) => (Number(x) > 0 ? 1 : 0));
  return frame;
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
