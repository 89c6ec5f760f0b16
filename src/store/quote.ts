/** Quote an identifier (table or column name) for DuckDB: never splice raw names into SQL. */
export function quoteIdent(name: string): string {
  if (name.includes('\u0000')) throw new Error(`identifier contains a NUL byte: ${JSON.stringify(name)}`);
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quote a string literal for DuckDB (for the few places parameters cannot go, e.g. COPY paths). */
export function quoteLiteral(value: string): string {
  if (value.includes('\u0000')) throw new Error(`literal contains a NUL byte: ${JSON.stringify(value)}`);
  return `'${value.replaceAll("'", "''")}'`;
}
