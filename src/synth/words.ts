/** Word lists for synthetic names, companies, titles and industries (lexicon.ts holds the shared ones). */

export const FIRST_NAMES = [
  'james', 'mary', 'robert', 'patricia', 'john', 'jennifer', 'michael', 'linda', 'david', 'elizabeth',
  'william', 'barbara', 'richard', 'susan', 'joseph', 'jessica', 'thomas', 'sarah', 'carlos', 'karen',
  'lucas', 'sofia', 'wei', 'mei', 'arjun', 'priya', 'hiroshi', 'yuki', 'olga', 'ivan', 'fatima', 'omar',
  'lena', 'jonas', 'emma', 'noah', 'chloe', 'mateo', 'ana', 'kwame',
];

export const LAST_NAMES = [
  'smith', 'johnson', 'williams', 'brown', 'jones', 'garcia', 'miller', 'davis', 'rodriguez', 'martinez',
  'hernandez', 'lopez', 'wilson', 'anderson', 'taylor', 'thomas', 'moore', 'jackson', 'martin', 'lee',
  'nguyen', 'chen', 'patel', 'kumar', 'sato', 'tanaka', 'muller', 'schmidt', 'dubois', 'rossi',
  'novak', 'kowalski', 'silva', 'santos', 'okafor', 'mensah', 'larsen', 'berg', 'cohen', 'ali',
];

export const COMPANY_STEMS = [
  'acme', 'northwind', 'globex', 'initech', 'umbrella', 'stark', 'wayne', 'hooli', 'vandelay', 'soylent',
  'cyberdyne', 'tyrell', 'wonka', 'gringotts', 'monarch', 'blueleaf', 'brightpath', 'cloudnine', 'datawise',
  'evergreen', 'fairway', 'goldcrest', 'harbor', 'ironbridge', 'juniper', 'keystone', 'lumen', 'meridian',
  'nimbus', 'orchid', 'pinnacle', 'quantum', 'redwood', 'silverline', 'trident', 'unity', 'vertex',
  'willow', 'xenon', 'zenith',
];
export const COMPANY_SUFFIXES = ['labs', 'systems', 'group', 'tech', 'works', 'analytics', 'solutions', 'partners', 'digital', 'cloud'];
export const COMPANY_TLDS = ['com', 'com', 'com', 'io', 'co', 'net'];

/** Industries the product sells best into (the "ideal customer profile"). */
export const TARGET_INDUSTRIES = ['software', 'saas', 'fintech', 'it services'] as const;
export const OTHER_INDUSTRIES = [
  'manufacturing', 'retail', 'healthcare', 'logistics', 'media', 'real estate', 'consulting', 'government',
  'non-profit', 'hospitality', 'construction', 'energy',
] as const;

export const TITLES = {
  c_level: ['CEO', 'CTO', 'CMO', 'Chief Revenue Officer', 'Founder', 'Co-Founder & CEO', 'COO', 'President'],
  vp: ['VP Marketing', 'VP Sales', 'Vice President of Growth', 'Head of Marketing', 'Head of Revenue Operations', 'VP Engineering'],
  director: ['Director of Marketing', 'Marketing Director', 'Director of Demand Generation', 'Sales Director', 'Director of Operations'],
  manager: ['Marketing Manager', 'Sales Manager', 'Marketing Operations Manager', 'Growth Lead', 'Product Manager', 'Account Manager'],
  individual: ['Marketing Analyst', 'Data Analyst', 'Sales Representative', 'Marketing Specialist', 'Software Engineer', 'Marketing Coordinator', 'Consultant'],
  student: ['Student', 'PhD Student', 'Graduate Student', 'Researcher', 'Research Assistant', 'Professor', 'Intern'],
  junk: ['x', 'asdf', 'test', 'aaa', '.', 'n/a', '123', 'qwerty'],
} as const;

export const UNIVERSITIES: ReadonlyArray<readonly [name: string, domain: string]> = [
  ['Stanford University', 'stanford.edu'], ['MIT', 'mit.edu'], ['University of Oxford', 'ox.ac.uk'],
  ['University of Cambridge', 'cam.ac.uk'], ['University of Melbourne', 'unimelb.edu.au'], ['IIT Delhi', 'iitd.ac.in'],
  ['UC Berkeley', 'berkeley.edu'], ['University of Michigan', 'umich.edu'], ['Imperial College London', 'imperial.ac.uk'],
  ['University of Sydney', 'sydney.edu.au'],
];

export const COMPETITOR_NAMES: Readonly<Record<string, string>> = {
  'rivalsoft.com': 'RivalSoft', 'competeco.io': 'CompeteCo', 'leadrival.com': 'LeadRival',
};

export const JUNK_DOMAINS = ['test.com', 'asdf.com', 'example.com', 'abc.com', 'qq.qq'];

/** Countries with sampling weights (a US-heavy B2B audience). */
export const COUNTRY_WEIGHTS: ReadonlyArray<readonly [string, number]> = [
  ['United States', 34], ['United Kingdom', 9], ['Germany', 7], ['Canada', 5], ['France', 4], ['India', 8],
  ['Australia', 4], ['Netherlands', 3], ['Spain', 2], ['Sweden', 2], ['Brazil', 4], ['Mexico', 2],
  ['Japan', 2], ['Singapore', 2], ['Poland', 2], ['Italy', 2], ['South Africa', 2], ['Nigeria', 3],
  ['United Arab Emirates', 1], ['China', 3],
];

/** Site pages by section, for page_view urls. */
export const PAGES = {
  blog: ['/blog/what-is-lead-scoring', '/blog/mql-vs-sql', '/blog/predictive-vs-rules', '/blog/crm-hygiene', '/blog/intent-data-101', '/blog/b2b-funnel-benchmarks'],
  product: ['/product', '/product/features', '/product/integrations', '/customers', '/security', '/product/api'],
  docs: ['/docs/getting-started', '/docs/api-reference', '/docs/data-model', '/docs/scoring-models'],
  pricing: ['/pricing', '/pricing/enterprise', '/pricing/compare'],
  content: ['/resources/ebook-lead-scoring-guide', '/resources/whitepaper-predictive-pipeline', '/resources/report-state-of-b2b'],
  documents: ['/resources/datasheet.pdf', '/resources/security-overview.pdf', '/resources/case-study-fintech.pdf'],
} as const;
