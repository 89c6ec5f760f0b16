import type { FeatureFrame } from './frame.ts';
import { mulberry32, shuffle } from './splits.ts';

/**
 * Leakage audit, on the training rows only. A feature "leaks" when it was recorded after the outcome
 * was known (a sales rep's tag, a quality score filled in after the call). Tell-tale signs:
 *   - one feature alone separates converted from not (single-feature ROC AUC >= aucThreshold, 0.9);
 *   - it is present almost only for one class (missing-rate gap between classes >= missingGapThreshold, 0.5);
 *   - both signs at once, each milder: AUC >= moderateAuc (0.75) AND missing-rate gap >= moderateGap (0.3)
 *     (a field a rep fills in mostly for the leads that went somewhere, with values that track the outcome).
 *     On X Education this third rule is what separates `Lead Quality` (AUC 0.80, gap 0.38) from ordinary
 *     form answers like `What is your current occupation` (AUC 0.71, gap 0.31).
 * Numeric AUC ranks the raw values with missing below everything (so missingness counts as signal).
 * Categorical AUC scores each row by its level's conversion rate computed OUT OF FOLD (k folds, seeded)
 * with additive smoothing toward the base rate (m pseudo-rows), so a level seen once (an ID-like column)
 * gets the base rate, not its own label, and cannot reach 1.0 by memorising.
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
}

export interface AuditReport {
  suspected: Array<{ column: string; reason: string }>;
  features: AuditFeature[];
  /** rows audited (training split), positives among them */
  rows: number;
  positives: number;
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
  const idx = Array.from(trainIdx);
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
    features.push(f);
    const reasons: string[] = [];
    if (f.auc >= aucMax) {
      reasons.push(
        `single-feature AUC ${f.auc.toFixed(3)} on the training split (>= ${aucMax}): this column alone nearly separates converted from not, which is typical of a value recorded after the outcome was known`,
      );
    }
    const gap = Math.abs(f.missing_rate_pos - f.missing_rate_neg);
    if (gap >= gapMax) {
      reasons.push(
        `missing for ${pct(f.missing_rate_pos)} of converted vs ${pct(f.missing_rate_neg)} of non-converted leads: it is filled in almost only for one class, as when a field is completed after talking to the lead`,
      );
    }
    if (!reasons.length && f.auc >= midAuc && gap >= midGap) {
      reasons.push(
        `single-feature AUC ${f.auc.toFixed(3)} (>= ${midAuc}) and missing for ${pct(f.missing_rate_pos)} of converted vs ${pct(f.missing_rate_neg)} of non-converted leads (gap >= ${midGap}): a strong signal that is mostly recorded for one class, like a field filled in after talking to the lead`,
      );
    }
    if (reasons.length) suspected.push({ column: col.name, reason: reasons.join('; ') });
  }
  return {
    suspected,
    features,
    rows: idx.length,
    positives: nPos,
    method: `training split only; numeric: ROC AUC of raw values (missing ranked lowest); categorical: ROC AUC of the ${folds}-fold out-of-fold level conversion rate smoothed toward the base rate with m=${m}; orientation-free (max(auc, 1-auc)); flagged when AUC >= ${aucMax}, or the per-class missing-rate gap >= ${gapMax}, or AUC >= ${midAuc} with a gap >= ${midGap}`,
  };
}

/** ROC AUC (Mann-Whitney, ties averaged) of scores against 0/1 labels; 0.5 when a class is absent. */
export function rocAuc(score: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = score.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[a] - score[b]);
  let nPos = 0;
  for (let i = 0; i < n; i++) nPos += y[i] ? 1 : 0;
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return 0.5;
  let rankSumPos = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && score[order[j + 1]] === score[order[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (y[order[k]]) rankSumPos += avgRank;
    i = j + 1;
  }
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

const round = (x: number) => Math.round(x * 10000) / 10000;
const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
