/**
 * The partner center's menu: one list for every page (the partner center pages and the blocks pages), filtered
 * by the pages the partner center configuration turns on (see src/views/page-gate.ts).
 */
import { catalogues } from '../i18n/index.js';
import type { PartnerCenterPage } from './center-setup.js';

export interface NavItem {
  key: PartnerCenterPage;
  href: string;
  label: string;
}

export const NAV_ITEMS: readonly NavItem[] = [
  { key: 'dashboard', href: '/partner-center/', label: 'Dashboard' },
  { key: 'contacts', href: '/partner-center/contacts', label: 'Contacts' },
  { key: 'commissions', href: '/partner-center/commissions/pending', label: 'Commissions' },
  { key: 'subscriptions', href: '/partner-center/subscriptions', label: 'Subscriptions' },
  { key: 'earnings', href: '/partner-center/earnings', label: 'Earnings' },
  { key: 'reports', href: '/partner-center/reports', label: 'Reports' },
  { key: 'promo-tools', href: '/partner-center/promo-tools', label: 'Promo tools' },
  { key: 'links', href: '/partner-center/links', label: 'Links' },
  { key: 'leaderboard', href: '/partner-center/leaderboard', label: 'Leaderboard' },
  { key: 'settings', href: '/partner-center/settings', label: 'Settings' },
];

/**
 * The menu items that are on: those the configuration lists, and those it cannot switch off (no `key`, such
 * as a configured leaderboard page). All of them when `enabled` is not known.
 */
export function enabledNavItems<T extends { key?: string }>(enabled: ReadonlySet<string> | undefined, items: readonly T[]): T[] {
  return items.filter((i) => !i.key || !enabled || enabled.has(i.key));
}

/** A menu item's label in `locale`: the `layout:nav.<key>` message for the built-in pages, else as configured. */
export function navLabel(item: { key?: string; label: string }, locale: string): string {
  const key = `layout:nav.${item.key ?? ''}`;
  return item.key && catalogues().hasKey(key) ? catalogues().t(locale, key) : item.label;
}
