/**
 * Which account a verified identity (an OpenID Provider's email, the WordPress user's email) signs into.
 * An existing account with that email wins; otherwise, when exactly one partner's Ontraport contact has that
 * email, a partner account is created for it (the partner was never issued credentials, yet may sign in).
 * Unknown emails create nothing.
 */
import type { Kysely } from 'kysely';
import type { Account, Database } from '../store/index.js';
import * as repo from './accounts.repo.js';

export type ResolvedAccount =
  | { kind: 'ok'; account: Account; created: boolean }
  | { kind: 'unknown' }
  | { kind: 'ambiguous' }
  | { kind: 'disabled' };

export async function resolveAccountForEmail(db: Kysely<Database>, email: string, now: number): Promise<ResolvedAccount> {
  const existing = await repo.findAccountByEmail(db, email);
  if (existing) return existing.disabled_at === null ? { kind: 'ok', account: existing, created: false } : { kind: 'disabled' };
  const partners = await repo.findPartnersByContactEmail(db, email);
  if (partners.length === 0) return { kind: 'unknown' };
  if (partners.length > 1) return { kind: 'ambiguous' };
  const partnerId = partners[0]!.partnerId;
  // The partner may already have an account under an older email (the contact's email changed in Ontraport).
  const byPartner = await repo.findAccountByPartnerId(db, partnerId);
  if (byPartner) return byPartner.disabled_at === null ? { kind: 'ok', account: byPartner, created: false } : { kind: 'disabled' };
  try {
    const account = await repo.insertPartnerAccount(db, { partnerId, email, now });
    return { kind: 'ok', account, created: true };
  } catch (err) {
    // Two sign-ins racing for the same partner: the other one created it.
    const raced = (await repo.findAccountByPartnerId(db, partnerId)) ?? (await repo.findAccountByEmail(db, email));
    if (raced) return raced.disabled_at === null ? { kind: 'ok', account: raced, created: false } : { kind: 'disabled' };
    throw err;
  }
}
