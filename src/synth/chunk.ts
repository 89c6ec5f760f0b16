import { drawActivities } from './activities.ts';
import { ColumnBuffer, LEADS_SPEC, OUTCOMES_SPEC, SNAPS_SPEC, TRUTH_SPEC, type ChunkTable } from './buffers.ts';
import { Calendar, toMs } from './calendar.ts';
import { forecastWin } from './forecast.ts';
import { winTime } from './hazard.ts';
import { drawLatent, type LeadLatent } from './latent.ts';
import type { GenerateOptions } from './options.ts';
import { drawOutcomes } from './outcomes.ts';
import { drawCreatedAt, PersonaSequence } from './population.ts';
import { exponential, leadRng, STREAM } from './random.ts';
import { ActivityColumns, drainEntries, type NewEntries } from './staging.ts';

/**
 * One chunk of leads, generated end to end into column buffers. A lead depends only on the run's
 * plan and its index (its own seeded streams), so chunks can be generated anywhere, in any thread,
 * and still give the same rows.
 */

/** What every chunk of a run shares (plain data, so it can be posted to a worker). */
export interface RunPlan {
  opts: GenerateOptions;
  /** calibrated log-hazard intercept */
  b0: number;
  snapshotDates: number[];
}

/** The rows of leads [from, to), ready to append, with the dictionary entries they introduced. */
export interface ChunkData extends NewEntries {
  from: number;
  to: number;
  tables: ChunkTable[];
}

/** The hidden state of lead `i` (what the pilot calibration and the chunks both draw). */
export function latentDrawer(opts: GenerateOptions, cal: Calendar): (i: number) => LeadLatent {
  const personas = new PersonaSequence(opts.seed, opts.personaMix);
  return (i) => {
    const rng = leadRng(opts.seed, i, STREAM.latent);
    const createdAt = drawCreatedAt(rng, cal);
    return drawLatent(rng, i, personas.at(i), createdAt, cal);
  };
}

/** Generates chunks of one run; keeps its dictionaries across chunks (ids in `slot` of `slots`). */
export class ChunkGenerator {
  private readonly plan: RunPlan;
  private readonly cal: Calendar;
  private readonly latentAt: (i: number) => LeadLatent;
  private readonly leads = new ColumnBuffer('leads', LEADS_SPEC);
  private readonly outcomes = new ColumnBuffer('outcomes', OUTCOMES_SPEC);
  private readonly truth = new ColumnBuffer('truth', TRUTH_SPEC);
  /** activity and snapshot rows, staged as typed columns (see staging.ts) */
  private readonly snaps = new ColumnBuffer('synth_snaps', SNAPS_SPEC);
  private readonly acts: ActivityColumns;

  constructor(plan: RunPlan, slot = 0, slots = 1) {
    this.plan = plan;
    this.cal = new Calendar(plan.opts.start, plan.opts.end);
    this.latentAt = latentDrawer(plan.opts, this.cal);
    this.acts = new ActivityColumns(slot, slots);
  }

  /** Generate lead `i` into the buffers. */
  emit(i: number): void {
    this.emitLead(this.latentAt(i));
  }

  /** Hand over the buffered rows as the chunk [from, to). */
  take(from: number, to: number): ChunkData {
    const tables = [
      this.leads.take(),
      this.outcomes.take(),
      this.truth.take(),
      this.acts.take(),
      this.snaps.take(),
    ].filter((t) => t.rows > 0);
    return { from, to, tables, ...drainEntries(this.acts) };
  }

  /** Generate the whole chunk [from, to) at once (what a worker does). */
  chunk(from: number, to: number): ChunkData {
    for (let i = from; i < to; i++) this.emit(i);
    return this.take(from, to);
  }

  // One lead, end to end: outcome draw, activities up to the win, opportunities, truth, snapshots.
  private emitLead(l: LeadLatent): void {
    const { opts, b0, snapshotDates } = this.plan;
    const cal = this.cal;
    const outcomeRng = leadRng(opts.seed, l.index, STREAM.outcome);
    const wonAt = winTime(l, b0, cal.end, exponential(outcomeRng, 1));
    this.acts.forLead(l.index);
    const acts = drawActivities(leadRng(opts.seed, l.index, STREAM.activities), l, cal, wonAt ?? cal.end, this.acts);
    drawOutcomes(outcomeRng, l, wonAt, acts, cal.end, this.outcomes);

    const a = l.attrs;
    this.leads.push(
      l.leadId,
      toMs(l.createdAt),
      a.email,
      a.company,
      a.jobTitle,
      a.industry,
      a.companySize,
      a.annualRevenue,
      a.country,
      a.leadSource,
      null,
    );
    // P(converts by the end | state at creation): future episodes, negatives and the win draw unknown
    const p = forecastWin(l, b0, cal, l.createdAt, cal.end);
    this.truth.push(
      l.leadId,
      l.persona,
      p,
      wonAt === null ? 0 : 1,
      wonAt === null ? null : toMs(wonAt),
      a.fit,
      l.episodes.length,
      Number.isFinite(l.negativeAt) ? toMs(l.negativeAt) : null,
    );
    for (let j = 0; j < snapshotDates.length; j++) {
      const asOf = snapshotDates[j];
      if (asOf <= l.createdAt) continue;
      if (wonAt !== null && toMs(wonAt) < toMs(asOf)) break;
      // P(win in [as_of, as_of + horizon) | state at as_of): the honest point-in-time ceiling
      const p90 = forecastWin(l, b0, cal, asOf, asOf + opts.horizonDays);
      this.snaps.push(l.index, j, p90);
    }
  }
}
