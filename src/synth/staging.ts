import type { Warehouse } from '../store/index.ts';
import { ACTS_SPEC, ColumnBuffer, type ChunkTable } from './buffers.ts';

/**
 * Activities and oracle snapshots (about 25 rows per lead) travel to DuckDB as typed columns in
 * staging tables, and DuckDB turns them into the real rows with SQL. Why: the appender costs
 * microseconds per VARCHAR value, while DOUBLE and INTEGER columns go in as block copies; strings
 * that repeat (type/channel/url, campaign) become small dictionary ids, and lead ids are rebuilt
 * from the lead index in SQL.
 */

/**
 * Assigns small integer ids to repeated strings; new entries are sent to DuckDB before each unpack.
 * Generators running side by side (workers) each own a slot: ids slot+1, slot+1+slots, ... so
 * their ids never collide in the shared id tables. Ids never reach the output tables (the unpack
 * joins them back to their strings), so the slot layout does not change the generated data.
 */
export class Dictionary {
  private readonly ids = new Map<string, number>();
  private pending: Array<[number, string]> = [];
  private readonly slot: number;
  private readonly slots: number;

  constructor(slot = 0, slots = 1) {
    this.slot = slot;
    this.slots = slots;
  }

  /** The id of `key`, assigning the next one of this slot when new (ids start at 1; 0 means NULL). */
  idOf(key: string): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.ids.size * this.slots + this.slot + 1;
      this.ids.set(key, id);
      this.pending.push([id, key]);
    }
    return id;
  }

  /** Entries added since the last call. */
  drainNew(): Array<[number, string]> {
    const out = this.pending;
    this.pending = [];
    return out;
  }
}

const SEP = '\u001f';

/** Collects activities as typed columns: lead index, epoch second, kind id, campaign id, value. */
export class ActivityColumns {
  readonly kinds: Dictionary;
  readonly campaigns: Dictionary;
  // type -> channel -> url -> kind id: avoids building a key string per activity
  private readonly kindCache = new Map<string, Map<string, Map<string | null, number>>>();
  private readonly rows = new ColumnBuffer('synth_acts', ACTS_SPEC);
  private lead = 0;

  /** Activity columns whose dictionary ids live in `slot` of `slots` (see Dictionary). */
  constructor(slot = 0, slots = 1) {
    this.kinds = new Dictionary(slot, slots);
    this.campaigns = new Dictionary(slot, slots);
  }

  /** The activities added next belong to the lead at `index`. */
  forLead(index: number): void {
    this.lead = index;
  }

  /** Add one activity; `seconds` since the epoch, whole. */
  add(
    seconds: number,
    type: string,
    channel: string,
    campaign: string | null,
    url: string | null,
    value: number | null,
  ): void {
    this.rows.push(
      this.lead,
      seconds,
      this.kindOf(type, channel, url),
      campaign === null ? 0 : this.campaigns.idOf(campaign),
      value,
    );
  }

  /** Hand over the activities added so far. */
  take(): ChunkTable {
    return this.rows.take();
  }

  private kindOf(type: string, channel: string, url: string | null): number {
    let byChannel = this.kindCache.get(type);
    if (!byChannel) this.kindCache.set(type, (byChannel = new Map()));
    let byUrl = byChannel.get(channel);
    if (!byUrl) byChannel.set(channel, (byUrl = new Map()));
    let id = byUrl.get(url);
    if (id === undefined) {
      id = this.kinds.idOf(url === null ? `${type}${SEP}${channel}` : `${type}${SEP}${channel}${SEP}${url}`);
      byUrl.set(url, id);
    }
    return id;
  }
}

/** Temp tables the unpack queries read (never persisted in the warehouse file). */
export const STAGING_DDL = `
CREATE OR REPLACE TEMP TABLE synth_acts (lead INTEGER, second DOUBLE, kind INTEGER, campaign INTEGER, value DOUBLE);
CREATE OR REPLACE TEMP TABLE synth_snaps (lead INTEGER, date_id INTEGER, p DOUBLE);
CREATE OR REPLACE TEMP TABLE synth_kinds (id INTEGER, activity_type VARCHAR, channel VARCHAR, url VARCHAR);
CREATE OR REPLACE TEMP TABLE synth_campaigns (id INTEGER, campaign VARCHAR);
CREATE OR REPLACE TEMP TABLE synth_snapshot_dates (id INTEGER, as_of TIMESTAMP);
`;

/** Dictionary entries first used by a chunk: they must reach DuckDB before that chunk is unpacked. */
export interface NewEntries {
  kinds: Array<[number, string]>;
  campaigns: Array<[number, string]>;
}

/** Take the dictionary entries added since the last call. */
export function drainEntries(acts: ActivityColumns): NewEntries {
  return { kinds: acts.kinds.drainNew(), campaigns: acts.campaigns.drainNew() };
}

/** Send new dictionary entries, then turn the staged chunk into activities and truth_snapshots rows. */
export async function unpackChunk(w: Warehouse, entries: NewEntries): Promise<void> {
  const kinds = entries.kinds;
  if (kinds.length) {
    const parts = kinds.map(([, k]) => k.split(SEP));
    await w.append('synth_kinds', [
      { name: 'id', type: 'INTEGER', values: kinds.map(([id]) => id) },
      { name: 'activity_type', type: 'VARCHAR', values: parts.map((p) => p[0]) },
      { name: 'channel', type: 'VARCHAR', values: parts.map((p) => p[1]) },
      { name: 'url', type: 'VARCHAR', values: parts.map((p) => p[2] ?? null) },
    ]);
  }
  const camps = entries.campaigns;
  if (camps.length) {
    await w.append('synth_campaigns', [
      { name: 'id', type: 'INTEGER', values: camps.map(([id]) => id) },
      { name: 'campaign', type: 'VARCHAR', values: camps.map(([, c]) => c) },
    ]);
  }
  // lead ids as leadIdOf writes them: 'L' + 7 digits (MAX_LEADS keeps index + 1 within 7)
  const leadId = (col: string) => `'L' || lpad(CAST(${col} + 1 AS VARCHAR), 7, '0')`;
  await w.run(`
    INSERT INTO activities
    SELECT ${leadId('a.lead')}, make_timestamp(CAST(a.second AS BIGINT) * 1000000), k.activity_type, k.channel,
      c.campaign, k.url, a.value
    FROM synth_acts a
    JOIN synth_kinds k ON k.id = a.kind
    LEFT JOIN synth_campaigns c ON c.id = a.campaign`);
  await w.run(`
    INSERT INTO truth_snapshots
    SELECT ${leadId('s.lead')}, d.as_of, s.p
    FROM synth_snaps s JOIN synth_snapshot_dates d ON d.id = s.date_id`);
  await w.run('DELETE FROM synth_acts');
  await w.run('DELETE FROM synth_snaps');
}
