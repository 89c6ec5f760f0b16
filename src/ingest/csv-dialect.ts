import fs from 'node:fs';
import { DataError, UsageError } from '../errors.ts';
import type { CsvDialect } from '../store/index.ts';

/**
 * The dialect of a CSV file, stated rather than guessed from a sample of rows: the delimiter is the
 * one the header line uses (or --delimiter), quotes are RFC 4180 double quotes (or --quote), the
 * encoding is UTF-8 unless the file starts with a UTF-16 byte order mark (or --encoding). A value
 * that is out of line with that dialect further down the file is then that line's problem, reported
 * with its line number, and never a reason to reinterpret the whole file.
 */

/** What the user may state about a CSV file (ingest's --delimiter, --quote, --encoding). */
export interface CsvOptions {
  delimiter?: string;
  quote?: string;
  encoding?: string;
}

const DELIMITERS = [',', ';', '\t', '|'];
const HEAD_BYTES = 1 << 20;

/** DuckDB's name for an encoding the user named; a UsageError for one it cannot read. */
export function encodingName(name: string): string {
  const n = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (n === 'utf8') return 'utf-8';
  if (n === 'utf16' || n === 'utf16le') return 'utf-16';
  if (['latin1', 'iso88591', 'l1', 'windows1252', 'cp1252'].includes(n)) return 'latin-1';
  throw new UsageError(
    `--encoding "${name}" is not one leadscore can read`,
    'use utf-8 (the default), latin-1 (also for Windows-1252 exports from Excel) or utf-16',
  );
}

function delimiterOf(raw: string): string {
  const d = raw === 'tab' || raw === '\\t' ? '\t' : raw;
  if ([...d].length !== 1 || d === '\n' || d === '\r' || d === '"')
    throw new UsageError(`--delimiter "${raw}" must be one character`, 'e.g. --delimiter ";" or --delimiter tab');
  return d;
}

function quoteOf(raw: string): string {
  if (raw !== '' && [...raw].length !== 1)
    throw new UsageError(`--quote "${raw}" must be one character, or '' for none`, `e.g. --quote "'" or --quote ''`);
  return raw;
}

/** The header record: the text up to the first line break outside quotes. */
function headerLine(text: string, quote: string): string {
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote && ch === quote) inQuotes = !inQuotes;
    else if (!inQuotes && (ch === '\n' || ch === '\r')) return text.slice(0, i);
  }
  return text;
}

/** How often each candidate delimiter appears outside quotes in a line. */
function delimiterCounts(line: string, quote: string): Map<string, number> {
  const counts = new Map(DELIMITERS.map((d) => [d, 0]));
  let inQuotes = false;
  for (const ch of line) {
    if (quote && ch === quote) inQuotes = !inQuotes;
    else if (!inQuotes && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  return counts;
}

/** Split one record into fields (quotes doubled inside a quoted field stand for one). */
function splitRecord(line: string, delimiter: string, quote: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inQuotes = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote && ch === quote) {
      if (inQuotes && line[i + 1] === quote) {
        cur += quote;
        i++;
      } else inQuotes = !inQuotes;
    } else if (!inQuotes && ch === delimiter) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Header names as columns: trimmed, empty ones named column<N>, repeats (any case) suffixed _2, _3, ... */
export function uniqueNames(names: string[]): string[] {
  const used = new Set<string>();
  return names.map((raw, i) => {
    const base = raw.trim() || `column${i + 1}`;
    let name = base;
    for (let k = 2; used.has(name.toLowerCase()); k++) name = `${base}_${k}`;
    used.add(name.toLowerCase());
    return name;
  });
}

function decodeHead(bytes: Buffer, encoding: string, file: string, what: string): string {
  if (encoding === 'latin-1') return bytes.toString('latin1');
  if (encoding === 'utf-16') return new TextDecoder('utf-16le').decode(bytes);
  // a cut in the middle of a multi-byte character at the end of the head is not an error
  const text = new TextDecoder('utf-8').decode(bytes).replace(/\uFFFD+$/, '');
  if (text.includes('\uFFFD') && headerLine(text, '"').includes('\uFFFD'))
    throw new DataError(
      `cannot read ${what} file ${file}: its header line is not valid UTF-8`,
      'if the file was saved as Latin-1 or Windows-1252 (Excel on Windows often does), pass --encoding latin-1',
    );
  return text.replace(/^\uFEFF/, '');
}

/** Read the header line of a CSV file and settle its dialect; a file with no header is a DataError. */
export function csvDialect(file: string, shown: string, what: string, opts: CsvOptions = {}): CsvDialect {
  const fd = fs.openSync(file, 'r');
  let bytes: Buffer;
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    bytes = buf.subarray(0, fs.readSync(fd, buf, 0, HEAD_BYTES, 0));
  } finally {
    fs.closeSync(fd);
  }
  const bom16 = bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe;
  const encoding = opts.encoding ? encodingName(opts.encoding) : bom16 ? 'utf-16' : 'utf-8';
  const quote = opts.quote === undefined ? '"' : quoteOf(opts.quote);
  const text = decodeHead(bytes, encoding, shown, what).replace(/^\uFEFF/, '');
  const line = headerLine(text, quote);
  if (line.trim() === '')
    throw new DataError(
      `${what} file ${shown} has an empty first line`,
      'the first line must be a header naming the columns',
    );
  let delimiter = opts.delimiter === undefined ? undefined : delimiterOf(opts.delimiter);
  if (delimiter === undefined) {
    const counts = delimiterCounts(line, quote);
    const best = Math.max(...counts.values());
    delimiter = best === 0 || counts.get(',') === best ? ',' : DELIMITERS.find((d) => counts.get(d) === best)!;
  }
  const columns = uniqueNames(splitRecord(line, delimiter, quote));
  return { delimiter, quote, escape: quote, encoding, columns };
}

/** How a dialect is shown in messages: delimiter ',' quote '"' encoding utf-8. */
export function describeDialect(d: CsvDialect): string {
  const show = (c: string) => (c === '\t' ? 'tab' : c === '' ? 'none' : `'${c}'`);
  return `delimiter ${show(d.delimiter)}, quote ${show(d.quote)}, encoding ${d.encoding}`;
}
