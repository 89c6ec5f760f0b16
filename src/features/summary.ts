import * as aq from 'arquero';
import { quoteIdent, type Warehouse } from '../store/index.ts';
import type { FeatureFrame } from './frame.ts';
import { activeFeatures, featureKind, type FeatureSpec } from './spec.ts';

/** One line of a per-feature summary: missing share, and mean (numeric) or top levels (categorical). */
export interface FeatureSummary {
  feature: string;
  kind: 'numeric' | 'categorical';
  missing_pct: number;
  mean?: number;
  min?: number;
  max?: number;
  top?: string;
}

const topText = (rows: Array<{ v: unknown; n: number }>, total: number) =>
  rows.map((r) => `${String(r.v)} ${((100 * r.n) / Math.max(1, total)).toFixed(0)}%`).join(', ');

/** Summarize an in-memory frame column by column (arquero does the per-column rollups). */
export function summarizeFrame(frame: FeatureFrame, topK = 3): FeatureSummary[] {
  return frame.columns.map((c) => {
    const n = c.values.length;
    if (c.kind === 'numeric') {
      const t = aq.table({ x: Array.from(c.values, (v) => (Number.isNaN(v) ? null : v)) });
      const r = t
        .rollup({ valid: aq.op.valid('x'), mean: aq.op.mean('x'), min: aq.op.min('x'), max: aq.op.max('x') })
        .object() as Record<string, number>;
      return {
        feature: c.name,
        kind: 'numeric',
        missing_pct: round((100 * (n - r.valid)) / Math.max(1, n)),
        mean: round(r.mean),
        min: r.min,
        max: r.max,
      };
    }
    const t = aq.table({ x: c.values });
    const valid = t.rollup({ valid: aq.op.valid('x') }).object() as { valid: number };
    const top = t
      .filter(aq.escape((d: { x: string | null }) => d.x !== null))
      .groupby('x')
      .count({ as: 'n' })
      .orderby(aq.desc('n'), 'x')
      .slice(0, topK)
      .objects() as Array<{ x: string; n: number }>;
    return {
      feature: c.name,
      kind: 'categorical',
      missing_pct: round((100 * (n - valid.valid)) / Math.max(1, n)),
      top: topText(
        top.map((r) => ({ v: r.x, n: r.n })),
        n,
      ),
    };
  });
}

/** Summarize a built feature table in DuckDB (no need to pull millions of rows into JS). */
export async function summarizeTable(
  w: Warehouse,
  table: string,
  spec: FeatureSpec,
  topK = 3,
): Promise<FeatureSummary[]> {
  const t = quoteIdent(table);
  const total = await w.count(table);
  const features = activeFeatures(spec);
  // Numeric columns in one query: side by side while they are few; past that, DuckDB's cost per column of a
  // wide table dominates (3,000 columns: 13 s in batches), so the columns are unpivoted to rows and grouped.
  type Stats = { miss: number; mean: number | null; lo: number | null; hi: number | null };
  const numeric = new Map<string, Stats>();
  const numericNames = features.filter((f) => featureKind(f) === 'numeric').map((f) => f.name);
  if (numericNames.length > 100) {
    type Row = { feature: string; n: number; mean: number | null; lo: number | null; hi: number | null };
    const rows = await w.all<Row>(
      `SELECT feature, count(v)::BIGINT AS n, avg(v) AS mean, min(v) AS lo, max(v) AS hi
       FROM (UNPIVOT (SELECT ${numericNames.map(quoteIdent).join(', ')} FROM ${t})
             ON COLUMNS(*) INTO NAME feature VALUE v)
       GROUP BY feature`,
    );
    // UNPIVOT leaves NULLs out: a column with no values has no row here, and is all missing
    for (const name of numericNames) numeric.set(name, { miss: total, mean: null, lo: null, hi: null });
    for (const r of rows) numeric.set(r.feature, { miss: total - Number(r.n), mean: r.mean, lo: r.lo, hi: r.hi });
  } else if (numericNames.length > 0) {
    const row =
      (await w.one<Record<string, number | null>>(
        `SELECT ${numericNames
          .map((name, k) => {
            const c = quoteIdent(name);
            return (
              `(count(*) - count(${c}))::BIGINT AS m${k}, avg(${c}) AS a${k}, min(${c}) AS l${k}, ` +
              `max(${c}) AS h${k}`
            );
          })
          .join(', ')} FROM ${t}`,
      )) ?? {};
    numericNames.forEach((name, k) =>
      numeric.set(name, { miss: Number(row[`m${k}`] ?? 0), mean: row[`a${k}`], lo: row[`l${k}`], hi: row[`h${k}`] }),
    );
  }
  const out: FeatureSummary[] = [];
  for (const f of features) {
    const c = quoteIdent(f.name);
    if (featureKind(f) === 'numeric') {
      const r = numeric.get(f.name)!;
      out.push({
        feature: f.name,
        kind: 'numeric',
        missing_pct: round((100 * r.miss) / Math.max(1, total)),
        mean: r.mean == null ? undefined : round(r.mean),
        min: r.lo ?? undefined,
        max: r.hi ?? undefined,
      });
    } else {
      const miss = await w.one<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM ${t} WHERE ${c} IS NULL`);
      const top = await w.all<{ v: string; n: number }>(
        `SELECT ${c} AS v, count(*)::BIGINT AS n FROM ${t} WHERE ${c} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 ` +
          `LIMIT ${topK}`,
      );
      out.push({
        feature: f.name,
        kind: 'categorical',
        missing_pct: round((100 * (miss?.n ?? 0)) / Math.max(1, total)),
        top: topText(top, total),
      });
    }
  }
  return out;
}

const round = (x: number) => Math.round(x * 1000) / 1000;
