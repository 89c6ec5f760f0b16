import os from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    // vitest's default is one core less than the machine has: a single worker on 2 cores. The test files
    // wait on child processes, DuckDB's threads and the disk often enough that every core pays off.
    maxWorkers: Math.max(2, os.availableParallelism()),
    // A worker keeps its loaded modules from one test file to the next: DuckDB, TensorFlow.js and the
    // pipelines load once per worker instead of once per file (imports took a quarter of the run). Files
    // share no state: each works in its own temp dir, and what a test changes globally it restores.
    isolate: false,
  },
});
