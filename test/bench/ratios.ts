/**
 * The same-matrix part of `npm run bench` (issue #20): leadscore's logistic, neural and gbdt models and
 * their peers (scikit-learn's LogisticRegression, MLPClassifier, HistGradientBoostingClassifier, and
 * XGBoost) fitted on the identical encoded X Education matrix and timed predicting the same ~1M rows
 * (the test rows repeated). The matrices go to the peer as raw float32, so both sides see the same values.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadFlatFrame, stratifiedSplit, fitEncoders, transform } from '../../src/features/index.ts';
import { LogisticRegression, NeuralNet, ensureBackend } from '../../src/models/index.ts';
import { GradientBoosting } from '../../src/models/gbdt.ts';
import { TrainPipelineConfig } from '../../src/pipelines/config.ts';
import { flatTuning } from '../../src/pipelines/train-flat.ts';
import { takeRows } from '../../src/schema/matrix.ts';

/** the seed of every model on both sides (the peers' random_state) */
const SEED = 7;
const MODELS = ['logistic', 'mlp', 'gbdt'] as const;
/** scikit-learn's counterpart of each of our models, by its key in peer_matrix.py's output */
const COUNTERPART = {
  logistic: ['logistic', 'LogisticRegression'],
  mlp: ['mlp', 'MLPClassifier'],
  gbdt: ['hgb', 'HistGradientBoosting'],
} as const;

interface Timing {
  /** the median of FIT_REPEATS fits in one process */
  fit_s: number;
  /** the first of those fits: it also pays for compiling the code (JIT, WebAssembly kernels) once */
  first_fit_s: number;
  predict_s: number;
  /** boosted trees: trees used to predict, and grown (early stopping drops the ones after the best) */
  trees?: number;
  grown?: number;
}
type PeerTiming = Timing & { predict_rows: number };

/** One row of the table: a leadscore model against its scikit-learn counterpart and XGBoost. */
export interface RatioRow {
  model: (typeof MODELS)[number];
  counterpart: string;
  fit_s: number;
  predict_rows_per_s: number;
  peer_fit_s: number | null;
  peer_predict_rows_per_s: number | null;
  /** our fit seconds / the counterpart's (below 1: ours is faster) */
  fit_ratio_sklearn: number | null;
  /** our predict rows/s / the counterpart's (above 1: ours is faster) */
  predict_ratio_sklearn: number | null;
  /** our predict rows/s / XGBoost's on the same rows (above 1: ours is faster) */
  predict_ratio_xgboost: number | null;
}

/** Everything the same-matrix comparison measured (kept in bench-results.json as `ratios`). */
export interface RatioResults {
  train_rows: number;
  cols: number;
  predict_rows: number;
  /** 1-minute load average before and after (2 cores: above 1, others were using the machine) */
  load_average: { start: number; end: number };
  gbdt_params: Record<string, unknown>;
  ours: Record<(typeof MODELS)[number], Timing>;
  /** peer_matrix.py's output (logistic, mlp, hgb, and xgb when XGBoost is installed); null without a peer */
  peer: Record<string, PeerTiming> | null;
  rows: RatioRow[];
}

/** Seconds of f (awaited). */
async function seconds(f: () => unknown): Promise<number> {
  const t = performance.now();
  await f();
  return (performance.now() - t) / 1000;
}

/** Fits timed per model on each side (peer_matrix.py repeats as many): the median is the figure compared. */
const FIT_REPEATS = 3;

/**
 * Fit FIT_REPEATS fresh models (make(k) for fit k); their median and first fit seconds, and the last model (for the
 * predict timing). One fit alone in a fresh process is mostly a cold start on either side.
 */
async function timedFits<M>(
  make: (k: number) => M,
  fit: (m: M) => unknown,
): Promise<{ model: M; fit_s: number; first_fit_s: number }> {
  const times: number[] = [];
  let model = make(0);
  for (let k = 0; k < FIT_REPEATS; k++) {
    if (k > 0) model = make(k);
    times.push(await seconds(() => fit(model)));
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { model, fit_s: sorted[Math.floor(sorted.length / 2)], first_fit_s: times[0] };
}

/** The gbdt parameters training uses (flatTuning's first candidate), without the refit-only refitScale. */
function trainingGbdtParams(): Record<string, unknown> {
  const tuning = flatTuning(TrainPipelineConfig.parse({ seed: SEED, rules: null }));
  const member = tuning.members?.find((m) => m.name === 'gbdt');
  if (!member) throw new Error('flatTuning has no gbdt member');
  const { refitScale: _refitScale, ...params } = member.params;
  return { ...params, seed: SEED };
}

/** Fit and time our three models and the peers on the identical X Education matrix. */
export async function ratios(opts: {
  data: string;
  work: string;
  python: string;
  /** why the peer cannot run (then leadscore figures only) */
  peerMissing: string | null;
  log: (m: string) => void;
}): Promise<RatioResults> {
  const loadStart = os.loadavg()[0];
  opts.log('ratios: same matrix, leadscore vs scikit-learn and XGBoost');
  const frame = await loadFlatFrame(opts.data, {
    target: 'Converted',
    id: 'Prospect ID',
    overrides: { columns: {}, exclude: ['Tags', 'Lead Quality'] },
  });
  const split = stratifiedSplit(frame.label!, { train: 0.8, test: 0.2 }, 42);
  const enc = fitEncoders(frame, split.train);
  const { matrix } = transform(enc, frame);
  const Xtr = takeRows(matrix, split.train);
  const ytr = Uint8Array.from(split.train, (i) => frame.label![i]);
  // prediction throughput on 1M rows: the test rows repeated
  const reps = Math.ceil(1_000_000 / split.test.length);
  const big = takeRows(
    matrix,
    Int32Array.from({ length: reps * split.test.length }, (_, k) => split.test[k % split.test.length]),
  );
  await ensureBackend();

  // early-stopped on a stratified, seeded 10% of the train rows (validationFraction's default)
  const training = trainingGbdtParams();
  const newGbdt = () => new GradientBoosting(training as ConstructorParameters<typeof GradientBoosting>[0]);
  const defaults = newGbdt().params;
  const gbdtParams = {
    ...training,
    validationFraction: defaults.validationFraction,
    nIterNoChange: defaults.nIterNoChange,
  };
  opts.log(`ratios: leadscore logistic, neural, gbdt (${FIT_REPEATS} fits each)`);
  const lr = await timedFits(
    () => new LogisticRegression({ C: 1 }),
    (m) => m.fit(Xtr, ytr),
  );
  const nn = await timedFits(
    // seeds 7, 8, 9 on both sides: how many epochs early stopping runs depends on the seed (7 alone ran 21 epochs
    // in one version of ours and 11 in the next, with dropout masks drawn differently)
    (k) => new NeuralNet({ hidden: [64, 32], seed: SEED + k }),
    (m) => m.fit(Xtr, ytr),
  );
  const gb = await timedFits(newGbdt, (m) => m.fit(Xtr, ytr));
  const timing = async (fits: { fit_s: number; first_fit_s: number }, predict: () => unknown): Promise<Timing> => ({
    fit_s: fits.fit_s,
    first_fit_s: fits.first_fit_s,
    predict_s: await seconds(predict),
  });
  const ours = {
    logistic: await timing(lr, () => lr.model.predictProba(big)),
    mlp: await timing(nn, () => nn.model.predictProba(big)),
    gbdt: {
      ...(await timing(gb, () => gb.model.predictProba(big))),
      trees: gb.model.iterations,
      grown: gb.model.grown,
    },
  };

  let peer: Record<string, PeerTiming> | null = null;
  if (!opts.peerMissing) {
    opts.log('ratios: peer_matrix.py (scikit-learn, XGBoost) on the same matrix');
    const file = (name: string, bytes: Float32Array | Uint8Array) => {
      const p = path.join(opts.work, name);
      fs.writeFileSync(p, bytes);
      return p;
    };
    const args = [
      file('ratios-train-x.f32', Xtr.data),
      file('ratios-train-y.u8', ytr),
      file('ratios-predict-x.f32', big.data),
      String(Xtr.cols),
    ];
    const script = 'test/bench/peer_matrix.py';
    peer = JSON.parse(execFileSync(opts.python, [script, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 }));
    for (const a of args.slice(0, 3)) fs.rmSync(a, { force: true });
  }

  const throughput = (t: Timing | undefined, rows: number) => (t ? rows / t.predict_s : null);
  const xgbRate = throughput(peer?.xgb, big.rows);
  const rows = MODELS.map((model): RatioRow => {
    const [key, counterpart] = COUNTERPART[model];
    const own = ours[model];
    const p = peer?.[key];
    const rate = big.rows / own.predict_s;
    const peerRate = throughput(p, big.rows);
    return {
      model,
      counterpart,
      fit_s: own.fit_s,
      predict_rows_per_s: rate,
      peer_fit_s: p?.fit_s ?? null,
      peer_predict_rows_per_s: peerRate,
      fit_ratio_sklearn: p ? own.fit_s / p.fit_s : null,
      predict_ratio_sklearn: peerRate ? rate / peerRate : null,
      predict_ratio_xgboost: xgbRate ? rate / xgbRate : null,
    };
  });
  return {
    train_rows: Xtr.rows,
    cols: Xtr.cols,
    predict_rows: big.rows,
    load_average: { start: loadStart, end: os.loadavg()[0] },
    gbdt_params: gbdtParams,
    ours,
    peer,
    rows,
  };
}

function f(x: number | null | undefined, d: number): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '–';
}

const ratio = (x: number | null) => (x === null ? '–' : `${f(x, 2)}x`);
const trees = (t: Timing | undefined) => (t?.trees === undefined ? '' : ` (${t.trees} of ${t.grown} trees)`);

/** The Markdown table of the same-matrix comparison, with one line on what each ratio means. */
export function ratioLines(r: RatioResults): string[] {
  const xgb = r.peer?.xgb;
  const lines = [
    '',
    `### Same matrix as scikit-learn and XGBoost (${r.train_rows} x ${r.cols} train, ${r.predict_rows} rows ` +
      `predicted; load average ${f(r.load_average.start, 2)} at start, ${f(r.load_average.end, 2)} at end)`,
    '',
    '| leadscore model | fit s | first fit s | predict rows/s | scikit-learn counterpart | its fit s ' +
      '| its first fit s | its predict rows/s | fit ratio vs scikit-learn | first-fit ratio ' +
      '| predict ratio vs scikit-learn | predict ratio vs XGBoost |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of r.rows) {
    const peer = r.peer?.[COUNTERPART[row.model][0]];
    const own = r.ours[row.model];
    const firstRatio = peer?.first_fit_s ? own.first_fit_s / peer.first_fit_s : null;
    lines.push(
      `| ${row.model}${trees(own)} | ${f(row.fit_s, 3)} | ${f(own.first_fit_s, 3)} | ` +
        `${f(row.predict_rows_per_s, 0)} | ${row.counterpart}${trees(peer)} | ${f(row.peer_fit_s, 3)} | ` +
        `${f(peer?.first_fit_s, 3)} | ${f(row.peer_predict_rows_per_s, 0)} | ${ratio(row.fit_ratio_sklearn)} | ` +
        `${ratio(firstRatio)} | ${ratio(row.predict_ratio_sklearn)} | ${ratio(row.predict_ratio_xgboost)} |`,
    );
  }
  const gbdt = r.ours.gbdt;
  const params = Object.entries(r.gbdt_params)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  lines.push(
    '',
    xgb
      ? `XGBoost (${xgb.trees} of ${xgb.grown} trees; hist, 2 threads, learning rate 0.05, depth 6, subsample and ` +
          'colsample 0.8, at most 400 trees, early-stopped after 30 rounds on a seeded, stratified 10% of the ' +
          `train rows, as peer_sklearn.py): fit ${f(xgb.fit_s, 3)} s, predict ` +
          `${f(r.predict_rows / xgb.predict_s, 0)} rows/s. leadscore gbdt fit / XGBoost fit: ` +
          `${ratio(gbdt.fit_s / xgb.fit_s)}.`
      : 'XGBoost: not installed (apt-get install -y python3-xgboost), no ratios to it.',
    '',
    `leadscore gbdt: training's parameters (${params}), early-stopped after nIterNoChange rounds on its ` +
      'own seeded, stratified validationFraction of the train rows. HistGradientBoosting: scikit-learn ' +
      'defaults, random_state 7 (below 10000 rows, no early stopping).',
    '',
    'leadscore fits and predicts on one thread; the peers may use both cores (XGBoost n_jobs=2, HGB OpenMP, BLAS).',
    '',
    `- fit s: the median of ${FIT_REPEATS} fits of a fresh model in one process, on both sides (the MLPs with seeds ` +
      `${SEED}, ${SEED + 1}, ${SEED + 2}, since early stopping's epoch count depends on the seed; the others with ` +
      `seed ${SEED} each time); first ` +
      'fit s: the first of them, which also pays for compiling code once (V8 and WebAssembly on ours).',
    "- fit ratio vs scikit-learn: leadscore fit seconds / the counterpart's (below 1: leadscore fits faster); " +
      'first-fit ratio: the same for the first fits.',
    "- predict ratio vs scikit-learn: leadscore predict rows/s / the counterpart's (above 1: leadscore is faster).",
    "- predict ratio vs XGBoost: leadscore predict rows/s / XGBoost's on the same rows (above 1: leadscore " +
      'is faster).',
  );
  return lines;
}
