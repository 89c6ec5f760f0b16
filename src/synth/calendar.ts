import { chance, exponential, normal, type Rng } from './random.ts';

/**
 * Time for the generator: instants are float days since the Unix epoch (UTC). The calendar gives
 * weekday and seasonal weights, the marketing email schedule and the monthly snapshot dates.
 */

export const DAY_MS = 86_400_000;

/** Milliseconds since the epoch for a day value, rounded to whole seconds (what lands in DuckDB). */
export function toMs(days: number): number {
  return Math.round(days * 86_400) * 1000;
}

/** Day value of a Date. */
export function toDays(d: Date): number {
  return d.getTime() / DAY_MS;
}

// Sunday..Saturday: B2B traffic is a weekday affair.
const WEEKDAY_WEIGHT = [0.35, 1.1, 1.15, 1.15, 1.1, 0.95, 0.4];
// January..December: summer and December lulls, autumn budget season.
const MONTH_WEIGHT = [0.95, 1.0, 1.05, 1.0, 1.0, 0.9, 0.75, 0.8, 1.05, 1.15, 1.1, 0.8];

/** One marketing email send: everybody subscribed at that time receives it. */
export interface EmailSend {
  at: number;
  campaign: string;
}

/** Calendar over [start, end]: weights per day, the email schedule and snapshot dates. */
export class Calendar {
  readonly start: number;
  readonly end: number;
  readonly sends: EmailSend[];
  private readonly firstDay: number;
  private readonly weights: Float64Array;
  private readonly maxWeight: number;

  constructor(start: Date, end: Date) {
    this.start = toDays(start);
    this.end = toDays(end);
    this.firstDay = Math.floor(this.start);
    const days = Math.ceil(this.end) - this.firstDay + 1;
    this.weights = new Float64Array(days);
    let max = 0;
    for (let i = 0; i < days; i++) {
      const d = new Date((this.firstDay + i) * DAY_MS);
      const w = WEEKDAY_WEIGHT[d.getUTCDay()] * MONTH_WEIGHT[d.getUTCMonth()];
      this.weights[i] = w;
      if (w > max) max = w;
    }
    this.maxWeight = max;
    this.sends = emailSchedule(this.firstDay, this.end);
  }

  /** Relative activity level of the day containing `t` (weekday x season). */
  weight(t: number): number {
    const i = Math.floor(t) - this.firstDay;
    return i >= 0 && i < this.weights.length ? this.weights[i] : 0;
  }

  /**
   * A time in [lo, hi] drawn from `base` (uniform, or exponential decay from lo) thinned by the
   * calendar weight, with a business-hours time of day.
   */
  sample(rng: Rng, lo: number, hi: number, decayMean = Infinity): number {
    if (hi <= lo) return lo;
    let t = lo;
    for (let tries = 0; tries < 12; tries++) {
      t = Number.isFinite(decayMean) ? lo + exponential(rng, decayMean) : lo + (hi - lo) * rng();
      if (t > hi) {
        // decay ran past the horizon: wrap uniformly so mass is not piled on the last day
        t = lo + (hi - lo) * rng();
      }
      if (rng() * this.maxWeight < this.weight(t)) break;
    }
    return clamp(Math.floor(t) + timeOfDay(rng), lo, hi);
  }

  /** Index of the first email send at or after `t`. */
  firstSendAfter(t: number): number {
    let lo = 0;
    let hi = this.sends.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sends[mid].at < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Monthly snapshot dates (first of each month, UTC) strictly after start whose horizon ends by `end`. */
  snapshotDates(horizonDays: number): number[] {
    const out: number[] = [];
    const s = new Date(this.firstDay * DAY_MS);
    for (let y = s.getUTCFullYear(), m = s.getUTCMonth() + 1; ; m++) {
      const t = toDays(new Date(Date.UTC(y, m, 1)));
      if (t + horizonDays > this.end) break;
      if (t > this.start) out.push(t);
    }
    return out;
  }
}

/** Fraction of a day for an event: mostly business hours, some at any time. */
export function timeOfDay(rng: Rng): number {
  if (chance(rng, 0.25)) return rng();
  const h = 14.5 + 3 * normal(rng);
  return h >= 0 && h < 24 ? h / 24 : rng();
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

// Newsletter every other Tuesday 14:00 UTC; a product campaign on the first Thursday of each month 16:00 UTC.
function emailSchedule(firstDay: number, end: number): EmailSend[] {
  const sends: EmailSend[] = [];
  for (let day = firstDay; day <= end; day++) {
    const d = new Date(day * DAY_MS);
    const dow = d.getUTCDay();
    const iso = d.toISOString().slice(0, 10);
    if (dow === 2 && Math.floor(day / 7) % 2 === 0) sends.push({ at: day + 14 / 24, campaign: `newsletter-${iso}` });
    if (dow === 4 && d.getUTCDate() <= 7) sends.push({ at: day + 16 / 24, campaign: `campaign-${iso}` });
  }
  return sends.filter((s) => s.at <= end);
}
