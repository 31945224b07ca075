/**
 * The partner center configuration (the `partner_center.setup` record in the store): which pages the menu
 * offers. A migration creates it (the default: every page); `partnergate partner-center pages --set` changes
 * it; the gateway reads it on partner-center requests through a short cache, so a change reaches every worker
 * within CACHE_MS without a restart. A page that is switched off leaves the menu and answers 404.
 *
 * The record also keeps the access programs the migration ran with (`PARTNERGATE_ACCESS_PROGRAMS`); access is
 * enforced from that setting, so it stays the one place to change who may enter.
 */
import { AppError } from '../common/index.js';
import { getKv, setKv } from '../store/index.js';
import type { Db } from './repos/db.js';

export const PARTNER_CENTER_SETUP_KEY = 'partner_center.setup';

/** Every page of the menu, in menu order. */
export const PARTNER_CENTER_PAGES = ['dashboard', 'contacts', 'commissions', 'subscriptions', 'earnings', 'reports', 'promo-tools', 'links', 'leaderboard', 'settings'] as const;
export type PartnerCenterPage = (typeof PARTNER_CENTER_PAGES)[number];

/** Never switched off: where a partner lands after signing in, and where they change their PayPal email. */
export const ALWAYS_ON_PAGES: readonly PartnerCenterPage[] = ['dashboard', 'settings'];

/** Names earlier migrations wrote, read as today's pages. */
const FORMER_NAMES: Record<string, PartnerCenterPage> = { referrals: 'contacts', payments: 'earnings' };

export interface PartnerCenterSetup {
  accessPrograms: string[] | 'any';
  pages: string[];
  createdBy: string;
  createdAt: number;
}

const CACHE_MS = 5_000;
const cache = new WeakMap<object, { pages: ReadonlySet<PartnerCenterPage>; expiresAt: number }>();

const isPage = (name: string): name is PartnerCenterPage => (PARTNER_CENTER_PAGES as readonly string[]).includes(name);

/** The pages a setup record turns on (all of them when there is no record); unknown names are ignored. */
export function pagesOf(setup: PartnerCenterSetup | undefined): ReadonlySet<PartnerCenterPage> {
  if (!setup || !Array.isArray(setup.pages)) return new Set(PARTNER_CENTER_PAGES);
  const named = setup.pages.map((p) => FORMER_NAMES[p] ?? p).filter(isPage);
  return new Set([...named, ...ALWAYS_ON_PAGES]);
}

export function readPartnerCenterSetup(db: Db): Promise<PartnerCenterSetup | undefined> {
  return getKv<PartnerCenterSetup>(db, PARTNER_CENTER_SETUP_KEY);
}

/** The pages on now (read at most every CACHE_MS per store handle). */
export async function enabledPages(db: Db, now = Date.now()): Promise<ReadonlySet<PartnerCenterPage>> {
  const hit = cache.get(db);
  if (hit && hit.expiresAt > now) return hit.pages;
  const pages = pagesOf(await readPartnerCenterSetup(db));
  cache.set(db, { pages, expiresAt: now + CACHE_MS });
  return pages;
}

/**
 * Parses a page list as an admin writes it (`contacts,commissions`): every name must be a page; the pages that
 * are always on are added. Throws `request.invalid_field` naming the first unknown page.
 */
export function parsePageList(list: string): PartnerCenterPage[] {
  const names = list.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  for (const name of names) {
    if (!isPage(name)) throw new AppError('request.invalid_field', `pages: "${name}" is not a partner center page (one of ${PARTNER_CENTER_PAGES.join(', ')})`, { field: 'pages' });
  }
  const on = new Set<string>([...names, ...ALWAYS_ON_PAGES]);
  return PARTNER_CENTER_PAGES.filter((p) => on.has(p));
}

/**
 * Stores the page list on `base` (the record as the caller read it, or a fresh one: the rest of the record is
 * kept), and forgets this process's cache.
 */
export async function savePartnerCenterPages(db: Db, base: Omit<PartnerCenterSetup, 'pages'>, pages: PartnerCenterPage[], now: number): Promise<PartnerCenterSetup> {
  const setup: PartnerCenterSetup = { ...base, pages };
  await setKv(db, PARTNER_CENTER_SETUP_KEY, setup, now);
  cache.delete(db);
  return setup;
}
