/**
 * Names of fields that CRMs (Salesforce, HubSpot, Dynamics, Pipedrive, Zoho) and sales teams fill in
 * after a lead has been worked: its status or stage, whether it converted, was won or lost and why,
 * when it closed, how long the sales call lasted, how many times sales contacted it, the deal's amount,
 * the owner it was assigned to on qualification. A model that reads them "predicts" what the sales team
 * already wrote down, and is useless on a new lead.
 *
 * Matching is on normalized names: camelCase and digits split, everything but letters and digits a
 * separator, lowercase, so `hs_lead_status`, `Lead Status`, `LeadStatus` and `lead-status` all read
 * "lead status". A rule matches when its words appear in the name, in order and next to each other,
 * and none of its `unless` words is in the name (so `marital status` or `company stage` are not a
 * lead's status or stage). A rule with `numericOnly` applies to numeric columns named by that word alone
 * (a column named `campaign` that holds numbers counts contacts; one that holds names is the lead's
 * source, and `campaign source` is something else).
 */

/** One post-outcome field pattern. */
export interface LexiconRule {
  /** word sequences, any of which matches (each already normalized) */
  words: string[];
  /** what such a field is, in words (goes into the audit's reason) */
  what: string;
  /** words that, when present in the name, mean it is something else */
  unless?: string[];
  numericOnly?: boolean;
}

// Words that make a field describe the lead before it was worked: a previous campaign's outcome,
// a prior status.
const BEFORE = ['previous', 'prior', 'past', 'last campaign', 'poutcome', 'pdays'];
// Words that make "status" or "stage" describe the person or the company, not the sales process.
const PERSONAL = [
  'marital',
  'employment',
  'job',
  'work',
  'student',
  'relationship',
  'family',
  'housing',
  'credit',
  'loan',
  'visa',
  'citizenship',
  'residence',
  'health',
  'company',
  'funding',
  'growth',
  'email',
  'subscription',
  'payment',
  'account',
  'life',
  'startup',
  'verification',
  'verified',
];

/** The lexicon, most specific first (the first match names the reason). */
export const POST_OUTCOME_LEXICON: LexiconRule[] = [
  {
    words: ['lifecycle stage', 'lifecyclestage', 'lifecycle'],
    what:
      'a lifecycle stage (subscriber -> lead -> MQL -> SQL -> opportunity -> customer): ' +
      "it moves as the lead's outcome becomes known",
    unless: BEFORE,
  },
  {
    words: ['deal stage', 'dealstage', 'sales stage', 'opportunity stage', 'pipeline stage', 'funnel stage', 'stage'],
    what: 'a sales stage: it records how far the lead got, which is the outcome itself',
    unless: [...BEFORE, ...PERSONAL],
  },
  {
    words: ['lead status', 'leadstatus', 'deal status', 'opportunity status', 'status'],
    what: 'a lead or deal status: sales set it while and after working the lead',
    unless: [...BEFORE, ...PERSONAL],
  },
  {
    words: ['converted', 'isconverted', 'conversion', 'converted date', 'converted opportunity'],
    what: 'a conversion flag or its details: known only once the lead converted',
    unless: BEFORE,
  },
  {
    words: ['reason', 'loss reason', 'lost reason', 'close reason', 'disqualified', 'disqualification', 'unqualified'],
    what: 'a reason the lead was won, lost or disqualified: written when the outcome is known',
    unless: BEFORE,
  },
  {
    words: ['close date', 'closedate', 'closed date', 'closed at', 'close at', 'date closed', 'won date', 'lost date'],
    what: 'a close date: set when the deal closes',
  },
  {
    words: ['days to close', 'time to close', 'days to convert', 'time to convert', 'sales cycle', 'days to won'],
    what: 'time to close: measured once the deal closed',
  },
  {
    words: ['won', 'iswon', 'closed won', 'win', 'lost', 'closed lost', 'isclosed', 'closed'],
    what: 'a won / lost / closed flag: the outcome itself',
    unless: BEFORE,
  },
  {
    words: ['duration', 'call duration', 'talk time', 'call length', 'meeting duration', 'call time'],
    what: 'the duration of a sales call or meeting: known only after the conversation, which mostly decides it',
    unless: BEFORE,
  },
  {
    words: [
      'number of contacts',
      'num contacts',
      'contacts made',
      'contact attempts',
      'times contacted',
      'num contacted',
      'number of calls',
      'num calls',
      'calls made',
      'call count',
      'call attempts',
      'number of meetings',
      'meetings held',
      'sales touches',
      'follow ups',
      'followups',
    ],
    what: 'a count of sales contacts, calls or meetings: it grows while sales work the lead, and stops at the outcome',
    unless: BEFORE,
  },
  {
    words: ['campaign', 'contacts', 'calls', 'attempts'],
    what:
      'a count of contacts in the current campaign (a number in a column so named): ' +
      'it includes the calls that decided the outcome',
    unless: BEFORE,
    numericOnly: true,
  },
  {
    words: [
      'deal amount',
      'deal value',
      'dealamount',
      'opportunity amount',
      'opportunity value',
      'contract value',
      'order value',
      'amount won',
      'closed amount',
      'expected revenue',
      'forecast category',
      'win probability',
      'close probability',
      'probability',
    ],
    what: 'a deal amount, forecast or win probability: entered on the opportunity, after qualification',
    unless: [...BEFORE, 'loan', 'credit', 'balance', 'income', 'salary'],
  },
  {
    words: ['tags', 'tag'],
    what: 'tags sales put on a lead after talking to it',
  },
  {
    words: ['lead quality', 'lead rating', 'rating', 'lead grade'],
    what: 'a quality rating sales give a lead once they have talked to it',
    unless: BEFORE,
  },
  {
    words: [
      'owner',
      'ownerid',
      'owner id',
      'assigned to',
      'assigned rep',
      'sales rep',
      'account executive',
      'sdr',
      'bdr',
      'salesperson',
    ],
    what: 'the owner the lead was assigned to, usually on qualification: who got it says how far it went',
    unless: BEFORE,
  },
  {
    words: ['opportunity', 'opportunity id', 'deal id', 'deal', 'sql', 'sql date', 'qualified', 'qualified date'],
    what: 'an opportunity, deal or qualification record: it exists because the lead was qualified',
    unless: [...BEFORE, 'unqualified'],
  },
  {
    words: ['outcome', 'disposition', 'call outcome', 'call result', 'sales result'],
    what: 'the result of a sales contact: recorded after it',
    unless: BEFORE,
  },
];

/** Lowercase words of a column name: camelCase and letter/digit boundaries split, other characters separate. */
export function normalizeName(name: string): string[] {
  return name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([a-zA-Z])([0-9])/g, '$1 $2')
    .replace(/([0-9])([a-zA-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** Whether the word sequence `phrase` appears contiguously in `tokens`. */
function containsPhrase(tokens: string[], phrase: string[]): boolean {
  outer: for (let i = 0; i + phrase.length <= tokens.length; i++) {
    for (let k = 0; k < phrase.length; k++) if (tokens[i + k] !== phrase[k]) continue outer;
    return true;
  }
  return false;
}

/** The first lexicon rule a column matches (with the words that matched), or null. */
export function matchPostOutcome(
  name: string,
  kind: 'numeric' | 'categorical',
): { rule: LexiconRule; matched: string } | null {
  const tokens = normalizeName(name);
  const joined = tokens.join('');
  for (const rule of POST_OUTCOME_LEXICON) {
    if (rule.numericOnly && kind !== 'numeric') continue;
    if (rule.unless?.some((u) => containsPhrase(tokens, u.split(' ')) || joined === u)) continue;
    for (const w of rule.words) {
      const phrase = w.split(' ');
      // numericOnly rules are bare words: they match the whole name only (`campaign`, not `campaign source`)
      if (rule.numericOnly) {
        if (joined === w) return { rule, matched: w };
        continue;
      }
      // a compound like `lifecyclestage` or `closedate` matches the whole name as one word too
      if (containsPhrase(tokens, phrase) || (phrase.length === 1 && joined === w)) return { rule, matched: w };
    }
  }
  return null;
}

/** Date columns that record when the lead was created (the reference for "after creation"). */
export function isCreationDateName(name: string): boolean {
  const t = normalizeName(name);
  const has = (p: string) => containsPhrase(t, p.split(' '));
  return (
    has('created') ||
    has('creation') ||
    has('create date') ||
    has('createdate') ||
    has('date added') ||
    has('lead date') ||
    has('signup') ||
    has('sign up') ||
    has('first seen') ||
    has('submitted') ||
    t.join('') === 'createdat' ||
    t.join('') === 'createddate'
  );
}

/** Date columns that record when the outcome happened (close, win, conversion). */
export function isOutcomeDateName(name: string): boolean {
  const t = normalizeName(name);
  const has = (p: string) => containsPhrase(t, p.split(' '));
  return (
    ['close', 'closed', 'closedate', 'won', 'lost', 'converted', 'conversion'].some((w) => has(w)) &&
    !BEFORE.some((w) => has(w))
  );
}
