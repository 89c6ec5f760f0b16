/**
 * The floor under `leadscore score`'s write: a scored warehouse's final rows, already made (a TEMP
 * table holding exactly what lead_scores holds), written the way score publishes them (one
 * transaction: lead_scores with its primary key, lead_score_history, commit) into a fresh warehouse.
 * No features, models, rules or reasons work at all, so no scoring run can write faster than this on
 * the same machine: it bounds "inference + write" rows per second from above.
 */
import fs from 'node:fs';
import { Warehouse, quoteLiteral } from '../../src/store/index.ts';
import { HISTORY_COLUMNS, SCORE_COLUMNS, SCORE_DDL } from '../../src/pipelines/tables.ts';

/** Seconds and rows per second of one way of writing the rows. */
export interface FloorCase {
  seconds: number;
  rows_per_second: number;
}

/**
 * The floor, three ways: a first run (empty lead_scores), a re-run (every lead already there), and a first run without
 * the reasons JSON.
 */
export interface WriteFloor {
  rows: number;
  first_run: FloorCase;
  rerun: FloorCase;
  first_run_without_reasons: FloorCase;
}

type Variant = 'first_run' | 'rerun' | 'first_run_without_reasons';

/**
 * Measure the write floor with the lead_scores rows of `scoredDb`, in a scratch warehouse file `scratch` (removed
 * after).
 */
export async function writeFloor(scoredDb: string, scratch: string): Promise<WriteFloor> {
  const out: Partial<WriteFloor> = {};
  for (const variant of ['first_run', 'rerun', 'first_run_without_reasons'] as Variant[]) {
    const r = await oneCase(scoredDb, scratch, variant);
    out.rows = r.rows;
    out[variant] = { seconds: r.seconds, rows_per_second: r.rows / r.seconds };
  }
  return out as WriteFloor;
}

async function oneCase(
  scoredDb: string,
  scratch: string,
  variant: Variant,
): Promise<{ rows: number; seconds: number }> {
  const remove = () => {
    for (const f of [scratch, `${scratch}.wal`]) fs.rmSync(f, { force: true });
  };
  remove();
  const w = await Warehouse.open(scratch);
  try {
    await w.run(SCORE_DDL);
    await w.run(`ATTACH ${quoteLiteral(scoredDb)} AS scored (READ_ONLY)`);
    await w.run(`CREATE TEMP TABLE ready AS SELECT * FROM scored.lead_scores`);
    await w.run('DETACH scored');
    const rows = await w.count('ready');
    if (rows === 0) throw new Error(`${scoredDb} has no lead_scores rows: run the score stage first`);
    const cols = SCORE_COLUMNS.join(', ');
    const history = HISTORY_COLUMNS.join(', ');
    if (variant === 'rerun') await w.run(`INSERT INTO lead_scores (${cols}) SELECT ${cols} FROM ready`);
    await w.run('CHECKPOINT'); // the timed part starts from a warehouse at rest, as a scoring run's write does
    const select =
      variant === 'first_run_without_reasons'
        ? SCORE_COLUMNS.map((c) => (c === 'reasons' ? "'{}'" : c)).join(', ')
        : cols;
    const t0 = performance.now();
    await w.transaction(async (tx) => {
      await tx.run(
        `${variant === 'rerun' ? 'INSERT OR REPLACE' : 'INSERT'} INTO lead_scores (${cols}) SELECT ${select} ` +
          `FROM ready`,
      );
      await tx.run(`INSERT INTO lead_score_history (${history}) SELECT ${history} FROM ready`);
    });
    return { rows, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await w.close();
    remove();
  }
}
