import type { FeatureColumn, FeatureFrame } from './frame.ts';
import { isCreationDateName, isOutcomeDateName, matchPostOutcome } from './leakage-lexicon.ts';
import { mulberry32, shuffle } from './splits.ts';
import { rocAucOf } from '../numeric.ts';

/**
 * Leakage audit, on the training rows only. A feature "leaks" when it was recorded after the outcome
 * was known (a sales rep's tag, a quality score filled in after the call, the call's duration, the
 * deal stage). A column is suspected when:
 *   - its name is a field CRMs fill in after the outcome (leakage-lexicon.ts: status, stage, lifecycle
 *     stage, tags, lead quality, converted, won, lost, reason, close date, days to close, call or
 *     meeting duration, number of contacts or calls, deal amount, owner, ...), matched on normalized
 *     names; columns the caller knows are computed point in time (`pointInTime`) are exempt;
 *   - one feature alone separates converted from not (single-feature ROC AUC >= aucThreshold, 0.9);
 *   - it is present almost only for one class (missing-rate gap between classes >= missingGapThreshold, 0.5);
 *   - both signs at once, each milder: AUC >= moderateAuc (0.75) AND missing-rate gap >= moderateGap (0.3)
 *     (a field a rep fills in mostly for the leads that went somewhere, with values that track the outcome).
 *     On X Education this third rule is what separates `Lead Quality` (AUC 0.80, gap 0.38) from ordinary
 *     form answers like `What is your current occupation` (AUC 0.71, gap 0.31).
 *   - a date column (flat tables) whose values fall after the lead's creation date and cluster around
 *     the outcome date (within a week, or a tenth of the typical creation-to-outcome time), or, with no
 *     outcome date in the table, whose lag after creation (or presence) tracks the outcome (AUC >= 0.75).
 * Numeric AUC ranks the raw values with missing below everything (so missingness counts as signal).
 * Categorical AUC scores each row by its level's conversion rate computed OUT OF FOLD (k folds, seeded)
 * with additive smoothing toward the base rate (m pseudo-rows), so a level seen once (an ID-like column)
 * gets the base rate, not its own label, and cannot reach 1.0 by memorising.
 * Dominance (a column whose removal costs far more than any other's) needs a model, so the training
 * pipeline measures it (src/pipelines/leakage.ts) and merges it with this report.
 */

export interface AuditFeature {
  column: string;
  kind: 'numeric' | 'categorical';
  /** single-feature ROC AUC, orientation-free: max(auc, 1 - auc) */
  auc: number;
  /** 'higher' if larger values (or higher-converting levels) go with conversion */
  direction: 'higher' | 'lower';
  missing_rate_pos: number;
  missing_rate_neg: number;
  /** number of distinct levels (categoricals) */
  levels?: number;
  /** the strongest level: largest share of positives with enough support (categoricals) */
  top_level?: { level: string; rows: number; conversion: number };
  /** the post-outcome field its name matches (leakage-lexicon.ts), if any */
  name_match?: { matched: string; what: string };
  /** date columns: share of values after the lead's creation, and their distance to the outcome date */
  date?: {
    after_creation: number | null;
    median_days_from_outcome: number | null;
    lag_auc: number | null;
    typical_days_to_outcome?: number;
  };
}

export interface AuditReport {
  suspected: Array<{ column: string; reason: string }>;
  features: AuditFeature[];
  /** rows audited (training split), positives among them */
  rows: number;
  positives: number;
  /** the date columns read as the lead's creation and its outcome (flat tables), if any */
  dates: { creation: string | null; outcome: string | null };
  method: string;
}

export interface AuditOptions {
  aucThreshold?: number;
  missingGapThreshold?: number;
  moderateAuc?: number;
  moderateGap?: number;
  folds?: number;
  smoothing?: number;
  seed?: number;
  /** columns computed point in time from events before the snapshot (CRM activity features): no name rule */
  pointInTime?: ReadonlySet<string>;
  /** audit at most this many training rows, a seeded sample above it (default 100000: AUCs to ~0.002) */
  maxRows?: number;
}

/** Audit every feature of a frame on the training rows for signs of leakage. */
export function auditLeakage(frame: FeatureFrame, trainIdx: ArrayLike<number>, opts: AuditOptions = {}): AuditReport {
  if (!frame.label) throw new Error('auditLeakage needs a frame with labels');
  const aucMax = opts.aucThreshold ?? 0.9;
  const gapMax = opts.missingGapThreshold ?? 0.5;
  const midAuc = opts.moderateAuc ?? 0.75;
  const midGap = opts.moderateGap ?? 0.3;
  const folds = opts.folds ?? 5;
  const m = opts.smoothing ?? 10;
  const seed = opts.seed ?? 1;
  const maxRows = opts.maxRows ?? 100_000;
  const idx =
    trainIdx.length > maxRows
      ? shuffle(Array.from(trainIdx), mulberry32(seed ^ 0x5bd1e995))
          .slice(0, maxRows)
          .sort((a, b) => a - b)
      : Array.from(trainIdx);
  const y = Uint8Array.from(idx, (i) => frame.label![i]);
  const nPos = y.reduce((a, b) => a + b, 0);
  const nNeg = y.length - nPos;
  // fold of each audited row (seeded)
  const fold = new Int32Array(idx.length);
  const order = shuffle(
    Array.from({ length: idx.length }, (_, k) => k),
    mulberry32(seed),
  );
  order.forEach((k, r) => (fold[k] = r % folds));

  const features: AuditFeature[] = [];
  const suspected: AuditReport['suspected'] = [];
  const dateCols = frame.columns.filter((c): c is Extract<FeatureColumn, { kind: 'numeric' }> => isDate(c));
  const creation = dateCols.find((c) => isCreationDateName(c.name)) ?? null;
  const outcome = dateCols.find((c) => c !== creation && isOutcomeDateName(c.name)) ?? null;
  for (const col of frame.columns) {
    let missPos = 0,
      missNeg = 0;
    const score = new Float64Array(idx.length);
    let extra: Partial<AuditFeature> = {};
    if (col.kind === 'numeric') {
      idx.forEach((i, k) => {
        const v = col.values[i];
        if (Number.isNaN(v)) {
          if (y[k]) missPos++;
          else missNeg++;
          score[k] = -Infinity;
        } else score[k] = v;
      });
    } else {
      const values = idx.map((i) => col.values[i]);
      values.forEach((v, k) => {
        if (v === null) {
          if (y[k]) missPos++;
          else missNeg++;
        }
      });
      const key = (v: string | null) => (v === null ? '\u0000missing' : v);
      // per-fold level counts -> out-of-fold smoothed conversion rate
      const total = new Map<string, [number, number]>();
      const perFold = Array.from({ length: folds }, () => new Map<string, [number, number]>());
      const foldPos = new Float64Array(folds),
        foldN = new Float64Array(folds);
      values.forEach((v, k) => {
        const kk = key(v);
        for (const map of [total, perFold[fold[k]]]) {
          const c = map.get(kk) ?? [0, 0];
          c[0] += y[k];
          c[1] += 1;
          map.set(kk, c);
        }
        foldPos[fold[k]] += y[k];
        foldN[fold[k]] += 1;
      });
      values.forEach((v, k) => {
        const kk = key(v);
        const all = total.get(kk)!;
        const own = perFold[fold[k]].get(kk)!;
        const pos = all[0] - own[0],
          cnt = all[1] - own[1];
        const prior = (nPos - foldPos[fold[k]]) / Math.max(1, idx.length - foldN[fold[k]]);
        score[k] = (pos + m * prior) / (cnt + m);
      });
      let top: AuditFeature['top_level'];
      for (const [lvl, [p, c]] of total) {
        if (c < Math.max(10, 0.01 * idx.length)) continue;
        const conv = p / c;
        if (
          !top ||
          Math.abs(conv - nPos / idx.length) * Math.sqrt(c) >
            Math.abs(top.conversion - nPos / idx.length) * Math.sqrt(top.rows)
        ) {
          top = { level: lvl === '\u0000missing' ? '(missing)' : lvl, rows: c, conversion: round(conv) };
        }
      }
      extra = { levels: total.size, ...(top ? { top_level: top } : {}) };
    }
    const raw = rocAuc(score, y);
    const f: AuditFeature = {
      column: col.name,
      kind: col.kind,
      auc: round(Math.max(raw, 1 - raw)),
      direction: raw >= 0.5 ? 'higher' : 'lower',
      missing_rate_pos: round(nPos ? missPos / nPos : 0),
      missing_rate_neg: round(nNeg ? missNeg / nNeg : 0),
      ...extra,
    };
    const match = opts.pointInTime?.has(col.name) ? null : matchPostOutcome(col.name, col.kind);
    if (match) f.name_match = { matched: match.matched, what: match.rule.what };
    if (isDate(col) && creation && col !== creation) f.date = dateFinding(col, creation, outcome, idx, y);
    features.push(f);
    const reasons: string[] = [];
    if (match) {
      reasons.push(
        `its name reads as ${match.rule.what} ("${match.matched}"` +
          (f.auc < aucMax ? `; single-feature AUC ${f.auc.toFixed(3)} on the training split)` : ')'),
      );
    }
    if (f.date && isPostOutcomeDate(f.date, outcome !== null)) {
      const d = f.date;
      reasons.push(
        outcome
          ? `a date after the lead's creation (${pct(d.after_creation!)} of values after "${creation!.name}") ` +
              `that falls within ${d.median_days_from_outcome!.toFixed(0)} days of the outcome date ` +
              `"${outcome.name}" (median): recorded when the outcome happened`
          : `a date after the lead's creation (${pct(d.after_creation!)} of values after "${creation!.name}") ` +
              `whose lag or presence tracks the outcome (AUC ${d.lag_auc!.toFixed(3)}): recorded while or after ` +
              'sales worked the lead',
      );
    }
    if (f.auc >= aucMax) {
      reasons.push(
        `single-feature AUC ${f.auc.toFixed(3)} on the training split (>= ${aucMax}): this column alone ` +
          'nearly separates converted from not, which is typical of a value recorded after the outcome was known',
      );
    }
    const gap = Math.abs(f.missing_rate_pos - f.missing_rate_neg);
    if (gap >= gapMax) {
      reasons.push(
        `missing for ${pct(f.missing_rate_pos)} of converted vs ${pct(f.missing_rate_neg)} of non-converted ` +
          'leads: it is filled in almost only for one class, as when a field is completed after talking to the lead',
      );
    }
    if (!reasons.length && f.auc >= midAuc && gap >= midGap) {
      reasons.push(
        `single-feature AUC ${f.auc.toFixed(3)} (>= ${midAuc}) and missing for ${pct(f.missing_rate_pos)} of ` +
          `converted vs ${pct(f.missing_rate_neg)} of non-converted leads (gap >= ${midGap}): a strong signal ` +
          'that is mostly recorded for one class, like a field filled in after talking to the lead',
      );
    }
    if (reasons.length) suspected.push({ column: col.name, reason: reasons.join('; ') });
  }
  return {
    suspected,
    features,
    rows: idx.length,
    positives: nPos,
    dates: { creation: creation?.name ?? null, outcome: outcome?.name ?? null },
    method:
      (idx.length < trainIdx.length ? `a seeded sample of ${idx.length} training rows; ` : 'training split only; ') +
      'flagged when the name matches a post-outcome CRM field (leakage lexicon), ' +
      `or AUC >= ${aucMax}, or the per-class missing-rate gap >= ${gapMax}, ` +
      `or AUC >= ${midAuc} with a gap >= ${midGap}, ` +
      'or (dates) values after creation that cluster around the outcome date (or, without one, whose lag tracks the ' +
      `outcome, AUC >= ${DATE_LAG_AUC}); numeric: ROC AUC of raw values (missing ranked lowest); ` +
      'categorical: ROC AUC ' +
      `of the ${folds}-fold out-of-fold level conversion rate smoothed toward the base rate with m=${m}; ` +
      'orientation-free (max(auc, 1-auc))',
  };
}

/** A date column (flat tables read ISO dates as days since 1970, marked `date`). */
function isDate(c: FeatureColumn): c is Extract<FeatureColumn, { kind: 'numeric' }> {
  return c.kind === 'numeric' && c.date === true;
}

/** AUC of a date's lag after creation at or above which it is said to track the outcome (no outcome date). */
const DATE_LAG_AUC = 0.75;
/** Share of a date's values after the lead's creation for it to count as recorded after creation. */
const AFTER_CREATION = 0.9;

/** How a date column sits against the lead's creation and outcome dates, on the audited rows. */
function dateFinding(
  col: Extract<FeatureColumn, { kind: 'numeric' }>,
  creation: Extract<FeatureColumn, { kind: 'numeric' }>,
  outcome: Extract<FeatureColumn, { kind: 'numeric' }> | null,
  idx: number[],
  y: Uint8Array,
): NonNullable<AuditFeature['date']> {
  let both = 0,
    after = 0;
  const lag = new Float64Array(idx.length);
  const fromOutcome: number[] = [];
  const toOutcome: number[] = [];
  idx.forEach((i, k) => {
    const d = col.values[i];
    const c = creation.values[i];
    lag[k] = Number.isNaN(d) || Number.isNaN(c) ? -Infinity : d - c;
    if (Number.isNaN(d) || Number.isNaN(c)) return;
    both++;
    if (d > c) after++;
    const o = outcome ? outcome.values[i] : NaN;
    if (!Number.isNaN(o)) {
      fromOutcome.push(Math.abs(d - o));
      toOutcome.push(o - c);
    }
  });
  const raw = rocAuc(lag, y);
  return {
    after_creation: both ? round(after / both) : null,
    median_days_from_outcome: fromOutcome.length ? round(median(fromOutcome)) : null,
    lag_auc: round(Math.max(raw, 1 - raw)),
    ...(toOutcome.length ? { typical_days_to_outcome: round(median(toOutcome)) } : {}),
  } as NonNullable<AuditFeature['date']>;
}

/** The date rule: after creation, and near the outcome date (or, with none, a lag that tracks the outcome). */
function isPostOutcomeDate(d: NonNullable<AuditFeature['date']>, hasOutcome: boolean): boolean {
  if (d.after_creation === null || d.after_creation < AFTER_CREATION) return false;
  if (hasOutcome) {
    const typical = (d as { typical_days_to_outcome?: number }).typical_days_to_outcome ?? 0;
    return d.median_days_from_outcome !== null && d.median_days_from_outcome <= Math.max(7, 0.1 * Math.abs(typical));
  }
  return d.lag_auc !== null && d.lag_auc >= DATE_LAG_AUC;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** ROC AUC (Mann-Whitney, ties averaged) of scores against 0/1 labels; 0.5 when a class is absent. */
export const rocAuc = rocAucOf;

const round = (x: number) => Math.round(x * 10000) / 10000;
const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
