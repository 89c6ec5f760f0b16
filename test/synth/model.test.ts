import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.ts';
import { Calendar } from '../../src/synth/calendar.ts';
import { calibrateIntercept, convertProbability, windowProbability, winTime } from '../../src/synth/hazard.ts';
import { cumulativeHazard, drawLatent } from '../../src/synth/latent.ts';
import { DEFAULT_PERSONA_MIX, PERSONAS } from '../../src/synth/personas.ts';
import { PersonaSequence } from '../../src/synth/population.ts';
import { leadRng, mulberry32, poisson, STREAM } from '../../src/synth/random.ts';

const cal = new Calendar(new Date('2024-01-01T00:00:00Z'), new Date('2025-12-31T00:00:00Z'));

describe('hazard model', () => {
  it('calibrates the intercept so mean conversion probability equals the target', () => {
    const rng = mulberry32(7);
    const h = Float64Array.from({ length: 5000 }, () => (rng() < 0.3 ? 0 : Math.exp(3 * (rng() - 0.5))));
    for (const rate of [0.01, 0.05, 0.3]) {
      const b0 = calibrateIntercept(h, rate);
      const mean = h.reduce((s, x) => s + convertProbability(x, b0), 0) / h.length;
      expect(mean).toBeCloseTo(rate, 6);
    }
    expect(() => calibrateIntercept(h, 0.75)).toThrow(UsageError);
  });

  it('draws the win where the cumulative hazard reaches the exponential draw, never after the end', () => {
    let checked = 0;
    for (let i = 0; i < 400 && checked < 40; i++) {
      const rng = leadRng(3, i, STREAM.latent);
      const l = drawLatent(rng, i, 'ideal', cal.start + 30 + (i % 300), cal);
      const b0 = -1;
      const e = 0.5;
      const t = winTime(l, b0, cal.end, e);
      const total = Math.exp(b0) * cumulativeHazard(l, cal.end);
      if (total < e) {
        expect(t).toBeNull();
        continue;
      }
      checked++;
      expect(t).not.toBeNull();
      expect(t!).toBeGreaterThanOrEqual(l.createdAt);
      expect(t!).toBeLessThanOrEqual(cal.end);
      expect(Math.exp(b0) * cumulativeHazard(l, t!)).toBeCloseTo(e, 6);
      // the window probabilities are the conditional pieces of the total
      const p = windowProbability(l, b0, l.createdAt, cal.end - l.createdAt);
      expect(p).toBeCloseTo(convertProbability(cumulativeHazard(l, cal.end), b0), 10);
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('never lets students, competitors or spam buy', () => {
    for (const persona of ['student', 'competitor', 'spam'] as const) {
      const l = drawLatent(leadRng(1, 0, STREAM.latent), 0, persona, cal.start + 10, cal);
      expect(cumulativeHazard(l, cal.end)).toBe(0);
    }
  });
});

describe('population', () => {
  it('assigns personas so every prefix matches the mix closely', () => {
    const seq = new PersonaSequence(11, DEFAULT_PERSONA_MIX);
    const counts = Object.fromEntries(PERSONAS.map((p) => [p, 0])) as Record<string, number>;
    for (let i = 0; i < 1000; i++) counts[seq.at(i)]++;
    for (const p of PERSONAS) expect(Math.abs(counts[p] / 1000 - DEFAULT_PERSONA_MIX[p])).toBeLessThan(0.005);
    expect(new PersonaSequence(12, DEFAULT_PERSONA_MIX).at(0) === seq.at(0) && new PersonaSequence(12, DEFAULT_PERSONA_MIX).at(1) === seq.at(1) && new PersonaSequence(12, DEFAULT_PERSONA_MIX).at(2) === seq.at(2)).toBe(false);
  });

  it('schedules emails on Tuesdays and Thursdays, snapshots on the first of the month', () => {
    for (const s of cal.sends) expect([2, 4]).toContain(new Date(s.at * 86_400_000).getUTCDay());
    const snaps = cal.snapshotDates(90).map((d) => new Date(d * 86_400_000).toISOString().slice(0, 10));
    expect(snaps.length).toBe(21);
    expect(snaps.every((d) => d.endsWith('-01'))).toBe(true);
  });

  it('draws Poisson counts with the right mean', () => {
    const rng = mulberry32(1);
    for (const mean of [0.5, 4, 100]) {
      let s = 0;
      for (let i = 0; i < 20000; i++) s += poisson(rng, mean);
      expect(s / 20000).toBeCloseTo(mean, mean > 10 ? 0 : 1);
    }
  });
});
