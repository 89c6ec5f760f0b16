import {
  ACADEMIC_DOMAIN_SUFFIXES,
  COMPANY_SIZE_BANDS,
  COUNTRY_REGIONS,
  DEFAULT_COMPETITOR_DOMAINS,
  DEPARTMENT_KEYWORDS,
  DISPOSABLE_EMAIL_DOMAINS,
  FREE_EMAIL_DOMAINS,
  REVENUE_BANDS,
  SENIORITY_KEYWORDS,
} from './lexicon.ts';

/**
 * SQL expressions for attributes derived from a lead's own row (email domain kind, seniority, bands).
 * The feature layer and the rules engine both use these, so a "decision maker" means one thing.
 * Arguments are SQL expressions that are already safe (quoted identifiers); word lists are literals.
 */

const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;
const list = (xs: readonly string[]) => xs.map(lit).join(', ');

/** Lower-cased domain part of an email address, NULL when absent or malformed. */
export function emailDomainSql(email: string): string {
  return `nullif(lower(trim(split_part(${email}, '@', 2))), '')`;
}

/** Email domain kind: missing | disposable | competitor | academic | free | corporate. */
export function emailDomainKindSql(
  email: string,
  competitorDomains: readonly string[] = DEFAULT_COMPETITOR_DOMAINS,
): string {
  return domainKindSql(emailDomainSql(email), competitorDomains);
}

/** emailDomainKindSql for a domain already split out by emailDomainSql (lower-cased, trimmed, NULL when absent). */
export function domainKindSql(d: string, competitorDomains: readonly string[] = DEFAULT_COMPETITOR_DOMAINS): string {
  const academic = ACADEMIC_DOMAIN_SUFFIXES.map((s) => `ends_with(${d}, ${lit(s)})`).join(' OR ');
  const competitor = competitorDomains.length ? `WHEN ${d} IN (${list(competitorDomains)}) THEN 'competitor'` : '';
  return `(CASE WHEN ${d} IS NULL THEN 'missing'
    WHEN ${d} IN (${list(DISPOSABLE_EMAIL_DOMAINS)}) THEN 'disposable'
    ${competitor}
    WHEN ${academic} THEN 'academic'
    WHEN ${d} IN (${list(FREE_EMAIL_DOMAINS)}) THEN 'free'
    ELSE 'corporate' END)`;
}

function keywordCaseSql(
  title: string,
  table: ReadonlyArray<readonly [string, readonly string[]]>,
  fallback: string,
): string {
  const t = `(' ' || lower(coalesce(${title}, '')) || ' ')`;
  const whens = table
    .map(
      ([label, words]) =>
        `WHEN ${words.map((w) => `contains(${t}, ${lit(wordPattern(w))})`).join(' OR ')} THEN ${lit(label)}`,
    )
    .join('\n    ');
  const missing = `WHEN ${title} IS NULL OR trim(${title}) = '' THEN 'missing'`;
  return `(CASE ${missing}\n    ${whens}\n    ELSE ${lit(fallback)} END)`;
}

// Short keywords (ceo, vp, it) must match as whole words; longer ones may match inside a word.
function wordPattern(w: string): string {
  return w.length <= 4 ? ` ${w.trim()} ` : w;
}

/** Seniority from job-title keywords: c_level | vp | director | manager | student | individual | other | missing. */
export function senioritySql(title: string): string {
  return keywordCaseSql(title, SENIORITY_KEYWORDS, 'other');
}

/** Department from job-title keywords: marketing | sales | engineering | ... | other | missing. */
export function departmentSql(title: string): string {
  return keywordCaseSql(title, DEPARTMENT_KEYWORDS, 'other');
}

function bandSql(value: string, bands: ReadonlyArray<readonly [string, number]>): string {
  const whens = [...bands]
    .reverse()
    .map(([label, min]) => `WHEN ${value} >= ${min} THEN ${lit(label)}`)
    .join(' ');
  return `(CASE WHEN ${value} IS NULL THEN 'missing' ${whens} ELSE 'other' END)`;
}

/** Company-size band from employee count. */
export function companySizeBandSql(size: string): string {
  return bandSql(size, COMPANY_SIZE_BANDS);
}

/** Annual-revenue band. */
export function revenueBandSql(revenue: string): string {
  return bandSql(revenue, REVENUE_BANDS);
}

/** Region from country name (unknown countries: other; NULL: missing). */
export function regionSql(country: string): string {
  const whens = Object.entries(COUNTRY_REGIONS)
    .map(([c, r]) => `WHEN ${lit(c)} THEN ${lit(r)}`)
    .join(' ');
  return `(CASE WHEN ${country} IS NULL THEN 'missing' ELSE (CASE ${country} ${whens} ELSE 'other' END) END)`;
}

/** A lead attribute classified from a key that repeats across leads (a title, an email domain). */
export interface KeyedClassifier {
  /** SQL for the key, given the leads table's alias */
  key: (leads: string) => string;
  /** SQL classifying a key expression */
  classify: (key: string, competitorDomains: readonly string[]) => string;
}

/**
 * Classifiers that are dozens of string tests each over an input shared by many leads: the feature
 * and rules compilers classify each distinct key once and join the answer back to the leads.
 */
export const KEYED_CLASSIFIERS: Readonly<Record<'seniority' | 'department' | 'email_domain_kind', KeyedClassifier>> = {
  seniority: { key: (l) => `${l}.job_title`, classify: (k) => senioritySql(k) },
  department: { key: (l) => `${l}.job_title`, classify: (k) => departmentSql(k) },
  // the key is the domain, already split out
  email_domain_kind: { key: (l) => emailDomainSql(`${l}.email`), classify: (k, c) => domainKindSql(k, c) },
};
