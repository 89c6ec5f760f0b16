import {
  COMPANY_SIZE_BANDS,
  COUNTRY_REGIONS,
  DEPARTMENT_KEYWORDS,
  REVENUE_BANDS,
  SENIORITY_KEYWORDS,
  companySizeBandSql,
  departmentSql,
  emailDomainKindSql,
  emailDomainSql,
  regionSql,
  revenueBandSql,
  senioritySql,
  KEYED_CLASSIFIERS,
  type KeyedClassifier,
} from '../schema/index.ts';

/**
 * The lead attributes a rule may test, each as SQL over the `leads` row (alias `l`). Derived ones
 * come from src/schema/derived-sql.ts so that rules and features classify leads the same way.
 */
export interface AttributeDef {
  /** SQL expression; `competitors` feeds the email-domain classifier */
  sql: (competitors: readonly string[]) => string;
  type: 'text' | 'number';
  /** the closed set of values a derived attribute can take (rules naming others are rejected) */
  values?: readonly string[];
}

const uniq = (xs: readonly string[]) => [...new Set(xs)];

export const EMAIL_DOMAIN_KINDS = ['missing', 'disposable', 'competitor', 'academic', 'free', 'corporate'] as const;

export const ATTRIBUTES: Readonly<Record<string, AttributeDef>> = {
  job_title: { type: 'text', sql: () => 'l.job_title' },
  seniority: {
    type: 'text',
    sql: () => senioritySql('l.job_title'),
    values: [...SENIORITY_KEYWORDS.map(([k]) => k), 'other', 'missing'],
  },
  department: {
    type: 'text',
    sql: () => departmentSql('l.job_title'),
    values: [...DEPARTMENT_KEYWORDS.map(([k]) => k), 'other', 'missing'],
  },
  company: { type: 'text', sql: () => 'l.company' },
  company_size: { type: 'number', sql: () => 'l.company_size' },
  company_size_band: {
    type: 'text',
    sql: () => companySizeBandSql('l.company_size'),
    values: [...COMPANY_SIZE_BANDS.map(([b]) => b), 'other', 'missing'],
  },
  industry: { type: 'text', sql: () => 'l.industry' },
  annual_revenue: { type: 'number', sql: () => 'l.annual_revenue' },
  revenue_band: {
    type: 'text',
    sql: () => revenueBandSql('l.annual_revenue'),
    values: [...REVENUE_BANDS.map(([b]) => b), 'other', 'missing'],
  },
  country: { type: 'text', sql: () => 'l.country' },
  region: {
    type: 'text',
    sql: () => regionSql('l.country'),
    values: uniq([...Object.values(COUNTRY_REGIONS), 'other', 'missing']),
  },
  email_domain: { type: 'text', sql: () => emailDomainSql('l.email') },
  email_domain_kind: { type: 'text', sql: (c) => emailDomainKindSql('l.email', c), values: EMAIL_DOMAIN_KINDS },
  lead_source: { type: 'text', sql: () => 'l.lead_source' },
};

export const ATTRIBUTE_NAMES = Object.keys(ATTRIBUTES);

/** Attributes classified once per distinct key and joined back (see KEYED_CLASSIFIERS). */
export const DICTIONARY_ATTRIBUTES: Readonly<Record<string, KeyedClassifier>> = KEYED_CLASSIFIERS;
