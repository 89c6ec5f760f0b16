import { Warehouse, type OpenOptions } from './warehouse.ts';
import { quoteIdent } from './quote.ts';

/** Open a warehouse, run `fn`, and always close it. */
export async function withWarehouse<T>(
  file: string,
  fn: (w: Warehouse) => Promise<T>,
  opts: OpenOptions = {},
): Promise<T> {
  const w = await Warehouse.open(file, opts);
  try {
    return await fn(w);
  } finally {
    await w.close();
  }
}

/** Replace `target` with the contents of `staging` in one transaction (write-then-swap), dropping staging. */
export async function swapTable(w: Warehouse, staging: string, target: string): Promise<void> {
  await w.transaction(async (tx) => {
    await tx.run(`DROP TABLE IF EXISTS ${quoteIdent(target)}`);
    await tx.run(`ALTER TABLE ${quoteIdent(staging)} RENAME TO ${quoteIdent(target)}`);
  });
}

/**
 * Forbid DuckDB from reading or writing files outside what is already open, before running user SQL
 * expressions (the escape hatch in feature definitions). This cannot be undone for the connection.
 */
export async function disableExternalAccess(w: Warehouse): Promise<void> {
  await w.run(`SET enable_external_access = false`);
  await w.run(`SET lock_configuration = true`);
}
