import { z } from 'zod';

/**
 * The canonical warehouse tables. `ingest` and `generate` both write exactly these, so every later
 * stage reads one shape. All timestamps are UTC (DuckDB TIMESTAMP, no zone).
 */

export const OUTCOME_STATUSES = ['won', 'lost', 'open'] as const;

/** A validated lead row (extra source columns travel in `extras`). */
export const LeadRow = z.object({
  lead_id: z.string().min(1),
  created_at: z.date(),
  email: z.string().nullable(),
  company: z.string().nullable(),
  job_title: z.string().nullable(),
  industry: z.string().nullable(),
  company_size: z.number().int().nonnegative().nullable(),
  annual_revenue: z.number().nonnegative().nullable(),
  country: z.string().nullable(),
  lead_source: z.string().nullable(),
});
export type LeadRow = z.infer<typeof LeadRow>;

export const ActivityRow = z.object({
  lead_id: z.string().min(1),
  occurred_at: z.date(),
  activity_type: z.string().min(1),
  channel: z.string().nullable(),
  campaign: z.string().nullable(),
  url: z.string().nullable(),
  value: z.number().nullable(),
});
export type ActivityRow = z.infer<typeof ActivityRow>;

export const OutcomeRow = z.object({
  lead_id: z.string().min(1),
  opportunity_id: z.string().nullable(),
  created_at: z.date(),
  closed_at: z.date().nullable(),
  status: z.enum(OUTCOME_STATUSES),
  amount: z.number().nullable(),
});
export type OutcomeRow = z.infer<typeof OutcomeRow>;

/** Column lists in canonical order, with DuckDB types and whether each is required. */
export interface ColumnSpec {
  name: string;
  sqlType: 'VARCHAR' | 'TIMESTAMP' | 'BIGINT' | 'DOUBLE';
  required: boolean;
}

export const LEAD_COLUMNS: ColumnSpec[] = [
  { name: 'lead_id', sqlType: 'VARCHAR', required: true },
  { name: 'created_at', sqlType: 'TIMESTAMP', required: true },
  { name: 'email', sqlType: 'VARCHAR', required: false },
  { name: 'company', sqlType: 'VARCHAR', required: false },
  { name: 'job_title', sqlType: 'VARCHAR', required: false },
  { name: 'industry', sqlType: 'VARCHAR', required: false },
  { name: 'company_size', sqlType: 'BIGINT', required: false },
  { name: 'annual_revenue', sqlType: 'DOUBLE', required: false },
  { name: 'country', sqlType: 'VARCHAR', required: false },
  { name: 'lead_source', sqlType: 'VARCHAR', required: false },
];

export const ACTIVITY_COLUMNS: ColumnSpec[] = [
  { name: 'lead_id', sqlType: 'VARCHAR', required: true },
  { name: 'occurred_at', sqlType: 'TIMESTAMP', required: true },
  { name: 'activity_type', sqlType: 'VARCHAR', required: true },
  { name: 'channel', sqlType: 'VARCHAR', required: false },
  { name: 'campaign', sqlType: 'VARCHAR', required: false },
  { name: 'url', sqlType: 'VARCHAR', required: false },
  { name: 'value', sqlType: 'DOUBLE', required: false },
];

export const OUTCOME_COLUMNS: ColumnSpec[] = [
  { name: 'lead_id', sqlType: 'VARCHAR', required: true },
  { name: 'opportunity_id', sqlType: 'VARCHAR', required: false },
  { name: 'created_at', sqlType: 'TIMESTAMP', required: true },
  { name: 'closed_at', sqlType: 'TIMESTAMP', required: false },
  { name: 'status', sqlType: 'VARCHAR', required: true },
  { name: 'amount', sqlType: 'DOUBLE', required: false },
];

/** DDL for the canonical tables; extras on leads live in a JSON column so any source fits. */
export const CANONICAL_DDL = `
CREATE TABLE IF NOT EXISTS leads (
  lead_id VARCHAR PRIMARY KEY,
  created_at TIMESTAMP NOT NULL,
  email VARCHAR, company VARCHAR, job_title VARCHAR, industry VARCHAR,
  company_size BIGINT, annual_revenue DOUBLE, country VARCHAR, lead_source VARCHAR,
  extras JSON
);
CREATE TABLE IF NOT EXISTS activities (
  lead_id VARCHAR NOT NULL,
  occurred_at TIMESTAMP NOT NULL,
  activity_type VARCHAR NOT NULL,
  channel VARCHAR, campaign VARCHAR, url VARCHAR, value DOUBLE
);
CREATE TABLE IF NOT EXISTS outcomes (
  lead_id VARCHAR NOT NULL,
  opportunity_id VARCHAR,
  created_at TIMESTAMP NOT NULL,
  closed_at TIMESTAMP,
  status VARCHAR NOT NULL,
  amount DOUBLE
);
CREATE TABLE IF NOT EXISTS rejected_rows (
  run_id VARCHAR NOT NULL,
  source_file VARCHAR NOT NULL,
  table_name VARCHAR NOT NULL,
  row_number BIGINT NOT NULL,
  column_name VARCHAR,
  reason VARCHAR NOT NULL,
  raw_row JSON,
  rejected_at TIMESTAMP NOT NULL
);
`;
