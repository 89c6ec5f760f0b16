import { DEFAULT_COMPETITOR_DOMAINS, DISPOSABLE_EMAIL_DOMAINS, FREE_EMAIL_DOMAINS } from '../schema/index.ts';
import type { Persona } from './personas.ts';
import { chance, lognormal, pick, pickWeighted, type Rng } from './random.ts';
import {
  COMPANY_STEMS,
  COMPANY_SUFFIXES,
  COMPANY_TLDS,
  COMPETITOR_NAMES,
  COUNTRY_WEIGHTS,
  FIRST_NAMES,
  JUNK_DOMAINS,
  LAST_NAMES,
  OTHER_INDUSTRIES,
  TARGET_INDUSTRIES,
  TITLES,
  UNIVERSITIES,
} from './words.ts';

/** A lead's firmographic and contact attributes, plus how well it fits the ideal customer profile. */
export interface LeadAttributes {
  email: string | null;
  company: string | null;
  jobTitle: string | null;
  industry: string | null;
  companySize: number | null;
  annualRevenue: number | null;
  country: string | null;
  leadSource: string;
  /** observable fit: a log-hazard contribution from industry, seniority, size, email kind, region */
  fit: number;
}

type Seniority = keyof typeof TITLES;
type EmailKind = 'corporate' | 'free' | 'academic' | 'disposable' | 'junk' | 'competitor';

const SOURCES: Readonly<Record<Persona, ReadonlyArray<readonly [string, number]>>> = {
  ideal: [
    ['website', 3],
    ['paid_search', 2],
    ['referral', 2],
    ['event', 1.5],
    ['webinar', 1],
    ['content', 1],
  ],
  evaluator: [
    ['website', 3],
    ['paid_search', 2],
    ['content', 2],
    ['webinar', 1],
    ['event', 1],
    ['referral', 0.5],
  ],
  newsletter: [
    ['newsletter', 5],
    ['content', 2],
    ['social', 1.5],
    ['website', 1],
  ],
  cold: [
    ['content', 3],
    ['paid_search', 2],
    ['website', 2],
    ['event', 1],
    ['social', 1],
  ],
  student: [
    ['content', 5],
    ['social', 2],
    ['webinar', 1.5],
    ['website', 1],
  ],
  unsubscriber: [
    ['content', 3],
    ['newsletter', 2],
    ['social', 2],
    ['purchased_list', 2],
  ],
  spam: [
    ['website', 4],
    ['content', 3],
    ['purchased_list', 1],
  ],
  competitor: [
    ['newsletter', 2],
    ['webinar', 2],
    ['content', 2],
    ['website', 1],
  ],
};

/** Draw the attributes of one lead of the given persona. `index` keeps company names distinct. */
export function drawAttributes(rng: Rng, persona: Persona, index: number): LeadAttributes {
  const first = pick(rng, FIRST_NAMES);
  const last = pick(rng, LAST_NAMES);
  const country = chance(rng, persona === 'spam' ? 0.5 : 0.04) ? null : pickWeighted(rng, COUNTRY_WEIGHTS);
  const leadSource = pickWeighted(rng, SOURCES[persona]);
  const a = shapeByPersona(rng, persona, index);
  const local = persona === 'spam' ? junkLocal(rng) : chance(rng, 0.6) ? `${first}.${last}` : `${first[0]}${last}`;
  const email = a.domain === null ? null : `${local}@${a.domain}`;
  return {
    email,
    company: a.company,
    jobTitle: a.seniority === null ? null : pick(rng, TITLES[a.seniority]),
    industry: a.industry,
    companySize: a.size,
    annualRevenue: a.size === null || chance(rng, 0.3) ? null : Math.round(a.size * lognormal(rng, 150_000, 0.6)),
    country,
    leadSource,
    fit: fitScore(a, country),
  };
}

interface Shape {
  seniority: Seniority | null;
  industry: string | null;
  size: number | null;
  company: string | null;
  domain: string | null;
  emailKind: EmailKind;
}

function shapeByPersona(rng: Rng, persona: Persona, index: number): Shape {
  const firm = (sizeMedian: number, sizeSigma: number, targetShare: number) => {
    const company = companyName(rng, index);
    return {
      company: company.name,
      corporateDomain: company.domain,
      industry: chance(rng, targetShare) ? pick(rng, TARGET_INDUSTRIES) : pick(rng, OTHER_INDUSTRIES),
      size: Math.max(1, Math.round(lognormal(rng, sizeMedian, sizeSigma))),
    };
  };
  const withEmail = (f: ReturnType<typeof firm>, freeShare: number) =>
    chance(rng, freeShare)
      ? { domain: pick(rng, FREE_EMAIL_DOMAINS) as string, emailKind: 'free' as const }
      : { domain: f.corporateDomain, emailKind: 'corporate' as const };

  switch (persona) {
    case 'ideal': {
      const f = firm(400, 0.9, 0.8);
      f.size = Math.min(5000, Math.max(50, f.size));
      const seniority = pickWeighted<Seniority | null>(rng, [
        ['c_level', 3],
        ['vp', 3],
        ['director', 3],
        ['manager', 0.6],
        [null, 0.4],
      ]);
      return {
        seniority,
        industry: maybeNull(rng, f.industry, 0.05),
        size: maybeNullNum(rng, f.size, 0.08),
        company: f.company,
        ...withEmail(f, 0.06),
      };
    }
    case 'evaluator':
    case 'cold':
    case 'unsubscriber': {
      const targetShare = persona === 'evaluator' ? 0.5 : persona === 'cold' ? 0.45 : 0.3;
      const f = firm(150, 1.6, targetShare);
      const seniority = pickWeighted<Seniority | null>(rng, [
        ['manager', 4],
        ['individual', 4],
        ['director', 1],
        ['vp', 0.4],
        ['c_level', 0.4],
        [null, 1],
      ]);
      const freeShare = persona === 'unsubscriber' ? 0.4 : 0.15;
      return {
        seniority,
        industry: maybeNull(rng, f.industry, 0.1),
        size: maybeNullNum(rng, f.size, 0.2),
        company: maybeNull(rng, f.company, 0.05),
        ...withEmail(f, freeShare),
      };
    }
    case 'newsletter': {
      const f = firm(80, 1.8, 0.3);
      const seniority = pickWeighted<Seniority | null>(rng, [
        ['individual', 4],
        ['manager', 2],
        ['student', 0.5],
        ['director', 0.5],
        ['c_level', 0.3],
        [null, 3],
      ]);
      return {
        seniority,
        industry: maybeNull(rng, f.industry, 0.4),
        size: maybeNullNum(rng, f.size, 0.5),
        company: maybeNull(rng, f.company, 0.3),
        ...withEmail(f, 0.55),
      };
    }
    case 'student': {
      const [uni, uniDomain] = pick(rng, UNIVERSITIES);
      const academic = chance(rng, 0.6);
      return {
        seniority: chance(rng, 0.85) ? 'student' : null,
        industry: chance(rng, 0.7) ? 'education' : null,
        size: chance(rng, 0.5) ? Math.round(lognormal(rng, 8000, 0.6)) : null,
        company: chance(rng, 0.8) ? uni : null,
        domain: academic ? uniDomain : pick(rng, FREE_EMAIL_DOMAINS),
        emailKind: academic ? 'academic' : 'free',
      };
    }
    case 'competitor': {
      const domain = pick(rng, DEFAULT_COMPETITOR_DOMAINS);
      return {
        seniority: pickWeighted<Seniority>(rng, [
          ['manager', 3],
          ['individual', 3],
          ['director', 1],
          ['vp', 0.5],
        ]),
        industry: 'software',
        size: Math.round(lognormal(rng, 300, 0.5)),
        company: COMPETITOR_NAMES[domain],
        domain,
        emailKind: 'competitor',
      };
    }
    case 'spam': {
      const disposable = chance(rng, 0.6);
      return {
        seniority: chance(rng, 0.6) ? 'junk' : null,
        industry: chance(rng, 0.8) ? null : pick(rng, OTHER_INDUSTRIES),
        size: chance(rng, 0.7) ? null : 1 + Math.floor(rng() * 5),
        company: chance(rng, 0.5) ? null : pick(rng, ['asdf', 'test', 'none', 'xxx', 'n/a']),
        domain: chance(rng, 0.1) ? null : disposable ? pick(rng, DISPOSABLE_EMAIL_DOMAINS) : pick(rng, JUNK_DOMAINS),
        emailKind: disposable ? 'disposable' : 'junk',
      };
    }
  }
}

// Observable fit: what a good model can learn from the lead's row alone.
function fitScore(a: Shape, country: string | null): number {
  let fit = 0;
  if (a.industry !== null && (TARGET_INDUSTRIES as readonly string[]).includes(a.industry)) fit += 0.7;
  if (a.seniority === 'c_level' || a.seniority === 'vp') fit += 0.6;
  else if (a.seniority === 'director') fit += 0.45;
  else if (a.seniority === 'manager') fit += 0.15;
  if (a.size !== null) fit += a.size >= 50 && a.size <= 5000 ? 0.45 : a.size < 10 ? -0.5 : 0;
  if (a.emailKind === 'free') fit -= 0.5;
  if (country === 'United States' || country === 'Canada' || country === 'United Kingdom' || country === 'Germany')
    fit += 0.2;
  return fit;
}

function companyName(rng: Rng, index: number): { name: string; domain: string } {
  const stem = pick(rng, COMPANY_STEMS);
  const suffix = pick(rng, COMPANY_SUFFIXES);
  // a short number keeps thousands of companies apart while staying readable
  const tag = (index % 997).toString(36);
  const name = `${cap(stem)} ${cap(suffix)} ${tag.toUpperCase()}`;
  return { name, domain: `${stem}${suffix}${tag}.${pick(rng, COMPANY_TLDS)}` };
}

function junkLocal(rng: Rng): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  const n = 4 + Math.floor(rng() * 8);
  for (let i = 0; i < n; i++) s += letters[Math.floor(rng() * letters.length)];
  return s;
}

function cap(s: string): string {
  return s[0].toUpperCase() + s.slice(1);
}

function maybeNull<T>(rng: Rng, v: T, pNull: number): T | null {
  return chance(rng, pNull) ? null : v;
}

function maybeNullNum(rng: Rng, v: number, pNull: number): number | null {
  return chance(rng, pNull) ? null : v;
}
