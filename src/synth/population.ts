import type { Calendar } from './calendar.ts';
import { PERSONAS, type Persona } from './personas.ts';
import { mixSeed, type Rng } from './random.ts';

/**
 * Who the leads are and when they arrive. Personas follow a low-discrepancy (golden-ratio) sequence
 * with a seeded offset, so every prefix of leads, hence every chunk and the whole run, matches the
 * configured mix to within a handful of leads, while the sequence still differs per seed.
 */

const GOLDEN = 0.6180339887498949;

/** Assigns personas to lead indexes according to a mix. */
export class PersonaSequence {
  private readonly offset: number;
  private readonly cumulative: number[];

  constructor(seed: number, mix: Readonly<Record<Persona, number>>) {
    this.offset = mixSeed(seed, 0x5eed) / 4294967296;
    let acc = 0;
    this.cumulative = PERSONAS.map((p) => (acc += mix[p]));
  }

  /** Persona of the lead at `index`. */
  at(index: number): Persona {
    const x = this.offset + index * GOLDEN;
    const u = x - Math.floor(x);
    for (let k = 0; k < PERSONAS.length; k++) if (u < this.cumulative[k]) return PERSONAS[k];
    return PERSONAS[PERSONAS.length - 1];
  }
}

// Lead volume grows over the period (marketing scales up), on top of weekday and season.
const GROWTH = 0.6;

/** When a lead is created: calendar-weighted, growing over [start, end). */
export function drawCreatedAt(rng: Rng, cal: Calendar): number {
  const span = cal.end - cal.start;
  for (let tries = 0; tries < 20; tries++) {
    const t = cal.sample(rng, cal.start, cal.end);
    if (rng() * (1 + GROWTH) < 1 + (GROWTH * (t - cal.start)) / span) return t;
  }
  return cal.sample(rng, cal.start, cal.end);
}
