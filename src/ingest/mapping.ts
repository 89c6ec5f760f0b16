import { readConfigFile } from '../config-file.ts';
import { z } from 'zod';
import { ACTIVITY_COLUMNS, LEAD_COLUMNS, OUTCOME_COLUMNS, type ColumnSpec } from '../schema/index.ts';
import { closestName, ConfigError } from '../errors.ts';

/** canonical column -> source column name, for one table */
function columnMap(columns: ColumnSpec[]) {
  const shape = Object.fromEntries(
    columns.map((c) => [c.name, z.string().min(1, 'must be a non-empty source column name')]),
  );
  return z.object(shape).partial().strict();
}

/**
 * A mapping file: per canonical table, which source column holds each canonical column, and
 * optional renames of activity types (source name -> canonical name).
 */
export const Mapping = z
  .object({
    leads: columnMap(LEAD_COLUMNS).optional(),
    activities: columnMap(ACTIVITY_COLUMNS).optional(),
    outcomes: columnMap(OUTCOME_COLUMNS).optional(),
    activity_types: z.record(z.string().min(1), z.string().min(1, 'must be a non-empty activity type')).optional(),
  })
  .strict();
export type Mapping = z.infer<typeof Mapping>;

const KNOWN_KEYS: Record<string, string[]> = {
  '': ['leads', 'activities', 'outcomes', 'activity_types'],
  leads: LEAD_COLUMNS.map((c) => c.name),
  activities: ACTIVITY_COLUMNS.map((c) => c.name),
  outcomes: OUTCOME_COLUMNS.map((c) => c.name),
};

/** Validate a parsed mapping object; errors name the file and the key. */
export function parseMapping(value: unknown, file = 'mapping'): Mapping {
  const parsed = Mapping.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const at = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      const known = KNOWN_KEYS[at] ?? [];
      return issue.keys
        .map((k) => {
          const near = closestName(k, known);
          const where = at ? `${at}.${k}` : k;
          return `${file}: ${where}: unknown key${near ? ` (did you mean "${near}"?)` : ''}; expected one of ${known.join(', ')}`;
        })
        .join('\n');
    }
    return `${file}: ${at || '(top level)'}: ${issue.message}`;
  });
  throw new ConfigError(
    lines.join('\n'),
    'a mapping looks like: leads: {lead_id: "Prospect ID", created_at: "Created"}; activity_types: {"Email Opened": email_open}',
  );
}

/** Read and validate a mapping YAML file. */
export function loadMapping(file: string): Mapping {
  return parseMapping(readConfigFile(file, 'mapping file', { bundled: false }), file);
}
