export { Warehouse, readFileSql, formatOf, requireWarehouse, warehouseNotFound } from './warehouse.ts';
export { csvReaderSql, jsonLinesReaderSql, MAX_CSV_LINE_BYTES, type CsvDialect, type CsvReadOptions } from './files.ts';
export type { ChunkColumn } from './typed-columns.ts';
export type { SqlParams, AppendColumn, AppendType, FileFormat, OpenOptions } from './warehouse.ts';
export { quoteIdent, quoteLiteral } from './quote.ts';
export { withWarehouse, withSettings, swapTable, disableExternalAccess } from './helpers.ts';
export {
  checkJournal,
  journalBegin,
  journalDone,
  journalRepaired,
  journalSettle,
  JOURNAL,
  type TornIngest,
} from './journal.ts';
