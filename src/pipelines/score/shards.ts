/**
 * The Parquet files of a scoring run written with `--out` (shards or one whole file) and the checks that
 * let `score publish` load them as one run: each file says in its Parquet key-value metadata which run
 * and which shard it holds; a set is published only when it is exactly shards 1..n of one run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DataError, NotFoundError } from '../../errors.ts';
import { quoteIdent, quoteLiteral, type Warehouse } from '../../store/index.ts';
import { timestampSql } from '../../schema/index.ts';
import { SCORE_COLUMNS } from '../tables.ts';
import { shardSql } from './prepare.ts';
import type { Shard } from './types.ts';

/** What identifies a run: every file of a published set must agree on all of it. */
export interface RunIdentity {
  run_id: string;
  model: string;
  model_version: string;
  /** ISO instant */
  as_of: string;
  /** open or all */
  leads: string;
  /** reason slots per lead */
  reasons: string;
}

const IDENTITY_KEYS = ['run_id', 'model', 'model_version', 'as_of', 'leads', 'reasons'] as const;
const PREFIX = 'leadscore.';

/** One file of a run as its metadata describes it. */
export interface ShardFile {
  file: string;
  shard: Shard;
  identity: RunIdentity;
  /** when this file's rows were scored (ISO) */
  scored_at: string;
}

/** The Parquet key-value metadata a scoring run writes into its file (shard 1/1 for a whole run). */
export function runMetadata(identity: RunIdentity, scoredAt: Date, shard: Shard | undefined): Record<string, string> {
  const s = shard ?? { k: 1, n: 1 };
  const kv: Record<string, string> = { shard: `${s.k}/${s.n}`, scored_at: scoredAt.toISOString(), ...identity };
  return Object.fromEntries(Object.entries(kv).map(([k, v]) => [PREFIX + k, v]));
}

/**
 * The Parquet files to publish: every *.parquet in each folder (not the hidden temp files of a write in
 * progress), or the file itself; a missing path or a folder without Parquet files is refused.
 */
export function listShardFiles(from: readonly string[]): string[] {
  const files: string[] = [];
  for (const p of from) {
    if (!fs.existsSync(p))
      throw new NotFoundError(`--from ${p}: no such folder`, 'pass the folder `score --shard k/n --out DIR` wrote to');
    if (fs.statSync(p).isFile()) {
      if (!/\.parquet$/i.test(p))
        throw new DataError(`--from ${p} is not a Parquet file`, 'pass the folder the shards were written to');
      files.push(path.resolve(p));
      continue;
    }
    const found = fs
      .readdirSync(p)
      .filter((f) => /\.parquet$/i.test(f) && !f.startsWith('.'))
      .sort()
      .map((f) => path.resolve(p, f));
    if (found.length === 0)
      throw new DataError(
        `no score shards in ${p} (no .parquet files)`,
        'score them first: `leadscore score --shard k/n --run-id RUN --as-of DATE --out DIR` for k = 1..n',
      );
    files.push(...found);
  }
  return files;
}

/** Read each file's run and shard from its Parquet metadata; a file without them is refused. */
export async function readShardFiles(w: Warehouse, files: readonly string[]): Promise<ShardFile[]> {
  const list = `[${files.map(quoteLiteral).join(', ')}]`;
  const rows = await w
    .all<{ file_name: string; k: string; v: string }>(
      `SELECT file_name, decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${list})
       WHERE starts_with(decode(key), ${quoteLiteral(PREFIX)})`,
    )
    .catch((err: Error) => {
      throw new DataError(
        `cannot read the shards' Parquet metadata: ${err.message.split('\n')[0]}`,
        'a file may be damaged or not Parquet: score that shard again, or move the file out',
      );
    });
  const byFile = new Map<string, Record<string, string>>(files.map((f) => [f, {}]));
  for (const r of rows) {
    const kv = byFile.get(r.file_name);
    if (kv) kv[r.k.slice(PREFIX.length)] = r.v;
  }
  return files.map((file) => {
    const kv = byFile.get(file)!;
    const m = /^(\d+)\/(\d+)$/.exec(kv.shard ?? '');
    const missing = IDENTITY_KEYS.filter((k) => kv[k] === undefined);
    if (!m || missing.length || kv.scored_at === undefined)
      throw new DataError(
        `${file} is not a file of a leadscore scoring run (its Parquet metadata does not name the run and shard)`,
        'move it out of the folder; files written by `leadscore score --out` before `score publish` existed ' +
          'carry no such metadata: score them again',
      );
    const identity = Object.fromEntries(IDENTITY_KEYS.map((k) => [k, kv[k]])) as unknown as RunIdentity;
    return { file, shard: { k: Number(m[1]), n: Number(m[2]) }, identity, scored_at: kv.scored_at };
  });
}

/**
 * Check that the files are exactly shards 1..n of one run (same shard count, same run, model, as-of, lead
 * selection and reasons; no shard twice, none missing); returns the shard count. Throws a DataError
 * naming the files and the command that fixes it.
 */
export function checkShardSet(shards: readonly ShardFile[]): number {
  const first = shards[0];
  const where = (s: ShardFile) => `${s.file} (shard ${s.shard.k}/${s.shard.n})`;
  for (const s of shards) {
    if (s.shard.n !== first.shard.n)
      throw new DataError(
        `the files disagree on the shard count: ${where(first)} against ${where(s)}`,
        'publish the shards of one run only: move the other run’s files out of the folder',
      );
    for (const key of IDENTITY_KEYS) {
      if (s.identity[key] === first.identity[key]) continue;
      throw new DataError(
        `the shards are not from one run: ${key} is "${first.identity[key]}" in ${where(first)} but ` +
          `"${s.identity[key]}" in ${where(s)}`,
        `score the odd shard again like the others (${rescoreHint(first.identity, s.shard)}), or move the stale ` +
          'file out; give every shard the same --run-id and --as-of (not "now")',
      );
    }
  }
  const n = first.shard.n;
  const seen = new Map<number, ShardFile>();
  for (const s of shards) {
    const other = seen.get(s.shard.k);
    if (other)
      throw new DataError(
        `shard ${s.shard.k}/${n} of run ${first.identity.run_id} is there twice: ${other.file} and ${s.file}`,
        'keep one of the two files and publish again',
      );
    seen.set(s.shard.k, s);
  }
  const missing = Array.from({ length: n }, (_, i) => i + 1).filter((k) => !seen.has(k));
  if (missing.length)
    throw new DataError(
      `run ${first.identity.run_id} has ${n} shards but ${missing.map((k) => `${k}/${n}`).join(', ')} ` +
        `${missing.length > 1 ? 'are' : 'is'} missing (found ${[...seen.keys()].sort((a, b) => a - b).join(', ')} ` +
        `in ${[...new Set(shards.map((s) => path.dirname(s.file)))].join(', ')}); nothing was published`,
      `score the missing shard${missing.length > 1 ? 's' : ''} ` +
        `(${rescoreHint(first.identity, { k: missing[0], n })}) ` +
        'and publish again',
    );
  return n;
}

function rescoreHint(id: RunIdentity, shard: Shard): string {
  return (
    `leadscore score --model ${id.model}@${id.model_version} --as-of ${id.as_of} --leads ${id.leads} ` +
    `--run-id ${id.run_id} --shard ${shard.k}/${shard.n} --out DIR`
  );
}

/**
 * Load the files' rows into TEMP table `into` with lead_scores' columns and a row number (rn: a row id, in no
 * particular order; sorting 190k rows with their reasons by lead_id took half of the load),
 * refusing a file that lacks a column, a row whose run differs from its file's metadata, a lead outside its
 * file's shard (a renamed or edited file), and a lead in two rows.
 */
export async function loadShardRows(w: Warehouse, shards: readonly ShardFile[], into: string): Promise<number> {
  const list = `[${shards.map((s) => quoteLiteral(s.file)).join(', ')}]`;
  const columns = await w.all<{ file_name: string; name: string }>(
    `SELECT file_name, name FROM parquet_schema(${list})`,
  );
  for (const s of shards) {
    const have = new Set(columns.filter((c) => c.file_name === s.file).map((c) => c.name));
    const lacking = SCORE_COLUMNS.filter((c) => !have.has(c));
    if (lacking.length)
      throw new DataError(`${s.file} lacks lead_scores' columns ${lacking.join(', ')}`, 'score that shard again');
  }
  const cols = SCORE_COLUMNS.map(quoteIdent).join(', ');
  await w.run(
    `CREATE OR REPLACE TEMP TABLE ${quoteIdent(into)} AS
     SELECT (row_number() OVER () - 1)::INTEGER AS rn, ${cols}, filename AS file
     FROM read_parquet(${list}, filename = true, union_by_name = true)`,
  );
  const t = quoteIdent(into);
  for (const s of shards) {
    const f = quoteLiteral(s.file);
    const id = s.identity;
    const bad = await w.one<{ n: number; lead: string | null }>(
      `SELECT count(*)::BIGINT AS n, min(lead_id) AS lead FROM ${t} WHERE file = ${f} AND (
         run_id IS DISTINCT FROM ${quoteLiteral(id.run_id)} OR model IS DISTINCT FROM ${quoteLiteral(id.model)}
         OR model_version IS DISTINCT FROM ${quoteLiteral(id.model_version)}
         OR as_of IS DISTINCT FROM ${timestampSql(new Date(id.as_of))}
         OR ${shardSql('lead_id', s.shard.n)} <> ${s.shard.k - 1})`,
    );
    if (bad && bad.n > 0)
      throw new DataError(
        `${s.file} says it is shard ${s.shard.k}/${s.shard.n} of run ${id.run_id}, but ${bad.n} of its rows ` +
          `(e.g. lead ${bad.lead}) are not (another run, or leads of another shard): renamed, merged or edited?`,
        'score that shard again and publish again',
      );
  }
  const dup = await w.one<{ lead_id: string; n: number }>(
    `SELECT lead_id, count(*)::BIGINT AS n FROM ${t} GROUP BY lead_id HAVING count(*) > 1 LIMIT 1`,
  );
  if (dup)
    throw new DataError(
      `lead ${dup.lead_id} is in ${dup.n} rows of the shards: each lead belongs in one row of one shard`,
      'score the shards again',
    );
  return w.count(into);
}
