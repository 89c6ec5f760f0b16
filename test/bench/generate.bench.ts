/**
 * Benchmark: `generateCrm` at scale into a temp DuckDB file. Prints wall and CPU seconds, rows per
 * table, rows/s and peak RSS (VmHWM). Never asserts on time.
 *   npx tsx test/bench/generate.bench.ts [leads=1000000] [workers=auto]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withWarehouse } from '../../src/store/index.ts';
import { generateCrm, validateGenerateOptions } from '../../src/synth/index.ts';

function peakRssMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const leads = Number(process.argv[2] ?? 1_000_000);
// worker threads generating chunks (0: all in the main thread); default: what generate picks
const workers = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-bench-generate-'));
const file = path.join(dir, 'bench.duckdb');
const { options } = validateGenerateOptions({ leads, seed: 42 });
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let last = t0;
const report = await withWarehouse(file, (w) =>
  generateCrm(w, options, {
    workers,
    onProgress: (m) => {
      const now = performance.now();
      process.stderr.write(`  ${((now - t0) / 1000).toFixed(1)}s (+${((now - last) / 1000).toFixed(1)}s) ${m}\n`);
      last = now;
    },
  }),
);
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const totalRows = Object.values(report.rows).reduce((s, n) => s + n, 0);
console.log(`generate --leads ${leads} on ${os.cpus().length} cores (load average ${os.loadavg()[0].toFixed(1)})`);
console.log(
  `wall ${wall.toFixed(1)} s, cpu user ${(cpu.user / 1e6).toFixed(1)} s + sys ${(cpu.system / 1e6).toFixed(1)} ` +
    `s (process, all threads)`,
);
console.log(
  `peak RSS (VmHWM) ${peakRssMiB().toFixed(0)} MiB, db file ${(fs.statSync(file).size / 2 ** 20).toFixed(0)} MiB`,
);
for (const [t, n] of Object.entries(report.rows)) console.log(`  ${t.padEnd(16)} ${String(n).padStart(11)} rows`);
console.log(
  `${totalRows} rows in total, ${(totalRows / wall).toFixed(0)} rows/s; ${(leads / wall).toFixed(0)} leads/s`,
);
console.log(
  `conversion ${(100 * report.conversionRate).toFixed(2)}% (target ${100 * report.conversionRateTarget}%), ` +
    `oracle AUC ${report.oracleAuc?.toFixed(4)}, 90-day oracle AUC ${report.oracleAuc90d?.toFixed(4)}`,
);
fs.rmSync(dir, { recursive: true, force: true });
