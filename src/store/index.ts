export { Warehouse, readFileSql, formatOf, requireWarehouse, warehouseNotFound } from './warehouse.ts';
export type { SqlParams, AppendColumn, AppendType, FileFormat, OpenOptions } from './warehouse.ts';
export { quoteIdent, quoteLiteral } from './quote.ts';
export { withWarehouse, swapTable, disableExternalAccess } from './helpers.ts';
