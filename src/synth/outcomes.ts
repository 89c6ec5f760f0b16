import type { ActivitySummary } from './activities.ts';
import type { ColumnBuffer } from './buffers.ts';
import { toMs } from './calendar.ts';
import type { LeadLatent } from './latent.ts';
import { PERSONA_BEHAVIOUR } from './personas.ts';
import { exponential, lognormal, type Rng } from './random.ts';

/**
 * Opportunities: a winner's opportunity opens around its last high-intent request (or a sales
 * cycle before the win) and closes won at the win; some leads that asked for a demo, trial or
 * sales call get an opportunity that is lost, or still open at the end.
 */

/** Draw the lead's opportunities into `out`. */
export function drawOutcomes(
  rng: Rng,
  l: LeadLatent,
  wonAt: number | null,
  acts: ActivitySummary,
  end: number,
  out: ColumnBuffer,
): void {
  const opportunityId = `O${l.leadId.slice(1)}-1`;
  if (wonAt !== null) {
    const opened =
      acts.lastHighIntent < wonAt
        ? acts.lastHighIntent + rng() * 0.3 * (wonAt - acts.lastHighIntent)
        : Math.max(l.createdAt, wonAt - exponential(rng, 1.5 * l.lagDays));
    out.push(l.leadId, opportunityId, toMs(opened), toMs(wonAt), 'won', dealSize(rng, l));
    return;
  }
  if (acts.firstHighIntent === Infinity) return;
  // sales qualifies out most students, competitors and bots, but not all
  if (rng() >= (PERSONA_BEHAVIOUR[l.persona].buys ? 0.45 : 0.15)) return;
  const opened = acts.firstHighIntent + 1 + exponential(rng, 3);
  if (opened > end) return;
  const closed = opened + lognormal(rng, 30, 0.6);
  if (closed > end) out.push(l.leadId, opportunityId, toMs(opened), null, 'open', dealSize(rng, l));
  else out.push(l.leadId, opportunityId, toMs(opened), toMs(closed), 'lost', dealSize(rng, l));
}

function dealSize(rng: Rng, l: LeadLatent): number {
  const size = l.attrs.companySize ?? 100;
  return Math.round(lognormal(rng, 6000 * Math.pow(size / 100, 0.4), 0.5) / 10) * 10;
}
