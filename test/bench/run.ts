/**
 * `npm run bench`: quality against scikit-learn and XGBoost on the real X Education data (identical
 * rows and columns, seeds 1, 2, 3, 7, 42), with the ratio of leadscore's training time to XGBoost's;
 * speed of every stage at 10k / 100k / 1M generated leads (seconds, rows/s, peak RSS per stage, each
 * in its own process), and fit/predict ratios of our logistic, neural and gbdt models to scikit-learn's and
 * XGBoost's on the same matrix (ratios.ts). Writes bench-results.json and prints Markdown tables. Never
 * run by `npm test`.
 *   BENCH_SIZES=10000,100000 npm run bench     # smaller sizes for a quick look
 *   BENCH_SEEDS=42 BENCH_SIZES= npm run bench  # X Education at one seed only
 *   BENCH_SIZES=100000,1000000 BENCH_STAGES=generate,export-csv,ingest BENCH_SCALE_ONLY=1 npm run bench
 *     # only those stages (each needs the ones before it), no quality or ratios
 *   BENCH_RATIOS_ONLY=1 npm run bench          # only the same-matrix ratios (2-3 minutes), no quality or scale
 *   BENCH_REPEATS=1 npm run bench              # one pass per size (default: 3 passes at every size, medians)
 * Growth is given for each pair of neighbouring sizes; above 10.5x per 10x of leads is faster than linear.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ratios, ratioLines } from './ratios.ts';
import { LINEAR_TOLERANCE, targetLines } from './targets.ts';

const PY = '/usr/bin/python3';
const PEER = path.resolve('../shared/bench/peer_sklearn.py');
const XEDU = fs.existsSync('data/x_education_leads.csv')
  ? 'data/x_education_leads.csv'
  : '../shared/data/x_education_leads.csv';
const SIZES = (process.env.BENCH_SIZES ?? '10000,100000,1000000').split(',').filter(Boolean).map(Number);
const ALL_STAGES = ['generate', 'export-csv', 'ingest', 'features', 'train', 'score', 'write-floor', 'compare'];
const STAGES = process.env.BENCH_STAGES ? process.env.BENCH_STAGES.split(',') : ALL_STAGES;
for (const st of STAGES) if (!ALL_STAGES.includes(st)) throw new Error(`BENCH_STAGES: unknown stage ${st}`);
const SCALE_ONLY = process.env.BENCH_SCALE_ONLY === '1';
const RATIOS_ONLY = process.env.BENCH_RATIOS_ONLY === '1';
if (SCALE_ONLY && RATIOS_ONLY) throw new Error('BENCH_SCALE_ONLY and BENCH_RATIOS_ONLY exclude each other');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-bench-'));
const t0 = performance.now();
const log = (m: string) => process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(0)}s] ${m}\n`);

function peerAvailable(): string | null {
  const r = spawnSync(PY, ['-c', 'import sklearn, pandas'], { encoding: 'utf8' });
  return r.status === 0 && fs.existsSync(PEER)
    ? null
    : 'scikit-learn peer not available (apt-get install -y python3-sklearn python3-pandas); leadscore figures only';
}

/** Seeds of the X Education comparison (issue #17's five; BENCH_SEEDS=42 for a quick look). */
const SEEDS = (process.env.BENCH_SEEDS ?? '1,2,3,7,42').split(',').map(Number);

type Metrics = Record<string, number>;

/**
 * Quality on X Education, per seed: leadscore's trainFlat in its own process (cold, as a user's run),
 * then the peer script (scikit-learn and XGBoost) on exactly the same rows and columns.
 */
async function quality(peerMissing: string | null) {
  const runs: Array<{
    seed: number;
    seconds: number;
    cpu_seconds: number;
    excluded_columns: string[];
    leadscore: Record<string, Metrics>;
    peer: Record<string, Metrics> | null;
    members: unknown;
    calibration: string;
    /** the blend's test ECE bins: rows, mean probability, share converted */
    ece_bins: Array<{ rows: number; mean_probability: number; converted: number }>;
  }> = [];
  for (const seed of SEEDS) {
    log(`quality: X Education seed ${seed}, train + export split`);
    const r = JSON.parse(
      execFileSync('npx', ['tsx', 'test/bench/xedu.ts', String(seed), work], { encoding: 'utf8', maxBuffer: 1 << 26 }),
    );
    let peer: Record<string, Metrics> | null = null;
    if (!peerMissing) {
      log(`quality: peer_sklearn.py on identical rows (seed ${seed})`);
      const out = execFileSync(
        PY,
        [PEER, r.split, 'Converted', '--split-col', 'split', '--drop', r.peer_drop, '--json'],
        {
          encoding: 'utf8',
          maxBuffer: 1 << 26,
        },
      );
      peer = JSON.parse(out).models;
    }
    runs.push({
      seed,
      seconds: r.seconds,
      cpu_seconds: r.cpu_seconds,
      excluded_columns: r.excluded_columns,
      leadscore: r.metrics,
      peer,
      members: r.members,
      calibration: r.calibration,
      ece_bins: r.ece_bins ?? [],
    });
  }
  return { data: XEDU, seeds: SEEDS, runs };
}

/** Every stage at one size, each in its own process (pass > 0: one of several passes at this size). */
function scale(leads: number, pass = 0) {
  const dir = path.join(work, `n${leads}${pass ? `-${pass}` : ''}`);
  fs.mkdirSync(dir, { recursive: true });
  const results: Record<string, unknown>[] = [];
  for (const stage of STAGES) {
    log(`scale ${leads}${pass ? ` (pass ${pass})` : ''}: ${stage}`);
    // the machine may be shared: a load above its cores makes the seconds of this stage a ceiling
    const load = os.loadavg()[0];
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/bench/stage.ts', stage, dir, String(leads)], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    if (r.status !== 0) {
      results.push({ stage, leads, error: (r.stderr || r.stdout).split('\n').filter(Boolean).slice(-3).join(' | ') });
      log(`  failed: ${results[results.length - 1].error}`);
      break;
    }
    const line = r.stdout.trim().split('\n').pop()!;
    results.push({ ...JSON.parse(line), load_average: load });
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return results;
}

/**
 * Passes per size: growth is measured from each stage's median run at both sizes. A stage of two or three seconds at
 * 100k moved by a third between single runs (features 2.6-3.4 s in one session), and one stage at 1M by a fifth from
 * one hour to the next, either enough to swing a growth factor across 10.5x on its own.
 */
const REPEATS = Math.max(1, Number(process.env.BENCH_REPEATS ?? 3));

/** Per stage, the record of the run with the median seconds, the median CPU seconds, and every run's seconds. */
function medianRuns(passes: Record<string, unknown>[][]): Record<string, unknown>[] {
  if (passes.length === 1) return passes[0];
  return passes[0].map((first, k) => {
    const runs = passes.map((p) => p[k]).filter((r) => r && r.stage === first.stage && !r.error);
    if (runs.length < passes.length) return passes.map((p) => p[k]).find((r) => r?.error) ?? first;
    const sorted = [...runs].sort((a, b) => (a.seconds as number) - (b.seconds as number));
    const cpu = runs.map((r) => r.cpu_seconds as number).sort((a, b) => a - b);
    return {
      ...sorted[Math.floor((sorted.length - 1) / 2)],
      cpu_seconds: cpu[Math.floor((cpu.length - 1) / 2)],
      runs: runs.length,
      seconds_each: runs.map((r) => r.seconds),
    };
  });
}

/** How fast the host is now: stage.ts's fixed workload in its own process (DuckDB on every thread, then a JS loop). */
function hostSpeed(when: string): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/bench/stage.ts', 'host-speed', work, '0'], {
    encoding: 'utf8',
  });
  if (r.status !== 0) return { when, error: (r.stderr || r.stdout).split('\n').filter(Boolean).pop() };
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
  return { when, query_seconds: out.query_seconds, memory_seconds: out.memory_seconds, loop_seconds: out.loop_seconds };
}
const hostSpeeds: Record<string, unknown>[] = [];

const peerMissing = peerAvailable();
if (peerMissing) log(peerMissing);
const machine = {
  cpus: os.cpus().length,
  cpu_model: os.cpus()[0]?.model,
  memory_gib: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  load_average_at_start: os.loadavg()[0],
};
const q = SCALE_ONLY || RATIOS_ONLY ? null : await quality(peerMissing);
const rat = SCALE_ONLY ? null : await ratios({ data: XEDU, work, python: PY, peerMissing, log });
const scaleResults: Record<string, Record<string, unknown>[]> = {};
if (!RATIOS_ONLY)
  for (const n of SIZES) {
    hostSpeeds.push(hostSpeed(`before ${n}`));
    scaleResults[n] = medianRuns(Array.from({ length: REPEATS }, (_, k) => scale(n, REPEATS > 1 ? k + 1 : 0)));
  }
if (!RATIOS_ONLY && SIZES.length > 0) hostSpeeds.push(hostSpeed('after the last'));
const results = {
  created_at: new Date().toISOString(),
  machine,
  peer: peerMissing ?? 'scikit-learn and XGBoost (Debian python3-sklearn, python3-xgboost)',
  quality: q,
  ratios: rat,
  scale: scaleResults,
  host_speed: hostSpeeds,
  total_seconds: (performance.now() - t0) / 1000,
};
fs.writeFileSync('bench-results.json', JSON.stringify(results, null, 2));
fs.rmSync(work, { recursive: true, force: true });
process.stdout.write(markdown(results) + '\n');

function f(x: unknown, d = 4): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '–';
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** The X Education tables: per seed, blend vs XGBoost and scikit-learn's HGB; means; every model's means. */
function qualityMarkdown(q: Awaited<ReturnType<typeof quality>>): string[] {
  const lines: string[] = [];
  const excluded = [...new Set(q.runs.flatMap((r) => r.excluded_columns))].join(', ');
  lines.push(
    `### Quality: X Education, seeds ${q.seeds.join(', ')} (${excluded} excluded by the leakage audit; ` +
      'the peer on identical rows and columns)',
    '',
    '| seed | blend AUC | XGBoost AUC | HGB AUC | blend log loss | XGBoost log loss | HGB log loss | blend ECE | ' +
      'XGBoost ECE | leadscore train s | XGBoost fit s | calibration | blend ECE bin rows (10 equal-width bins) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const r of q.runs) {
    const b = r.leadscore.blend;
    const x = r.peer?.xgb;
    const h = r.peer?.hgb;
    lines.push(
      `| ${r.seed} | ${f(b.auc)} | ${f(x?.auc)} | ${f(h?.auc)} | ${f(b.logloss)} | ${f(x?.logloss)} | ` +
        `${f(h?.logloss)} | ${f(b.ece)} | ${f(x?.ece)} | ${f(r.seconds, 1)} | ${f(x?.fit_s, 2)} | ` +
        `${r.calibration} | ${r.ece_bins.map((e) => e.rows).join(' ')} |`,
    );
  }
  const avg = (get: (r: (typeof q.runs)[number]) => number | undefined) => {
    const xs = q.runs.map(get).filter((v): v is number => typeof v === 'number');
    return xs.length ? mean(xs) : NaN;
  };
  lines.push(
    `| mean | ${f(avg((r) => r.leadscore.blend.auc))} | ${f(avg((r) => r.peer?.xgb?.auc))} | ` +
      `${f(avg((r) => r.peer?.hgb?.auc))} | ${f(avg((r) => r.leadscore.blend.logloss))} | ` +
      `${f(avg((r) => r.peer?.xgb?.logloss))} | ${f(avg((r) => r.peer?.hgb?.logloss))} | ` +
      `${f(avg((r) => r.leadscore.blend.ece))} | ${f(avg((r) => r.peer?.xgb?.ece))} | ` +
      `${f(
        avg((r) => r.seconds),
        1,
      )} | ${f(
        avg((r) => r.peer?.xgb?.fit_s),
        2,
      )} | | |`,
    '',
    '| model (mean over the seeds) | AUC | PR AUC | log loss | Brier | ECE |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  const first = q.runs[0];
  for (const k of Object.keys(first.leadscore)) {
    const m = (key: string) => f(avg((r) => r.leadscore[k]?.[key]));
    lines.push(`| leadscore ${k} | ${m('auc')} | ${m('pr_auc')} | ${m('logloss')} | ${m('brier')} | ${m('ece')} |`);
  }
  for (const k of Object.keys(first.peer ?? {})) {
    const m = (key: string) => f(avg((r) => r.peer?.[k]?.[key]));
    const name = k === 'xgb' ? 'XGBoost' : `scikit-learn ${k}`;
    lines.push(`| ${name} | ${m('auc')} | ${m('pr_auc')} | ${m('logloss')} | ${m('brier')} | ${m('ece')} |`);
  }
  const seconds = avg((r) => r.seconds);
  const xgbFit = avg((r) => r.peer?.xgb?.fit_s);
  lines.push(
    '',
    `leadscore training end to end on X Education (trainFlat in a fresh process: read, audit, folds, refit, ` +
      `save): ${f(seconds, 1)} s wall on average, ${f(Math.max(...q.runs.map((r) => r.seconds)), 1)} s at most, ` +
      `${f(
        avg((r) => r.cpu_seconds),
        1,
      )} s CPU; XGBoost's fit alone (one model, already encoded, 2 threads): ` +
      `${f(xgbFit, 2)} s. Ratio leadscore / XGBoost: ${f(seconds / xgbFit, 1)}x.`,
    '',
  );
  return lines;
}

function markdown(r: typeof results): string {
  const lines: string[] = [];
  lines.push(
    `Machine: ${machine.cpus} cores (${machine.cpu_model}), ${machine.memory_gib} GiB, Node ${machine.node}; ` +
      `peer: ${r.peer}. Total ${f(r.total_seconds, 0)} s.`,
    '',
  );
  if (r.quality) lines.push(...qualityMarkdown(r.quality));
  if (!RATIOS_ONLY) scaleLines(r, lines);
  if (r.ratios) lines.push(...ratioLines(r.ratios));
  if (!RATIOS_ONLY) lines.push('', ...targetLines(r.scale, r.ratios));
  return lines.join('\n').replace(/\n{3,}/g, '\n\n');
}

/** One host-speed measurement as the bench prints it: when, then its three figures. */
function hostSpeedText(h: Record<string, unknown>): string {
  if (h.error) return `${h.when} failed (${h.error})`;
  return `${h.when} ${f(h.query_seconds, 2)} / ${f(h.memory_seconds, 2)} / ${f(h.loop_seconds, 2)} s`;
}

function scaleLines(r: typeof results, lines: string[]): void {
  const eachRun = (s: Record<string, unknown>) =>
    Array.isArray(s.seconds_each) ? ` [${(s.seconds_each as number[]).map((x) => f(x, 1)).join(', ')}]` : '';
  lines.push(
    '### Speed at scale (each stage in its own process)',
    '',
    REPEATS > 1
      ? `At each size each stage ran ${REPEATS} times (a fresh pass each); its row is the run with the median ` +
          "seconds (every run's seconds in brackets) with the median CPU seconds, and growth is measured from them."
      : 'Each stage ran once at each size (BENCH_REPEATS=1).',
    '',
    `Host speed, a fixed workload in its own process (DuckDB arithmetic on every thread / a DuckDB hash table of 16M ` +
      `groups / a JavaScript loop): the same code, so higher figures mean a slower host; compare them across benches ` +
      `before the rest: ${r.host_speed.map(hostSpeedText).join('; ')}.`,
    '',
    '| leads | stage | seconds | CPU s | rows | rows/s | peak RSS MiB | load avg |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const [n, stages] of Object.entries(r.scale)) {
    for (const s of stages)
      lines.push(
        s.error
          ? `| ${n} | ${s.stage} | failed: ${s.error} | | | | | |`
          : `| ${n} | ${s.stage} | ${f(s.seconds, 1)}${eachRun(s)} | ${f(s.cpu_seconds, 1)} | ${s.rows} | ` +
              `${f(s.rows_per_second, 0)} | ${f(s.peak_rss_mib, 0)} | ${f(s.load_average, 1)} |`,
      );
  }
  for (const [n, stages] of Object.entries(r.scale)) {
    const sc = stages.find((s) => s.stage === 'score');
    if (sc?.inference_and_write_rows_per_second)
      lines.push(
        '',
        `score at ${n}: model inference + write alone ${f(sc.inference_and_write_rows_per_second, 0)} rows/s ` +
          `(steps: ${Object.entries(sc.timings as Record<string, number>)
            .map(([k, v]) => `${k} ${f(v, 1)} s`)
            .join(', ')})`,
      );
    const floor = stages.find((s) => s.stage === 'write-floor')?.floor as
      | {
          rows: number;
          first_run: { seconds: number; rows_per_second: number };
          rerun: { seconds: number; rows_per_second: number };
          first_run_without_reasons: { seconds: number; rows_per_second: number };
        }
      | undefined;
    if (floor) {
      lines.push(
        `write floor at ${n} (score's ${floor.rows} final rows written again with no scoring work, one ` +
          `transaction as score does): ` +
          `first run ${f(floor.first_run.seconds, 2)} s = ${f(floor.first_run.rows_per_second, 0)} rows/s; ` +
          `re-run (every lead already in lead_scores) ${f(floor.rerun.seconds, 2)} s = ` +
          `${f(floor.rerun.rows_per_second, 0)} rows/s; ` +
          `first run without the reasons JSON ${f(floor.first_run_without_reasons.seconds, 2)} s = ` +
          `${f(floor.first_run_without_reasons.rows_per_second, 0)} rows/s`,
      );
    }
    const cmp = stages.find((s) => s.stage === 'compare');
    if (cmp?.auc_predictive)
      lines.push(
        `compare at ${n}: AUC predictive ${f(cmp.auc_predictive)} vs rules ${f(cmp.auc_rules)}; lift at 10% ` +
          `${f(cmp.lift10_predictive, 2)} vs ${f(cmp.lift10_rules, 2)}`,
      );
  }
  const sizes = Object.keys(r.scale)
    .map(Number)
    .sort((a, b) => a - b);
  const stat = (n: number, st: string, k: string) =>
    (r.scale[n].find((s) => s.stage === st)?.[k] as number | undefined) ?? NaN;
  for (let i = 1; i < sizes.length; i++) {
    const [lo, hi] = [sizes[i - 1], sizes[i]];
    const limit = (hi / lo) * LINEAR_TOLERANCE;
    const growth = (st: string, k: string) => {
      const g = stat(hi, st, k) / stat(lo, st, k);
      return `${f(g, 1)}x${g > limit ? ' (faster than linear)' : ''}`;
    };
    lines.push(
      '',
      `Growth from ${lo} to ${hi} leads (${hi / lo}x): seconds ` +
        STAGES.map((st) => `${st} ${growth(st, 'seconds')}`).join(', ') +
        // on a shared machine the wall seconds follow the load; CPU seconds much less
        `; CPU seconds ` +
        STAGES.map((st) => `${st} ${growth(st, 'cpu_seconds')}`).join(', ') +
        `; peak RSS ` +
        STAGES.map((st) => `${st} ${growth(st, 'peak_rss_mib')}`).join(', '),
    );
  }
}
