/** The state of a warehouse's tables as row counts and content hashes (light: only the store). */
import { withWarehouse } from '../../src/store/index.ts';

/** Row count and content hash of one table. */
export interface TableState {
  rows: number;
  hash: string;
}

/**
 * Every table of the warehouse (or just `only`) as row count and an order-independent md5 of its rows,
 * read through a read-only connection.
 */
export async function tableStates(db: string, only?: string[]): Promise<Record<string, TableState>> {
  return withWarehouse(
    db,
    async (w) => {
      const names =
        only ??
        (
          await w.all<{ t: string }>(
            `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1`,
          )
        ).map((r) => r.t);
      const out: Record<string, TableState> = {};
      for (const t of names) {
        const q = `"${t.replaceAll('"', '""')}"`;
        const r = await w.one<{ n: number; h: string | null }>(
          `SELECT count(*)::BIGINT AS n, md5(string_agg(x::VARCHAR, '|' ORDER BY x::VARCHAR)) AS h FROM ${q} x`,
        );
        out[t] = { rows: Number(r?.n ?? 0), hash: r?.h ?? '' };
      }
      return out;
    },
    { readOnly: true },
  );
}
