import { Warehouse, type OpenOptions } from './warehouse.ts';
import { quoteIdent, quoteLiteral } from './quote.ts';

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

/**
 * Run `fn` with DuckDB settings changed (memory_limit, preserve_insertion_order, ...), each restored to
 * its value before once `fn` is done. A setting the connection may not change (configuration locked)
 * is left as it is.
 */
export async function withSettings<T>(
  w: Warehouse,
  settings: Record<string, string>,
  fn: () => Promise<T>,
): Promise<T> {
  const previous: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(settings)) {
    const row = await w.one<{ v: string }>(`SELECT CAST(current_setting(${quoteLiteral(name)}) AS VARCHAR) AS v`);
    try {
      await w.run(`SET ${name} = ${quoteLiteral(value)}`);
      previous.push([name, row!.v]);
    } catch {
      // locked configuration: run with the setting as it is
    }
  }
  try {
    return await fn();
  } finally {
    for (const [name, v] of previous.reverse()) await w.run(`SET ${name} = ${quoteLiteral(v)}`).catch(() => undefined);
  }
}
