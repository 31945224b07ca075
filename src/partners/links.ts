/**
 * The partner's tracked links: `<site>/<path>?orid=<referral code>` plus `&opid=<promo tool id>` for promo
 * tools and `&sid=<SubID>` for the partner's own tags, and the link builder's rule for what may be linked:
 * a page of the site, never another origin (see the table of cases in test/partners/links.test.ts).
 */
import type { Db, MsRange } from './repos/db.js';
import { listLegacySubIds, visitsByKey } from './repos/activity.repo.js';
import { commissionStatsByKey } from './repos/commissions.repo.js';

/** A SubID a partner may type: letters, digits, `_` and `-`, 1 to 64 of them. */
export const SUB_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function subIdProblem(subId: string): string | undefined {
  return SUB_ID_PATTERN.test(subId) ? undefined : 'use 1 to 64 letters, digits, "_" or "-"';
}

/** The origin of the site partners link to (the gateway's public URL, also when the partner center has a host of its own). */
export function siteOrigin(publicUrl: string): string {
  return new URL(publicUrl).origin;
}

export function trackedLink(origin: string, path: string, referralCode: string, extra: { promoToolId?: number; subId?: string } = {}): string {
  const url = new URL(path.startsWith('/') ? path : `/${path}`, origin);
  url.searchParams.set('orid', referralCode);
  if (extra.promoToolId !== undefined) url.searchParams.set('opid', String(extra.promoToolId));
  if (extra.subId !== undefined) url.searchParams.set('sid', extra.subId);
  return url.toString();
}

export function referralLink(origin: string, referralCode: string): string {
  return trackedLink(origin, '/', referralCode);
}

export type SitePathResult = { ok: true; path: string } | { ok: false; problem: string };

const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f-\u009f\u00a0\u1680\u2000-\u200f\u2028\u2029\u202f\u205f\u3000\ufeff]/;

/**
 * Reads what a partner typed into the link builder: a path (`/course/`, `/pricing?plan=pro`) or a full URL
 * of the site itself. Anything that could leave the site is refused: other origins, scheme-relative `//`,
 * backslashes (browsers read `/\evil` as `//evil`), spaces and control characters, other schemes.
 */
export function parseSitePath(input: string, origin: string): SitePathResult {
  const text = input.trim();
  if (text === '') return { ok: true, path: '/' };
  if (text.length > 2000) return { ok: false, problem: 'is longer than 2000 characters' };
  if (CONTROL_OR_SPACE.test(text) || text.includes('\\')) return { ok: false, problem: 'must not contain spaces, backslashes or control characters' };
  const site = new URL(origin);
  let url: URL;
  if (text.startsWith('/')) {
    if (text.startsWith('//')) return { ok: false, problem: `must be a page on ${site.host}, such as /pricing/` };
    try {
      url = new URL(text, origin);
    } catch {
      return { ok: false, problem: 'is not a valid path' };
    }
  } else {
    try {
      url = new URL(text);
    } catch {
      return { ok: false, problem: `must be a page on ${site.host}, such as /pricing/` };
    }
  }
  if (url.origin !== site.origin || url.username || url.password) return { ok: false, problem: `must be a page on ${site.host}, such as /pricing/` };
  return { ok: true, path: `${url.pathname}${url.search}${url.hash}` };
}

export interface SubIdStats {
  subId: string;
  clicks: number;
  sales: number;
  earnedCents: number;
  pendingCents: number;
}

/** Every SubID the partner used in a range (plus those carried over from the legacy partner center). */
export async function subIdStats(db: Db, partnerId: number, range: MsRange): Promise<SubIdStats[]> {
  const [visits, commissions, legacy] = await Promise.all([
    visitsByKey(db, partnerId, range, 'sub_id'),
    commissionStatsByKey(db, partnerId, range, 'sub_id'),
    listLegacySubIds(db, partnerId),
  ]);
  const map = new Map<string, SubIdStats>();
  const row = (id: string) => {
    let r = map.get(id);
    if (!r) map.set(id, (r = { subId: id, clicks: 0, sales: 0, earnedCents: 0, pendingCents: 0 }));
    return r;
  };
  for (const id of legacy) row(id);
  for (const v of visits) if (v.key !== null && v.key !== '') row(String(v.key)).clicks += v.n;
  for (const c of commissions) {
    if (c.key === null || c.key === '') continue;
    const r = row(String(c.key));
    r.sales += c.sales;
    r.earnedCents += c.earnedCents;
    r.pendingCents += c.pendingCents;
  }
  return [...map.values()].sort((a, b) => b.earnedCents - a.earnedCents || b.clicks - a.clicks || a.subId.localeCompare(b.subId));
}
