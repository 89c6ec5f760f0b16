/**
 * The score_runs bookkeeping of a scoring run: a run is recorded as running before any work, marked
 * failed (with the error) when it fails, and marked succeeded inside the transaction that publishes its
 * rows (publish.ts). A run still marked running when the next one starts died part-way.
 */
import type { Warehouse } from '../../store/index.ts';
import { SCORE_DDL } from '../tables.ts';

/** What the record of a run holds when it starts. */
export interface RunStart {
  runId: string;
  startedAt: Date;
  model: string;
  modelVersion: string;
  asOf: Date;
  /** "k/n" for a shard, null for a whole run */
  shard: string | null;
}

/** Create the score tables if needed, mark dead runs failed, and record this run as running; returns the dead. */
export async function recordRunStart(w: Warehouse, run: RunStart, now: Date): Promise<string[]> {
  await w.run(SCORE_DDL);
  const dead = await markDeadRunsFailed(w, now);
  await w.run(`DELETE FROM score_runs WHERE run_id = $1`, [run.runId]);
  await w.run(
    `INSERT INTO score_runs (run_id, started_at, status, model, model_version, as_of, shard)
     VALUES ($1, $2::TIMESTAMP, 'running', $3, $4, $5::TIMESTAMP, $6)`,
    [run.runId, run.startedAt.toISOString(), run.model, run.modelVersion, run.asOf.toISOString(), run.shard],
  );
  return dead;
}

/** Mark a run failed with its error message (best effort: the original error matters more). */
export async function recordRunFailed(w: Warehouse, runId: string, at: Date, message: string): Promise<void> {
  await w
    .run(`UPDATE score_runs SET status = 'failed', ended_at = $2::TIMESTAMP, error_message = $3 WHERE run_id = $1`, [
      runId,
      at.toISOString(),
      message,
    ])
    .catch(() => undefined);
}

/** SQL marking run $1 succeeded at $2 with $3 rows (run inside the publishing transaction). */
export const RUN_SUCCEEDED_SQL = `UPDATE score_runs
  SET status = 'succeeded', ended_at = $2::TIMESTAMP, rows_scored = $3,
  duration_s = date_diff('millisecond', started_at, $2::TIMESTAMP) / 1000.0 WHERE run_id = $1`;

/** A run still marked running when a new run starts died (the warehouse lock means nobody else is writing). */
async function markDeadRunsFailed(w: Warehouse, now: Date): Promise<string[]> {
  const dead = await w.all<{ run_id: string }>(`SELECT run_id FROM score_runs WHERE status = 'running'`);
  if (dead.length) {
    await w.run(
      `UPDATE score_runs SET status = 'failed', ended_at = $1::TIMESTAMP,
         error_message = 'the process died before finishing (killed or crashed); its results were never published'
       WHERE status = 'running'`,
      [now.toISOString()],
    );
  }
  return dead.map((d) => d.run_id);
}
