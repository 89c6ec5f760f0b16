/**
 * One set of band colours for every place a band is shown: the CLI, the rules file's defaults, the HTML report.
 * Temperature colours, as the band names say: hot red, warm amber, cold blue, dead grey; excluded leads dark grey.
 * A rules file may still name a band's colour; names are resolved here, so the report draws what the file says.
 */

/** A colour by name, its hex for the report and its ANSI code for a terminal. */
export interface Colour {
  name: string;
  hex: string;
  ansi: string;
}

/** The colours band names may take (a rules file's `colour`), by name. */
export const COLOURS: Readonly<Record<string, Colour>> = {
  red: { name: 'red', hex: '#d7301f', ansi: '\x1b[31m' },
  orange: { name: 'orange', hex: '#f46d43', ansi: '\x1b[91m' },
  amber: { name: 'amber', hex: '#f0a202', ansi: '\x1b[33m' },
  yellow: { name: 'yellow', hex: '#e6c229', ansi: '\x1b[93m' },
  green: { name: 'green', hex: '#2ca25f', ansi: '\x1b[32m' },
  teal: { name: 'teal', hex: '#2b8c8c', ansi: '\x1b[36m' },
  blue: { name: 'blue', hex: '#3b75af', ansi: '\x1b[34m' },
  purple: { name: 'purple', hex: '#7b4fa8', ansi: '\x1b[35m' },
  grey: { name: 'grey', hex: '#8c8c8c', ansi: '\x1b[90m' },
  'dark grey': { name: 'dark grey', hex: '#4d4d4d', ansi: '\x1b[90m' },
};

/** The colour of each band name leadscore uses (predictive bands, the default rules' bands, excluded leads). */
export const BAND_COLOUR_NAMES: Readonly<Record<string, string>> = {
  hot: 'red',
  warm: 'amber',
  cold: 'blue',
  dead: 'grey',
  excluded: 'dark grey',
  unscored: 'grey',
};

/** Hottest to coldest, for bands whose name the palette does not know. */
const RAMP = ['red', 'orange', 'amber', 'yellow', 'blue', 'grey'];

/** The colour of a band: a colour the caller names (a rules file's), else by band name, else by rank (hottest 0). */
export function bandColour(band: string, rank = 0, count = 1, named?: string): Colour {
  const byName = named ? colourNamed(named) : undefined;
  if (byName) return byName;
  const known = BAND_COLOUR_NAMES[band.trim().toLowerCase()];
  if (known) return COLOURS[known];
  const pos = count <= 1 ? 0 : Math.round((rank / (count - 1)) * (RAMP.length - 1));
  return COLOURS[RAMP[Math.min(RAMP.length - 1, Math.max(0, pos))]];
}

/** A colour by name (any case, "gray" too), or a #rrggbb given as is; undefined when unknown. */
export function colourNamed(name: string): Colour | undefined {
  const key = name.trim().toLowerCase().replace('gray', 'grey');
  if (COLOURS[key]) return COLOURS[key];
  if (/^#[0-9a-f]{6}$/.test(key)) return { name: key, hex: key, ansi: '' };
  return undefined;
}

/** A band name coloured for a terminal (plain when the output is not one). */
export function paintBand(band: string, colour: Colour, tty: boolean): string {
  return tty && colour.ansi ? `${colour.ansi}${band}\x1b[0m` : band;
}
