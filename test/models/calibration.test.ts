import { describe, expect, it } from 'vitest';
import {
  IsotonicCalibrator,
  PlattCalibrator,
  calibratorFromJSON,
  chooseCalibrator,
  poolAdjacentViolators,
  ISOTONIC_CLIP,
} from '../../src/models/calibration.ts';
import { mulberry32 } from '../../src/models/random.ts';
import { ConfigError } from '../../src/errors.ts';

const f64 = (a: number[]) => Float64Array.from(a);
const u8 = (a: number[]) => Uint8Array.from(a);
const sig = (z: number) => 1 / (1 + Math.exp(-z));
const logit = (p: number) => Math.log(p / (1 - p));

/** n raw scores and labels drawn from true probability trueP(raw). */
function sample(n: number, seed: number, trueP: (raw: number) => number): { p: Float64Array; y: Uint8Array } {
  const rnd = mulberry32(seed);
  const p = new Float64Array(n);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    p[i] = 0.02 + 0.96 * rnd();
    y[i] = rnd() < trueP(p[i]) ? 1 : 0;
  }
  return { p, y };
}

describe('poolAdjacentViolators', () => {
  it('pools violators into weighted means', () => {
    expect(Array.from(poolAdjacentViolators([1, 3, 2, 4], [1, 1, 1, 1]))).toEqual([1, 2.5, 2.5, 4]);
    expect(Array.from(poolAdjacentViolators([1, 3, 2], [1, 1, 3]))).toEqual([1, 2.25, 2.25]);
    expect(Array.from(poolAdjacentViolators([3, 2, 1], [1, 1, 1]))).toEqual([2, 2, 2]);
  });
});

describe('IsotonicCalibrator', () => {
  it("predicts like sklearn IsotonicRegression(out_of_bounds='clip')", () => {
    // sklearn: fit([.1,.2,.3,.4],[0,1,0,1]).predict([.05,.15,.25,.35,.5]) = [0, .25, .5, .75, 1]
    const c = new IsotonicCalibrator().fit(f64([0.1, 0.2, 0.3, 0.4]), u8([0, 1, 0, 1]));
    const q = Array.from(c.predict(f64([0.05, 0.15, 0.25, 0.35, 0.5])));
    const want = [ISOTONIC_CLIP, 0.25, 0.5, 0.75, 1 - ISOTONIC_CLIP];
    q.forEach((v, i) => expect(v).toBeCloseTo(want[i], 12));
  });

  it('keeps only the ends of flat runs (sklearn X_thresholds_) and merges duplicate inputs', () => {
    const c = new IsotonicCalibrator().fit(f64([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]), u8([0, 1, 0, 0, 1, 1]));
    expect(c.state!.x).toEqual([0.1, 0.2, 0.4, 0.5, 0.6]);
    expect(c.state!.y.map((v) => Number(v.toFixed(12)))).toEqual(
      [0, 1 / 3, 1 / 3, 1, 1].map((v) => Number(v.toFixed(12))),
    );
    expect(c.predict(f64([0.45]))[0]).toBeCloseTo(2 / 3, 12);
    const d = new IsotonicCalibrator().fit(f64([0.5, 0.5, 0.5]), u8([1, 0, 0]));
    expect(d.predict(f64([0.1, 0.9])).every((v) => Math.abs(v - 1 / 3) < 1e-12)).toBe(true);
  });

  it('honours sample weights', () => {
    const c = new IsotonicCalibrator().fit(f64([0.2, 0.2]), u8([1, 0]), f64([3, 1]));
    expect(c.predict(f64([0.2]))[0]).toBeCloseTo(0.75, 12);
  });

  it('round-trips through JSON', () => {
    const { p, y } = sample(500, 1, (r) => r * r);
    const c = new IsotonicCalibrator().fit(p, y);
    const copy = calibratorFromJSON(JSON.parse(JSON.stringify(c.toJSON())));
    expect(Array.from(copy.predict(p))).toEqual(Array.from(c.predict(p)));
  });
});

describe('PlattCalibrator', () => {
  it('with constant input learns the base rate in its intercept (exact)', () => {
    const p = new Float64Array(10).fill(0.5);
    const y = u8([1, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
    const raw = new PlattCalibrator({ targetSmoothing: false }).fit(p, y);
    expect(raw.state!.intercept).toBeCloseTo(Math.log(3 / 7), 9);
    // Platt smoothing: targets (3+1)/(3+2) = .8 and 1/(7+2); mean target (3·.8 + 7/9)/10
    const smooth = new PlattCalibrator().fit(p, y);
    expect(smooth.state!.intercept).toBeCloseTo(logit((3 * 0.8 + 7 / 9) / 10), 9);
  });

  it('recovers a known sigmoid distortion of the logit (slope 2, intercept 0.5)', () => {
    const { p, y } = sample(40_000, 2, (r) => sig(2 * logit(r) + 0.5));
    const c = new PlattCalibrator({ targetSmoothing: false }).fit(p, y);
    expect(c.state!.slope).toBeCloseTo(2, 1);
    expect(c.state!.intercept).toBeCloseTo(0.5, 1);
    expect(c.state!.converged).toBe(true);
  });

  it('round-trips through JSON and refuses bad input', () => {
    const { p, y } = sample(300, 3, (r) => r);
    const c = new PlattCalibrator().fit(p, y);
    const copy = PlattCalibrator.fromJSON(JSON.parse(JSON.stringify(c.toJSON())));
    expect(Array.from(copy.predict(p))).toEqual(Array.from(c.predict(p)));
    expect(() => c.fit(f64([1.5]), u8([1]))).toThrow(/\[0, 1\]/);
    expect(() => new PlattCalibrator({ smoothing: true } as never)).toThrow(ConfigError);
  });
});

describe('chooseCalibrator', () => {
  it('uses Platt below minIsotonicRows and refuses an explicit isotonic request', () => {
    const { p, y } = sample(500, 4, (r) => r);
    const choice = chooseCalibrator(p, y, { seed: 1 });
    expect(choice.method).toBe('platt');
    expect(choice.calibrator).toBeInstanceOf(PlattCalibrator);
    expect(() => chooseCalibrator(p, y, { seed: 1, method: 'isotonic' })).toThrow(ConfigError);
    expect(chooseCalibrator(p, y, { seed: 1, method: 'isotonic', minIsotonicRows: 100 }).method).toBe('isotonic');
  });

  it('picks isotonic for a step-shaped distortion a sigmoid cannot follow', () => {
    const { p, y } = sample(6000, 5, (r) => (r < 0.5 ? 0.1 : r < 0.7 ? 0.8 : 0.3 + 0.6 * r));
    const choice = chooseCalibrator(p, y, { seed: 7 });
    expect(choice.method).toBe('isotonic');
    expect(choice.cvLogLoss.isotonic!).toBeLessThan(choice.cvLogLoss.platt!);
  });

  it('picks Platt when the distortion is exactly a sigmoid of the logit', () => {
    const { p, y } = sample(2000, 6, (r) => sig(1.5 * logit(r) - 0.3));
    expect(chooseCalibrator(p, y, { seed: 7 }).method).toBe('platt');
  });

  it('scores candidates out of fold: isotonic CV loss is worse than its in-sample loss', () => {
    const { p, y } = sample(3000, 8, (r) => r);
    const choice = chooseCalibrator(p, y, { seed: 3, method: 'auto' });
    const inSample = new IsotonicCalibrator().fit(p, y).predict(p);
    let ll = 0;
    for (let i = 0; i < p.length; i++) ll -= y[i] ? Math.log(inSample[i]) : Math.log(1 - inSample[i]);
    expect(choice.cvLogLoss.isotonic!).toBeGreaterThan(ll / p.length);
  });

  it('is deterministic for a seed', () => {
    const { p, y } = sample(3000, 9, (r) => r * 0.9);
    const a = chooseCalibrator(p, y, { seed: 42 });
    const b = chooseCalibrator(p, y, { seed: 42 });
    expect(a.cvLogLoss).toEqual(b.cvLogLoss);
    expect(a.calibrator.toJSON()).toEqual(b.calibrator.toJSON());
  });
});

describe('Platt convergence', () => {
  it('converges on every realistic calibration problem, and says so', () => {
    // 40 problems: blends of different sharpness and offset, 150 to 8000 rows, with and without smoothing
    const rnd = mulberry32(77);
    let fits = 0;
    for (let k = 0; k < 40; k++) {
      const n = 150 + Math.floor(rnd() * 8000);
      const slope = 0.4 + 2.5 * rnd();
      const shift = rnd() * 3 - 1.5;
      const { p, y } = sample(n, 1000 + k, (r) => sig(slope * logit(r) + shift));
      for (const targetSmoothing of [true, false]) {
        const c = new PlattCalibrator({ targetSmoothing }).fit(p, y);
        expect(c.state!.converged, `problem ${k}, smoothing ${targetSmoothing}`).toBe(true);
        fits++;
      }
    }
    expect(fits).toBe(80);
  });

  it('reports converged: false when it stops short, and the blend calibration says it', () => {
    const { p, y } = sample(2000, 5, (r) => sig(2.5 * logit(r) - 1));
    expect(new PlattCalibrator({ maxIter: 1 }).fit(p, y).state!.converged).toBe(false);
    expect(new PlattCalibrator({ maxIter: 100 }).fit(p, y).state!.converged).toBe(true);
  });
});
