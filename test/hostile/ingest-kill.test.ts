import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { withWarehouse } from '../../src/store/index.ts';
import { ingestFiles } from '../../src/pipelines/ingest-run.ts';
import { leadsCsv, tmpDir, write } from '../ingest/helpers.ts';

// An ingest killed with SIGKILL at several points, including inside its commit (DuckDB 1.5.5 may then
// replay part of the transaction on the next open): every run must end as before, as after, or in a
// state the next open detects and reports (and that re-running the ingest repairs). Never torn unseen.

const ROOT = path.resolve(import.meta.dirname, '../..');
const ACTIVITIES = 50_000;
const TABLES = ['leads', 'activities', 'outcomes', 'rejected_rows'];

type Outcome = 'before' | 'after' | 'torn, reported' | 'torn, UNREPORTED';

/** Rows and a content hash per table (rejected_rows without its run-specific columns). */
async function state(db: string): Promise<string> {
  return withWarehouse(db, async (w) => {
    const parts: string[] = [];
    for (const t of TABLES) {
      if (!(await w.tableExists(t))) {
        parts.push(`${t}:0`);
        continue;
      }
      const cols = t === 'rejected_rows' ? '* EXCLUDE (run_id, rejected_at)' : '*';
      const r = await w.one<{ n: number; h: string }>(
        `SELECT count(*)::BIGINT AS n, CAST(bit_xor(hash(x)) AS VARCHAR) AS h FROM (SELECT ${cols} FROM ${t}) x`,
      );
      parts.push(`${t}:${r!.n}:${r!.h}`);
    }
    return parts.join(' ');
  });
}

function runChild(db: string, leads: string, acts: string, point: string, delayMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/hostile/ingest-kill-child.ts', db, leads, acts, point],
      {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes(`paused at ${point}`) && !fs.existsSync(`${db}.go`)) {
        if (delayMs < 0) return void child.kill('SIGKILL');
        fs.writeFileSync(`${db}.go`, '');
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' || code === 0 ? resolve(err) : reject(new Error(err))));
  });
}

describe('ingest killed with SIGKILL', () => {
  it('ends as before, as after, or torn and reported (and repaired by re-running), never torn unseen', async () => {
    const dir = tmpDir();
    const leads = write(dir, 'leads.csv', leadsCsv(500));
    const lines = ['lead_id,occurred_at,activity_type,value'];
    for (let i = 0; i < ACTIVITIES; i++) lines.push(`L${1 + (i % 500)},2024-03-01 10:00:00,page_view,${i}`);
    lines.push('L1,not a date,page_view,-1'); // the one bad row: rejected_rows must get it with the rest
    const acts = write(dir, 'acts.csv', lines.join('\n') + '\n');
    const base = path.join(dir, 'base.duckdb');
    await ingestFiles({ db: base, leads, now: new Date('2025-01-01T00:00:00Z') });
    const before = await state(base);
    const complete = path.join(dir, 'complete.duckdb');
    fs.copyFileSync(base, complete);
    await ingestFiles({ db: complete, activities: acts, runId: 'killed', now: new Date('2025-01-01T00:00:00Z') });
    const after = await state(complete);
    expect(after).not.toBe(before);

    // -1: killed while paused inside the open transaction; 0, 1, 3, 10: ms after letting COMMIT start
    const plan: Array<[string, number]> = [
      ['validated', -1],
      ...[-1, 0, 1, 3, 10].map((d): [string, number] => ['before-commit', d]),
      ['after-commit', -1],
    ];
    const outcomes: Array<{ point: string; delay: number; outcome: Outcome }> = [];
    // two at a time: each child spends most of its time starting and validating, not committing
    const one = async (k: number, point: string, delay: number) => {
      const db = path.join(dir, `kill-${k}.duckdb`);
      fs.copyFileSync(base, db);
      await runChild(db, '', acts, point, delay);
      return db;
    };
    const killed: string[] = [];
    for (let k = 0; k < plan.length; k += 2)
      killed.push(...(await Promise.all(plan.slice(k, k + 2).map(([p, d], j) => one(k + j, p, d)))));
    for (const [k, [point, delay]] of plan.entries()) {
      const db = killed[k];
      let outcome: Outcome;
      try {
        const now = await state(db);
        outcome = now === before ? 'before' : now === after ? 'after' : 'torn, UNREPORTED';
      } catch (err) {
        expect((err as Error).message).toMatch(
          /holds an incomplete ingest: run killed .* interrupted while committing/,
        );
        outcome = 'torn, reported';
        const again = await ingestFiles({
          db,
          activities: acts,
          runId: 'rerun',
          now: new Date('2025-01-01T00:00:00Z'),
        });
        expect(again.repaired).toEqual(['killed']);
        expect(await state(db)).toBe(after);
      }
      outcomes.push({ point, delay, outcome });
    }
    const tally = outcomes.reduce<Record<string, number>>(
      (t, o) => ({ ...t, [o.outcome]: (t[o.outcome] ?? 0) + 1 }),
      {},
    );
    console.log(`ingest kill test: ${outcomes.length} kills: ${JSON.stringify(tally)}`);
    expect(outcomes.filter((o) => o.outcome === 'torn, UNREPORTED')).toEqual([]);
    expect(outcomes[0].outcome).toBe('before');
    expect(outcomes.at(-1)!.outcome).toBe('after');
  }, 120_000);
});
