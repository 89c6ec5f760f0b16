/**
 * Ingest benchmark: writes a CSV of 1M leads and 10M activities (simple valid rows from a seeded
 * PRNG, streamed to disk in a temp dir), ingests them into a fresh warehouse and prints seconds,
 * rows/s and peak RSS per stage. Never asserts on time.
 *
 *   npx tsx test/bench/ingest.bench.ts [--leads 1000000] [--activities 10000000] [--seed 7] [--keep]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { withWarehouse } from '../../src/store/index.ts';
import { ingest } from '../../src/ingest/index.ts';

/** mulberry32: a tiny seeded PRNG, enough for benchmark data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INDUSTRIES = ['software', 'retail', 'finance', 'health', 'education', 'manufacturing'];
const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'IN', 'BR', 'JP'];
const SOURCES = ['web', 'referral', 'ads', 'event', 'partner'];
const TITLES = ['CTO', 'VP Sales', 'Engineer', 'Analyst', 'Marketing Manager', 'CEO'];
const TYPES = [
  'email_open',
  'email_click',
  'page_view',
  'pricing_page_view',
  'form_submission',
  'webinar_attended',
  'demo_request',
];
const CHANNELS = ['email', 'web', 'social', 'event'];
const BASE_MS = Date.UTC(2023, 0, 1);

const leadId = (i: number) => `L${String(i).padStart(8, '0')}`;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/** Stream `rows` lines produced by `line(i)` to `file`, in big chunks, honouring backpressure. */
async function writeLines(file: string, header: string, rows: number, line: (i: number) => string): Promise<void> {
  const out = fs.createWriteStream(file);
  out.write(header + '\n');
  let chunk: string[] = [];
  for (let i = 0; i < rows; i++) {
    chunk.push(line(i));
    if (chunk.length === 50_000) {
      if (!out.write(chunk.join('\n') + '\n')) await once(out, 'drain');
      chunk = [];
    }
  }
  if (chunk.length > 0) out.write(chunk.join('\n') + '\n');
  out.end();
  await once(out, 'finish');
}

/** Write the leads and activities CSVs; returns their paths. */
export async function writeBenchData(
  dir: string,
  nLeads: number,
  nActivities: number,
  seed: number,
): Promise<{ leads: string; activities: string }> {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const leads = path.join(dir, 'leads.csv');
  const activities = path.join(dir, 'activities.csv');
  await writeLines(
    leads,
    'lead_id,created_at,email,company,job_title,industry,company_size,annual_revenue,country,lead_source',
    nLeads,
    (i) => {
      const created = BASE_MS + Math.floor(rnd() * 365 * 86_400_000);
      return (
        `${leadId(i)},${iso(created)},user${i}@example${i % 997}.com,Company ` +
        `${i % 50_000},${pick(TITLES)},${pick(INDUSTRIES)},${Math.floor(rnd() * 5000)},` +
        `${Math.floor(rnd() * 1e7)},${pick(COUNTRIES)},${pick(SOURCES)}`
      );
    },
  );
  await writeLines(activities, 'lead_id,occurred_at,activity_type,channel,campaign,url,value', nActivities, () => {
    const lead = Math.floor(rnd() * nLeads);
    const at = BASE_MS + Math.floor(rnd() * 400 * 86_400_000);
    const campaign = `c${Math.floor(rnd() * 40)}`;
    const url = `/p/${Math.floor(rnd() * 200)}`;
    const value = rnd() < 0.1 ? Math.floor(rnd() * 100) : '';
    return `${leadId(lead)},${iso(at)},${pick(TYPES)},${pick(CHANNELS)},${campaign},${url},${value}`;
  });
  return { leads, activities };
}

function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const nLeads = flag('--leads', 1_000_000);
  const nActivities = flag('--activities', 10_000_000);
  const seed = flag('--seed', 7);
  const keep = process.argv.includes('--keep');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-ingest-bench-'));
  try {
    let t = performance.now();
    const files = await writeBenchData(dir, nLeads, nActivities, seed);
    const mb = (f: string) => (fs.statSync(f).size / 1e6).toFixed(0);
    console.log(
      `generated ${nLeads} leads (${mb(files.leads)} MB) and ${nActivities} activities (${mb(files.activities)} ` +
        `MB) in ${((performance.now() - t) / 1000).toFixed(1)}s`,
    );

    const db = path.join(dir, 'bench.duckdb');
    t = performance.now();
    const cpu0 = process.cpuUsage();
    const report = await withWarehouse(db, (w) =>
      ingest(w, {
        leads: files.leads,
        activities: files.activities,
        runId: 'bench',
        now: new Date(BASE_MS),
        onProgress: (msg) => {
          console.log(`  [${((performance.now() - t) / 1000).toFixed(1)}s] ${msg}`);
        },
      }),
    );
    const total = (performance.now() - t) / 1000;
    const cpu = process.cpuUsage(cpu0);
    for (const [table, r] of Object.entries(report.tables)) {
      console.log(
        `${table}: read ${r!.read}, loaded ${r!.loaded}, rejected ${r!.rejected} (${r!.seconds.toFixed(1)}s, ` +
          `${Math.round(r!.read / r!.seconds).toLocaleString('en-US')} rows/s)`,
      );
    }
    console.log(
      `total ingest (leads + activities, one transaction): ${total.toFixed(1)}s wall, ` +
        `${((cpu.user + cpu.system) / 1e6).toFixed(1)}s CPU, ` +
        `${Math.round((nLeads + nActivities) / total).toLocaleString('en-US')} rows/s`,
    );
    console.log(
      `load average during the run (other jobs share the machine): ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`,
    );
    console.log(`peak RSS: ${peakRssMb().toFixed(0)} MB; cores: ${os.cpus().length}`);

    t = performance.now();
    const again = await withWarehouse(db, (w) =>
      ingest(w, { leads: files.leads, activities: files.activities, runId: 'bench-2', now: new Date(BASE_MS) }),
    );
    console.log(
      `re-ingest of the same files (upsert): ${((performance.now() - t) / 1000).toFixed(1)}s; loaded leads ` +
        `${again.tables.leads!.loaded}, activities ${again.tables.activities!.loaded}`,
    );
    console.log(`peak RSS after re-ingest: ${peakRssMb().toFixed(0)} MB`);
  } finally {
    if (keep) console.log(`kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
