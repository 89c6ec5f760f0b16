/** The generator's default options, in a module of their own so `generate --help` can show them cheaply. */
export const GENERATE_DEFAULTS = {
  leads: 10_000,
  seed: 42,
  start: '2024-01-01',
  end: '2025-12-31',
  conversionRate: 0.05,
  chunkSize: 20_000,
  horizonDays: 90,
} as const;
