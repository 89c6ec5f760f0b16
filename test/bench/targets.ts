/**
 * The targets of issue #20 checked against one bench run's own figures: each met, not met (with where that stage's
 * time went in this run), or not measured (its size or stage left out of the run).
 */
import type { RatioResults } from './ratios.ts';

/** One stage's median row at one size, as the bench records it (bench-results.json's `scale`). */
type StageRecord = Record<string, unknown>;
/** The bench's rows by size. */
export type ScaleRecords = Record<string, StageRecord[]>;

/** The figures of one stage at one size that the targets read. */
interface StageFigures {
  stage: string;
  seconds?: number;
  cpu_seconds?: number;
  peak_rss_mib?: number;
  timings?: Record<string, number>;
  error?: string;
}

// A stage's figures at a size, read from its record (undefined when the run left that size or stage out).
function figures(scale: ScaleRecords, leads: number, stage: string): StageFigures | undefined {
  const r = scale[leads]?.find((s) => s.stage === stage);
  if (!r) return undefined;
  const num = (k: string) => (typeof r[k] === 'number' ? (r[k] as number) : undefined);
  return {
    stage,
    seconds: num('seconds'),
    cpu_seconds: num('cpu_seconds'),
    peak_rss_mib: num('peak_rss_mib'),
    timings: r.timings as Record<string, number> | undefined,
    error: typeof r.error === 'string' ? r.error : undefined,
  };
}

/** A stage's time and memory limits at one size. */
interface StageTarget {
  what: string;
  leads: number;
  stage: string;
  seconds: number;
  peakRssMib?: number;
}

const MILLION = 1_000_000;
const STAGE_TARGETS: StageTarget[] = [
  { what: 'score 1M end to end', leads: MILLION, stage: 'score', seconds: 20 },
  { what: 'train 100k leads', leads: 100_000, stage: 'train', seconds: 60 },
  { what: 'train 1M leads', leads: MILLION, stage: 'train', seconds: 150 },
  { what: 'ingest 1M (CSV)', leads: MILLION, stage: 'ingest', seconds: 35, peakRssMib: 3 * 1024 },
  { what: 'compare 1M', leads: MILLION, stage: 'compare', seconds: 25 },
  { what: 'generate 1M', leads: MILLION, stage: 'generate', seconds: 60 },
];
/** The MLP's fit time over scikit-learn's on the same matrix. */
const MLP_FIT_RATIO = 1.5;
/** How far over linear a stage may grow from one size to the next (5%, for noise) before it is faster than linear. */
export const LINEAR_TOLERANCE = 1.05;
/** Growth per stage from 100k to 1M leads: linear is 10x. */
const GROWTH = { from: 100_000, to: MILLION, limit: 10 * LINEAR_TOLERANCE };

const WHY = "why the rest cannot be had here: README, Performance, 'Against the targets of issue #20'";

/** One row of the targets table: the target, this run's figure, met or not, and where the time went when not. */
interface TargetRow {
  target: string;
  measured: string;
  status: 'met' | 'not met' | 'not measured';
  profile: string;
}

const fmt = (x: number, d = 1) => x.toFixed(d);

function stageRow(t: StageTarget, scale: ScaleRecords): TargetRow {
  const limit = `<= ${t.seconds} s${t.peakRssMib ? `, <= ${fmt(t.peakRssMib / 1024, 0)} GiB peak` : ''}`;
  const target = `${t.what} ${limit}`;
  const s = figures(scale, t.leads, t.stage);
  if (!s || s.error || s.seconds === undefined)
    return { target, measured: s?.error ? `failed: ${s.error}` : '–', status: 'not measured', profile: '' };
  const rss = s.peak_rss_mib ?? NaN;
  const measured = `${fmt(s.seconds)} s, ${fmt(s.cpu_seconds ?? NaN)} CPU s, ${fmt(rss, 0)} MiB peak`;
  const met = s.seconds <= t.seconds && (t.peakRssMib === undefined || rss <= t.peakRssMib);
  if (met) return { target, measured, status: 'met', profile: '' };
  const steps = s.timings
    ? `steps: ${Object.entries(s.timings)
        .map(([k, v]) => `${k} ${fmt(v)} s`)
        .join(', ')}; `
    : '';
  return { target, measured, status: 'not met', profile: `${steps}${WHY}` };
}

function mlpRow(ratios: RatioResults | null): TargetRow {
  const target = `MLP fit <= ${MLP_FIT_RATIO}x scikit-learn's, same matrix`;
  const row = ratios?.rows.find((r) => r.model === 'mlp');
  const ratio = row?.fit_ratio_sklearn;
  if (ratio === null || ratio === undefined) return { target, measured: '–', status: 'not measured', profile: '' };
  const measured = `${fmt(ratio, 2)}x (${fmt(row!.fit_s, 3)} s against ${fmt(row!.peer_fit_s ?? NaN, 3)} s)`;
  if (ratio <= MLP_FIT_RATIO) return { target, measured, status: 'met', profile: '' };
  return { target, measured, status: 'not met', profile: WHY };
}

function growthRow(scale: ScaleRecords): TargetRow {
  const target = `every stage grows <= ${GROWTH.limit}x from ${GROWTH.from} to ${GROWTH.to} leads (seconds and CPU)`;
  let worst = { g: 0, where: '' };
  const over: string[] = [];
  for (const stage of new Set((scale[GROWTH.to] ?? []).map((r) => String(r.stage)))) {
    const [l, h] = [figures(scale, GROWTH.from, stage), figures(scale, GROWTH.to, stage)];
    if (!l || !h || l.error || h.error) continue;
    for (const [key, name] of [
      ['seconds', 'seconds'],
      ['cpu_seconds', 'CPU'],
    ] as const) {
      const g = (h[key] ?? NaN) / (l[key] ?? NaN);
      if (!Number.isFinite(g)) continue;
      const where = `${h.stage} ${name} ${fmt(g)}x (${fmt(l[key]!)} -> ${fmt(h[key]!)} s)`;
      if (g > worst.g) worst = { g, where };
      if (g > GROWTH.limit) over.push(where);
    }
  }
  if (worst.where === '') return { target, measured: '–', status: 'not measured', profile: '' };
  const measured = `largest: ${worst.where}`;
  if (over.length === 0) return { target, measured, status: 'met', profile: '' };
  return { target, measured, status: 'not met', profile: `over: ${over.join('; ')}; ${WHY}` };
}

/** Every target of issue #20 against this run's figures. */
function targetRows(scale: ScaleRecords, ratios: RatioResults | null): TargetRow[] {
  return [...STAGE_TARGETS.map((t) => stageRow(t, scale)), mlpRow(ratios), growthRow(scale)];
}

/** The targets table as the bench prints it. */
export function targetLines(scale: ScaleRecords, ratios: RatioResults | null): string[] {
  const rows = targetRows(scale, ratios);
  const met = rows.filter((r) => r.status === 'met').length;
  const measured = rows.filter((r) => r.status !== 'not measured').length;
  return [
    '### The targets of issue #20, in this run',
    '',
    `${met} of ${measured} measured targets met (${rows.length - measured} not measured: a size or stage left out).`,
    '',
    '| target | this run | status | where the time went |',
    '| --- | --- | --- | --- |',
    ...rows.map(
      (r) => `| ${r.target} | ${r.measured} | ${r.status === 'not met' ? '**not met**' : r.status} | ${r.profile} |`,
    ),
  ];
}
