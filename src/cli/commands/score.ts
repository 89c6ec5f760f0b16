import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import type { Shard } from '../../pipelines/score/index.ts';
import { action, printJson, printTable, progress, writeOut } from '../output.ts';
import { parseAsOf, parseInteger } from '../options.ts';

interface ScoreFlags {
  db?: string;
  model?: string;
  modelsDir?: string;
  asOf: string;
  leads?: string;
  runId?: string;
  shard?: string;
  out?: string;
  data?: string;
  table?: string;
  reasons?: string;
  json?: boolean;
}

/**
 * Parse `--shard k/n` (1-based k), or `auto/n`: k = JOB_COMPLETION_INDEX + 1, the 0-based index a Kubernetes
 * Indexed Job (or any indexed batch job that sets it) gives each of its pods.
 */
export function parseShard(raw: string, env: Record<string, string | undefined> = process.env): Shard {
  const m = /^(\d+|auto)\/(\d+)$/.exec(raw.trim());
  const n = m ? Number(m[2]) : NaN;
  const k = m ? (m[1] === 'auto' ? shardFromEnv(raw, n, env) : Number(m[1])) : NaN;
  if (!m || n < 1 || k < 1 || k > n)
    throw new UsageError(
      `--shard must look like k/n with 1 <= k <= n (or auto/n in an indexed job), got "${raw}"`,
      'e.g. --shard 1/4 ... --shard 4/4, or --shard auto/4 in a Kubernetes Indexed Job of 4 completions',
    );
  return { k, n };
}

// --shard auto/n: the shard from JOB_COMPLETION_INDEX (0-based)
function shardFromEnv(raw: string, n: number, env: Record<string, string | undefined>): number {
  const index = env.JOB_COMPLETION_INDEX;
  if (index === undefined || index.trim() === '')
    throw new UsageError(
      `--shard ${raw} takes its shard from JOB_COMPLETION_INDEX, which is not set`,
      'auto is for indexed batch jobs (a Kubernetes Job with completionMode: Indexed sets JOB_COMPLETION_INDEX, ' +
        `0-based); elsewhere pass --shard k/${n}`,
    );
  const i = Number(index);
  if (!Number.isInteger(i) || i < 0 || i >= n)
    throw new UsageError(
      `JOB_COMPLETION_INDEX is "${index}", not a shard of --shard ${raw} (0 to ${n - 1})`,
      `the Job's completions must equal the n of --shard auto/n (${n})`,
    );
  return i + 1;
}

/** `leadscore score`: score leads as of a date and publish the results atomically. */
export function registerScoreCommand(program: Command): void {
  const score = program.command('score');
  registerPublishCommand(score);
  score
    .description(
      'score every open lead as of a date with the champion model; write lead_scores, history and score_runs',
    )
    .argument('[pipeline]', 'pipeline YAML (default pipelines/score.yaml when present)')
    .option('--db <file>', 'warehouse to read and write')
    .option('--model <ref>', 'NAME (its promoted champion) or NAME@VERSION')
    .option('--models-dir <dir>', 'where artifacts live (default models/)')
    .option('--as-of <date>', 'score as of this instant: "now" or a date/time (UTC)', 'now')
    .option('--leads <which>', 'open (not yet won) or all leads created before --as-of')
    .option('--run-id <id>', 'name of this run; re-running the same id replaces its rows')
    .option(
      '--shard <k/n>',
      'score only shard k of n (by a stable hash of lead_id); auto/n: k = JOB_COMPLETION_INDEX + 1 (indexed jobs)',
    )
    .option(
      '--out <path>',
      'write FILE.csv / FILE.parquet, or Parquet into DIR, instead of the warehouse (which is then only read)',
    )
    .option('--data <file>', 'flat models: score the rows of this file (CSV, Parquet, JSON lines)')
    .option('--table <name>', 'flat models: score this flat table of the warehouse (default: the one trained on)')
    .option('--reasons <n>', 'reasons per direction per lead')
    .option('--json', 'print a summary as JSON')
    .addHelpText(
      'after',
      `
Writes, in one transaction: lead_scores (latest score per lead, with reasons), lead_score_history (one
row per lead per run, for trends: the numbers, bands and grades; not the reasons text) and score_runs
(run bookkeeping). A run killed part-way leaves lead_scores as it was; the
next run marks it failed. Score = round(100 x calibrated probability): 37 means about 37 in 100 such
leads convert within the model's horizon.

Examples:
  $ leadscore score --db data/leadscore.duckdb --model leadscore
  $ leadscore score --model leadscore@v0002 --as-of 2025-06-30 --json
  $ leadscore score --model leadscore --as-of 2025-06-30 --run-id nightly --shard 1/4 --out scores/  # .. 4/4, anywhere
  $ leadscore score publish --db data/leadscore.duckdb --from scores/    # then bring the 4 shards home in one go
  $ JOB_COMPLETION_INDEX=2 leadscore score --model leadscore --as-of 2025-06-30 --shard auto/4 --out scores/  # 3/4
  $ leadscore score --model x_education_leads --data new_leads.csv --out scores.csv   # a flat model
  $ leadscore score --db flat.duckdb --model x_education   # a flat table loaded by ingest --flat`,
    )
    .action(
      action(async (pipeline: string | undefined, flags: ScoreFlags) => {
        const asOf = parseAsOf(flags.asOf);
        const shard = flags.shard ? parseShard(flags.shard) : undefined;
        const reasons = flags.reasons !== undefined ? parseInteger('--reasons', flags.reasons) : undefined;
        const bar = progress('score');
        const startedAt = Date.now();
        const { runScoring } = await import('../../pipelines/score-run.ts');
        const summary = await runScoring({
          pipeline,
          db: flags.db,
          model: flags.model,
          modelsDir: flags.modelsDir,
          asOf,
          leads: flags.leads,
          runId: flags.runId,
          shard,
          ...outTarget(flags.out),
          data: flags.data,
          table: flags.table,
          onNotice: bar.note,
          reasons,
          now: () => new Date(), // the CLI is the only place that reads the wall clock
          onProgress: (done, total, stage) => {
            if (stage !== 'scoring' || done === 0) return bar.update(stage);
            const secs = (Date.now() - startedAt) / 1000;
            const rate = done / Math.max(secs, 1e-3);
            bar.update(`${done}/${total} rows, ${Math.round(rate)} rows/s, ~${Math.ceil((total - done) / rate)}s left`);
          },
        });
        bar.done(`${summary.rows} leads`);
        if (flags.json) return printJson(summary);
        const model = `${summary.model}@${summary.model_version}`;
        const speed = `${summary.duration_s.toFixed(1)}s (${Math.round(summary.rows_per_second)} rows/s)`;
        writeOut(
          `run ${summary.run_id}: scored ${summary.rows} leads as of ${summary.as_of} with ${model} in ${speed}\n`,
        );
        writeOut(`output: ${summary.output}\n`);
        for (const r of summary.marked_failed) writeOut(`note: run ${r} had died part-way; marked failed\n`);
        for (const n of summary.notes) writeOut(`note: ${n}\n`);
        printTable(
          Object.entries(summary.bands).map(([band, leads]) => ({
            band,
            leads,
            share: `${((100 * leads) / summary.rows).toFixed(1)}%`,
          })),
        );
      }),
    );
}

interface PublishFlags {
  db?: string;
  from?: string[];
  json?: boolean;
}

/** `leadscore score publish`: load the Parquet shards of one run into the warehouse, in one transaction. */
function registerPublishCommand(score: Command): void {
  score
    .command('publish')
    .description(
      'load the Parquet shards of one run (score --shard k/n --out DIR) into the warehouse, in one transaction',
    )
    .argument('[pipeline]', 'pipeline YAML whose db: is the warehouse (default pipelines/score.yaml when present)')
    .option('--db <file>', 'warehouse to write')
    .option('--from <dir>', 'folder of the shards, or one shard file (repeat for several)', collect)
    .option('--json', 'print a summary as JSON')
    .addHelpText(
      'after',
      `
Checks every file before writing anything: the shards must be exactly 1..n of one run (the same run id,
model, as-of, --leads and --reasons; none missing, none twice, each lead in its own shard). A refused set
exits 3 and writes nothing. Then, in one transaction, as an unsharded run writes: lead_scores (latest score
per lead, the trend computed against the warehouse as it is now), lead_score_history and score_runs.
Publishing the same run again replaces it; nothing is duplicated.

Examples:
  $ leadscore score publish --db data/leadscore.duckdb --from scores/
  $ leadscore score publish --db data/leadscore.duckdb --from /mnt/a --from /mnt/b --json`,
    )
    .action(
      action(async (pipeline: string | undefined, _local: PublishFlags, cmd: Command) => {
        // --db and --json are also options of `score`, which takes them wherever they stand on the line
        const flags = cmd.optsWithGlobals<PublishFlags>();
        const bar = progress('publish');
        const { runPublish } = await import('../../pipelines/score-run.ts');
        const summary = await runPublish({
          pipeline,
          db: flags.db,
          from: flags.from ?? [],
          now: () => new Date(), // the CLI is the only place that reads the wall clock
          onProgress: (stage) => bar.update(stage),
        });
        bar.done(`${summary.rows} leads`);
        if (flags.json) return printJson(summary);
        const model = `${summary.model}@${summary.model_version}`;
        writeOut(
          `run ${summary.run_id}: published ${summary.rows} leads from ${summary.shards} shard` +
            `${summary.shards === 1 ? '' : 's'} (as of ${summary.as_of}, ${model}) ` +
            `in ${summary.duration_s.toFixed(1)}s\n`,
        );
        for (const r of summary.marked_failed) writeOut(`note: run ${r} had died part-way; marked failed\n`);
        printTable(
          Object.entries(summary.bands).map(([band, leads]) => ({
            band,
            leads,
            share: `${((100 * leads) / summary.rows).toFixed(1)}%`,
          })),
        );
      }),
    );
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/** --out: a file when it ends in .csv, .parquet or .json(l); otherwise a folder for Parquet (shards). */
export function outTarget(out: string | undefined): { outFile?: string; outDir?: string } {
  if (out === undefined) return {};
  return /\.(csv|parquet|pq|json|jsonl|ndjson)$/i.test(out) ? { outFile: out } : { outDir: out };
}
