/**
 * Read-only queries behind `verify`: every partner with its account, live set-password links, the state of its
 * credentials email, and SubIDs seen in activity but missing from the partner's SubID list. Reads whole tables
 * once rather than per partner, so 100,000 partners take a few queries.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/store/index.js';


export interface PartnerState {
  partner_id: number;
  status: 'active' | 'inactive';
  paypal_email: string | null;
  contact_email: string | null;
  account_id: number | null;
  disabled_at: number | null;
  has_password: number;
  oidc_subject: string | null;
  credentials_version: number | null;
}

export async function partnerStates(db: Kysely<Database>): Promise<PartnerState[]> {
  const rows = await db
    .selectFrom('partners as p')
    .innerJoin('contacts as c', 'c.id', 'p.contact_id')
    .leftJoin('accounts as a', 'a.partner_id', 'p.id')
    .select((eb) => [
      'p.id as partner_id',
      'p.status',
      'p.paypal_email',
      'c.email as contact_email',
      'a.id as account_id',
      'a.disabled_at',
      eb.case().when('a.password_hash', 'is not', null).then(1).else(0).end().as('has_password'),
      'a.oidc_subject',
      'a.credentials_version',
    ])
    .orderBy('p.id')
    .execute();
  return rows as PartnerState[];
}

export async function accountsWithLiveSetPasswordLink(db: Kysely<Database>, now: number): Promise<Set<number>> {
  const rows = await db
    .selectFrom('one_time_tokens')
    .select('account_id')
    .distinct()
    .where('purpose', '=', 'set_password')
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .execute();
  return new Set(rows.map((r) => r.account_id).filter((id): id is number => id !== null));
}

/** The state of each account's newest credentials email (read-only look at the outbox). */
export async function credentialEmailStates(db: Kysely<Database>): Promise<Map<number, { version: number; status: string; error: string | null }>> {
  const rows = await db.selectFrom('email_outbox').select(['idempotency_key', 'status', 'last_error']).where('idempotency_key', 'like', 'credentials:account:%').execute();
  const out = new Map<number, { version: number; status: string; error: string | null }>();
  for (const r of rows) {
    const m = /^credentials:account:(\d+):v(\d+)$/.exec(r.idempotency_key);
    if (!m) continue;
    const account = Number(m[1]);
    const version = Number(m[2]);
    if ((out.get(account)?.version ?? 0) < version) out.set(account, { version, status: r.status, error: r.last_error });
  }
  return out;
}

export async function partnerSubIds(db: Kysely<Database>): Promise<Map<number, Set<string>>> {
  const out = new Map<number, Set<string>>();
  for (const r of await db.selectFrom('partner_sub_ids').select(['partner_id', 'sub_id']).execute()) {
    const set = out.get(r.partner_id) ?? new Set<string>();
    set.add(r.sub_id);
    out.set(r.partner_id, set);
  }
  return out;
}

/** SubIDs in a partner's commissions or clicks that are not in the partner's SubID list. */
export async function subIdsMissingFromLists(db: Kysely<Database>): Promise<Map<number, string[]>> {
  const rows = await sql<{ partner_id: number; sub_id: string }>`
    select distinct a.partner_id, a.sub_id from (
      select partner_id, sub_id from commissions where sub_id is not null and sub_id <> ''
      union select partner_id, sub_id from visits where sub_id is not null and sub_id <> ''
    ) a
    left join partner_sub_ids s on s.partner_id = a.partner_id and s.sub_id = a.sub_id
    where s.partner_id is null`.execute(db);
  const out = new Map<number, string[]>();
  for (const r of rows.rows) out.set(r.partner_id, [...(out.get(r.partner_id) ?? []), r.sub_id]);
  return out;
}

export async function matchedLegacyUsers(db: Kysely<Database>): Promise<Array<{ wp_user_id: number; partner_id: number; meta_json: string }>> {
  const rows = await db.selectFrom('legacy_wp_users').select(['wp_user_id', 'partner_id', 'meta_json']).where('match_status', '=', 'matched').where('partner_id', 'is not', null).execute();
  return rows as Array<{ wp_user_id: number; partner_id: number; meta_json: string }>;
}
