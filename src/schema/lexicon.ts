/**
 * Shared word lists: the generator draws from them, the feature layer and the rules classify with
 * them, so all three agree on what a "free email domain" or a "decision maker" is. Config files may
 * extend them (e.g. a company's own competitor list).
 */

/** Webmail providers: a lead with one of these is not writing from a company address. */
export const FREE_EMAIL_DOMAINS = [
  'gmail.com',
  'yahoo.com',
  'hotmail.com',
  'outlook.com',
  'aol.com',
  'icloud.com',
  'gmx.com',
  'mail.com',
  'protonmail.com',
  'yandex.com',
  'live.com',
  'msn.com',
  'qq.com',
  '163.com',
] as const;

/** Throwaway inbox providers: a strong spam sign. */
export const DISPOSABLE_EMAIL_DOMAINS = [
  'mailinator.com',
  'guerrillamail.com',
  '10minutemail.com',
  'tempmail.com',
  'trashmail.com',
  'yopmail.com',
  'sharklasers.com',
  'getnada.com',
  'dispostable.com',
  'throwawaymail.com',
] as const;

/** Academic domains (suffixes) that mark students and researchers. */
export const ACADEMIC_DOMAIN_SUFFIXES = ['.edu', '.ac.uk', '.edu.au', '.ac.in'] as const;

/** Default competitor domains (the generator's competitors use these; teams replace them in config). */
export const DEFAULT_COMPETITOR_DOMAINS = ['rivalsoft.com', 'competeco.io', 'leadrival.com'] as const;

/** Seniority levels from job-title keywords, checked in this order (first match wins). */
export const SENIORITY_KEYWORDS: ReadonlyArray<readonly [level: string, keywords: readonly string[]]> = [
  ['c_level', ['chief', 'ceo', 'cto', 'cfo', 'cmo', 'coo', 'cio', 'founder', 'owner', 'president']],
  ['vp', ['vp', 'vice president', 'head of']],
  ['director', ['director']],
  ['manager', ['manager', 'lead', 'supervisor']],
  ['student', ['student', 'intern', 'phd', 'researcher', 'professor', 'postdoc', 'graduate']],
  [
    'individual',
    [
      'engineer',
      'analyst',
      'specialist',
      'associate',
      'developer',
      'consultant',
      'coordinator',
      'assistant',
      'representative',
    ],
  ],
];

/** Departments from job-title keywords (first match wins). */
export const DEPARTMENT_KEYWORDS: ReadonlyArray<readonly [department: string, keywords: readonly string[]]> = [
  ['marketing', ['marketing', 'cmo', 'growth', 'demand', 'brand', 'content']],
  ['sales', ['sales', 'revenue', 'account', 'business development']],
  ['engineering', ['engineer', 'cto', 'developer', 'technology', 'it ', 'cio', 'data']],
  ['finance', ['finance', 'cfo', 'controller', 'accounting']],
  ['operations', ['operations', 'coo', 'supply', 'procurement']],
  ['executive', ['ceo', 'founder', 'owner', 'president', 'chief executive']],
  ['academic', ['student', 'researcher', 'professor', 'phd', 'postdoc']],
];

/** Company-size bands by employee count (lower bound inclusive). */
export const COMPANY_SIZE_BANDS: ReadonlyArray<readonly [band: string, minEmployees: number]> = [
  ['1-10', 1],
  ['11-50', 11],
  ['51-200', 51],
  ['201-1000', 201],
  ['1001-5000', 1001],
  ['5000+', 5001],
];

/** Annual-revenue bands in USD (lower bound inclusive). */
export const REVENUE_BANDS: ReadonlyArray<readonly [band: string, minRevenue: number]> = [
  ['<1M', 0],
  ['1M-10M', 1e6],
  ['10M-100M', 1e7],
  ['100M-1B', 1e8],
  ['1B+', 1e9],
];

/** Countries to regions, for the `region` feature. */
export const COUNTRY_REGIONS: Readonly<Record<string, string>> = {
  'United States': 'north_america',
  Canada: 'north_america',
  Mexico: 'latam',
  Brazil: 'latam',
  Argentina: 'latam',
  'United Kingdom': 'europe',
  Germany: 'europe',
  France: 'europe',
  Spain: 'europe',
  Netherlands: 'europe',
  Sweden: 'europe',
  Italy: 'europe',
  Poland: 'europe',
  India: 'apac',
  Australia: 'apac',
  Japan: 'apac',
  Singapore: 'apac',
  China: 'apac',
  'South Africa': 'mea',
  'United Arab Emirates': 'mea',
  Nigeria: 'mea',
};
