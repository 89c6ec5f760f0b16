import type { Warehouse } from '../store/index.ts';

/**
 * Activities and oracle snapshots travel to DuckDB packed as one string per lead, and DuckDB unpacks
 * them with SQL. Why: the row appender costs ~2.5 us of CPU per row, which at 1M leads (about 25M
 * activity and snapshot rows) dominated the run; one string per lead plus a parallel unnest is
 * several times cheaper. Type/channel/url and campaign strings go through small dictionaries.
 *
 * Formats: activities "seconds,code,campaign,value;..." (campaign 0 = NULL, value may be empty);
 * snapshots "dateIndex:p,...".
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

/** Builds the packed activity string of one lead at a time. */
export class ActivityPacker {
  readonly kinds: Dictionary;
  readonly campaigns: Dictionary;
  // type -> channel -> url -> kind id: avoids building a key string per activity
  private readonly kindCache = new Map<string, Map<string, Map<string | null, number>>>();
  private items: string[] = [];

  /** A packer whose dictionary ids live in `slot` of `slots` (see Dictionary). */
  constructor(slot = 0, slots = 1) {
    this.kinds = new Dictionary(slot, slots);
    this.campaigns = new Dictionary(slot, slots);
  }

  /** Add one activity; `seconds` since the epoch, whole. */
  add(seconds: number, type: string, channel: string, campaign: string | null, url: string | null, value: number | null): void {
    const camp = campaign === null ? 0 : this.campaigns.idOf(campaign);
    this.items.push(`${seconds},${this.kindOf(type, channel, url)},${camp},${value === null ? '' : value}`);
  }

  /** The packed string of the current lead, and start the next. */
  take(): string {
    const s = this.items.join(';');
    this.items.length = 0;
    return s;
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
CREATE OR REPLACE TEMP TABLE synth_packed (lead_id VARCHAR, acts VARCHAR, snaps VARCHAR);
CREATE OR REPLACE TEMP TABLE synth_kinds (id INTEGER, activity_type VARCHAR, channel VARCHAR, url VARCHAR);
CREATE OR REPLACE TEMP TABLE synth_campaigns (id INTEGER, campaign VARCHAR);
CREATE OR REPLACE TEMP TABLE synth_snapshot_dates (id INTEGER, as_of TIMESTAMP);
`;

/** Dictionary entries first used by a chunk: they must reach DuckDB before that chunk is unpacked. */
export interface NewEntries {
  kinds: Array<[number, string]>;
  campaigns: Array<[number, string]>;
}

/** Take the packer's entries added since the last call. */
export function drainEntries(packer: ActivityPacker): NewEntries {
  return { kinds: packer.kinds.drainNew(), campaigns: packer.campaigns.drainNew() };
}

/** Send new dictionary entries, then unpack the staged chunk into activities and truth_snapshots. */
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
  await w.run(`
    INSERT INTO activities
    SELECT a.lead_id, make_timestamp(CAST(a.f[1] AS BIGINT) * 1000000), k.activity_type, k.channel, c.campaign, k.url,
           CAST(nullif(a.f[4], '') AS DOUBLE)
    FROM (SELECT lead_id, string_split(unnest(string_split(acts, ';')), ',') AS f FROM synth_packed WHERE acts <> '') a
    JOIN synth_kinds k ON k.id = CAST(a.f[2] AS INTEGER)
    LEFT JOIN synth_campaigns c ON c.id = CAST(a.f[3] AS INTEGER)`);
  await w.run(`
    INSERT INTO truth_snapshots
    SELECT s.lead_id, d.as_of, CAST(split_part(s.item, ':', 2) AS DOUBLE)
    FROM (SELECT lead_id, unnest(string_split(snaps, ',')) AS item FROM synth_packed WHERE snaps <> '') s
    JOIN synth_snapshot_dates d ON d.id = CAST(split_part(s.item, ':', 1) AS INTEGER)`);
  await w.run('DELETE FROM synth_packed');
}
