/**
 * DuckDB's error texts cut to what a person needs: the first lines up to its list of reader settings
 * or "Possible fixes", each line at most a few hundred characters (a 10 MB field must not become a
 * 10 MB message), and the SQL echo (LINE 1: ...) left out.
 */

const MAX_LINE = 300;
const MAX_LINES = 4;

/** A string cut to `max` characters, with how much was left out. */
export function cut(text: string, max = MAX_LINE): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length.toLocaleString('en-US')} characters in all)`;
}

/** The useful head of a DuckDB error message, on one line. */
export function cutMessage(message: string): string {
  const lines: string[] = [];
  for (const raw of message.split('\n')) {
    const line = raw.trim();
    if (/^(Possible fixes|LINE \d+:|file =| {2})/.test(line) || /^\^/.test(line)) break;
    if (line === '') continue;
    lines.push(cut(line));
    if (lines.length === MAX_LINES) break;
  }
  return lines.join(' ') || cut(message.trim());
}
