/**
 * Matching WordPress users to Ontraport partners by email, and reading what the old partner center held for
 * them (PayPal email, SubIDs) out of their PilotPress usermeta. Pure functions: the plan previews with them,
 * the apply steps store their decisions.
 */
import { checkEmail, sharedEmails } from '../../src/accounts/index.js';
import type { LegacyWpUserTable } from '../../src/store/index.js';

export interface MatchDecision {
  partnerId: number | null;
  status: LegacyWpUserTable['match_status'];
  reason: string | null;
}

export interface MatchInput {
  wpUserId: number;
  login: string;
  email: string | null;
  roles: string[];
  meta: Record<string, unknown>;
  /** wp-shim's verdict when the export gave one. */
  partner?: boolean | null;
}

const PARTNER_META = /(program_id|affiliate|partner|contact_id|aff_paypal)/i;
const NON_PARTNER_ROLES = new Set(['administrator', 'editor', 'author', 'shop_manager']);

/**
 * Whether the old site treated the user as a partner: wp-shim's verdict when the export has one; otherwise
 * PilotPress's usermeta (contact, program) or a partner role. Others (editors, customers) are not expected
 * among the partners and are only counted.
 */
export function looksLikePartner(u: Pick<MatchInput, 'roles' | 'meta' | 'partner'>): boolean {
  if (typeof u.partner === 'boolean') return u.partner;
  if (u.roles.some((r) => /affiliate|partner/i.test(r))) return true;
  if (u.roles.length > 0 && u.roles.every((r) => NON_PARTNER_ROLES.has(r))) return false;
  return Object.entries(u.meta).some(([k, v]) => PARTNER_META.test(k) && v !== null && v !== '' && v !== 0 && v !== '0' && v !== false);
}

/** Decides every user at once: duplicates can only be seen across the whole list. */
/** Lower-cased email -> the WordPress users sharing it, for the emails more than one user has (and only those). */
export function sharedWordPressEmails(users: Iterable<{ wpUserId: number; email: string | null }>): Map<string, number[]> {
  return sharedEmails(users, (u) => u.email, (u) => u.wpUserId);
}

/** Decides one WordPress user, given the emails several users share (`sharedWordPressEmails` over all of them). */
export function matchUser(u: MatchInput, shared: Map<string, number[]>, partnersByEmail: Map<string, Array<{ partnerId: number }>>): MatchDecision {
  const check = checkEmail(u.email);
  const partnerLike = looksLikePartner(u);
  if (!check.ok) return { partnerId: null, status: partnerLike ? 'bad_email' : 'not_partner', reason: check.reason };
  const sameEmail = shared.get(check.email);
  if (sameEmail) return { partnerId: null, status: 'duplicate_email', reason: `email ${check.email} is also WordPress user ${sameEmail.filter((id) => id !== u.wpUserId).join(', ')}` };
  const partners = partnersByEmail.get(check.email) ?? [];
  if (partners.length === 1) return { partnerId: partners[0].partnerId, status: 'matched', reason: null };
  if (partners.length > 1) return { partnerId: null, status: 'duplicate_email', reason: `email ${check.email} belongs to several Ontraport partners (${partners.map((p) => p.partnerId).join(', ')})` };
  if (partnerLike) return { partnerId: null, status: 'unmatched', reason: `no Ontraport partner has the email ${check.email}` };
  return { partnerId: null, status: 'not_partner', reason: 'not a partner on the old site (no PilotPress partner data)' };
}

export function matchUsers(users: readonly MatchInput[], partnersByEmail: Map<string, Array<{ partnerId: number }>>): Map<number, MatchDecision> {
  const shared = sharedWordPressEmails(users);
  return new Map(users.map((u) => [u.wpUserId, matchUser(u, shared, partnersByEmail)]));
}

export function legacyPaypal(meta: Record<string, unknown>): string | null {
  for (const [k, v] of Object.entries(meta)) {
    if (!/paypal/i.test(k) || typeof v !== 'string') continue;
    const check = checkEmail(v);
    if (check.ok) return check.email;
  }
  return null;
}

/** The SubIDs the old center held for the user (a usermeta key naming SubIDs: a list or a comma-separated text). */
export function legacySubIds(meta: Record<string, unknown>): string[] {
  const out = new Set<string>();
  for (const [k, v] of Object.entries(meta)) {
    if (!/sub_?ids?$|subids?/i.test(k)) continue;
    const values = Array.isArray(v) ? v : typeof v === 'string' ? v.split(/[,\n]/) : [];
    for (const s of values) {
      const id = String(s).trim();
      if (id && id.length <= 200) out.add(id);
    }
  }
  return [...out].sort();
}
