/**
 * Store queries of the migrations: legacy WordPress users, SubIDs, partner look-ups and PayPal carry-over.
 * Only these functions (and verify.repo.ts) touch kysely for migration/. Long id lists go in chunks.
 */
import { sql } from 'kysely';
import type { LegacyWpUserTable } from '../../src/store/index.js';
import type { LegacyUser } from './wordpress.js';
import type { Db } from '../../src/store/index.js';

const CHUNK = 500;

export async function allPartnerIds(db: Db): Promise<number[]> {
  return (await db.selectFrom('partners').select('id').orderBy('id').execute()).map((r) => r.id);
}

export async function countPartners(db: Db): Promise<{ total: number; active: number }> {
  const r = await db
    .selectFrom('partners')
    .select((eb) => [eb.fn.countAll<number>().as('total'), eb.fn.sum<number>(eb.case().when('status', '=', 'active').then(1).else(0).end()).as('active')])
    .executeTakeFirstOrThrow();
  return { total: Number(r.total), active: Number(r.active ?? 0) };
}

export async function programNames(db: Db): Promise<string[]> {
  return (await db.selectFrom('programs').select('name').orderBy('name').execute()).map((r) => r.name);
}

/**
 * Partners by lower-cased contact email, for these (lower-cased) emails only: a page of WordPress users at a time
 * looks its partners up through the `lower(email)` index instead of holding every partner in memory.
 */
export async function partnersByEmails(db: Db, emails: readonly string[]): Promise<Map<string, Array<{ partnerId: number; status: string }>>> {
  const out = new Map<string, Array<{ partnerId: number; status: string }>>();
  for (let i = 0; i < emails.length; i += CHUNK) {
    const part = emails.slice(i, i + CHUNK);
    if (!part.length) continue;
    const rows = await db.selectFrom('partners as p').innerJoin('contacts as c', 'c.id', 'p.contact_id').select(['p.id', 'p.status', 'c.email']).where(sql<string>`lower(c.email)`, 'in', part).orderBy('p.id').execute();
    for (const r of rows) {
      const key = r.email!.trim().toLowerCase();
      const list = out.get(key) ?? [];
      list.push({ partnerId: r.id, status: r.status });
      out.set(key, list);
    }
  }
  return out;
}

// ---- legacy WordPress users ---------------------------------------------------------------------------

export async function upsertLegacyUsers(db: Db, users: readonly LegacyUser[], now: number): Promise<void> {
  for (let i = 0; i < users.length; i += CHUNK) {
    const values = users.slice(i, i + CHUNK).map((u) => ({
      wp_user_id: u.id,
      login: u.login,
      email: u.email,
      display_name: u.displayName,
      roles_json: JSON.stringify(u.roles),
      meta_json: JSON.stringify(u.meta),
      partner_id: null,
      match_status: 'unmatched' as const,
      match_reason: 'not matched yet',
      imported_at: now,
      is_partner: u.partner ? 1 : 0,
    }));
    await db
      .insertInto('legacy_wp_users')
      .values(values)
      .onConflict((oc) =>
        oc.column('wp_user_id').doUpdateSet((eb) => ({
          login: eb.ref('excluded.login'),
          email: eb.ref('excluded.email'),
          display_name: eb.ref('excluded.display_name'),
          roles_json: eb.ref('excluded.roles_json'),
          meta_json: eb.ref('excluded.meta_json'),
          imported_at: eb.ref('excluded.imported_at'),
          is_partner: eb.ref('excluded.is_partner'),
        })),
      )
      .execute();
  }
}

export type LegacyUserRow = Pick<LegacyWpUserTable, 'wp_user_id' | 'login' | 'email' | 'roles_json' | 'meta_json' | 'partner_id' | 'match_status' | 'match_reason' | 'imported_at'> & { is_partner: number };

/** Every legacy user's id and email only (what judging shared emails needs), a page at a time in id order. */
export async function eachLegacyUserEmail(db: Db, each: (wpUserId: number, email: string | null) => void): Promise<void> {
  let after = -1;
  for (;;) {
    const rows = await db.selectFrom('legacy_wp_users').select(['wp_user_id', 'email']).where('wp_user_id', '>', after).orderBy('wp_user_id').limit(5_000).execute();
    if (!rows.length) return;
    for (const r of rows) each(r.wp_user_id, r.email);
    after = rows.at(-1)!.wp_user_id;
  }
}

/** Legacy users by id (the few an earlier run left unmatched). */
export async function legacyUsersByIds(db: Db, ids: readonly number[]): Promise<LegacyUserRow[]> {
  const out: LegacyUserRow[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const part = ids.slice(i, i + CHUNK);
    if (part.length) out.push(...(await db.selectFrom('legacy_wp_users').select(['wp_user_id', 'login', 'email', 'roles_json', 'meta_json', 'partner_id', 'match_status', 'match_reason', 'imported_at', 'is_partner']).where('wp_user_id', 'in', part).orderBy('wp_user_id').execute()));
  }
  return out;
}

/** Up to `limit` legacy users after `afterId` (keyset paging), optionally only those matched to a partner. */
export async function legacyUsersPage(db: Db, afterId: number, limit: number, opts: { matchedOnly?: boolean } = {}): Promise<LegacyUserRow[]> {
  let q = db.selectFrom('legacy_wp_users').select(['wp_user_id', 'login', 'email', 'roles_json', 'meta_json', 'partner_id', 'match_status', 'match_reason', 'imported_at', 'is_partner']).where('wp_user_id', '>', afterId);
  if (opts.matchedOnly) q = q.where('match_status', '=', 'matched').where('partner_id', 'is not', null);
  return q.orderBy('wp_user_id').limit(limit).execute();
}

/** Pages of `legacyUsersPage` until none is left. */
export async function* legacyUserPages(db: Db, limit: number, opts: { matchedOnly?: boolean } = {}): AsyncGenerator<LegacyUserRow[]> {
  let after = -1;
  for (;;) {
    const page = await legacyUsersPage(db, after, limit, opts);
    if (!page.length) return;
    yield page;
    after = page.at(-1)!.wp_user_id;
  }
}

/** Stores many match decisions in one statement per 300 users (an upsert over rows that exist). */
export async function setLegacyMatches(db: Db, rows: ReadonlyArray<{ user: LegacyUserRow; partnerId: number | null; status: LegacyWpUserTable['match_status']; reason: string | null }>): Promise<void> {
  for (let i = 0; i < rows.length; i += 300) {
    const values = rows.slice(i, i + 300).map(({ user: u, partnerId, status, reason }) => ({
      wp_user_id: u.wp_user_id, login: u.login, email: u.email, display_name: null, roles_json: u.roles_json, meta_json: u.meta_json,
      partner_id: partnerId, match_status: status, match_reason: reason, imported_at: u.imported_at, is_partner: u.is_partner,
    }));
    if (!values.length) continue;
    await db
      .insertInto('legacy_wp_users')
      .values(values)
      .onConflict((oc) => oc.column('wp_user_id').doUpdateSet((eb) => ({ partner_id: eb.ref('excluded.partner_id'), match_status: eb.ref('excluded.match_status'), match_reason: eb.ref('excluded.match_reason') })))
      .execute();
  }
}

export async function countLegacyByStatus(db: Db): Promise<Record<string, number>> {
  const rows = await db.selectFrom('legacy_wp_users').select((eb) => ['match_status', eb.fn.countAll<number>().as('n')]).groupBy('match_status').execute();
  return Object.fromEntries(rows.map((r) => [r.match_status, Number(r.n)]));
}

// ---- carry-over -----------------------------------------------------------------------------------------

export async function partnerPaypal(db: Db, partnerIds: readonly number[]): Promise<Map<number, { paypal: string | null; contactOntraportId: number | null }>> {
  const out = new Map<number, { paypal: string | null; contactOntraportId: number | null }>();
  for (let i = 0; i < partnerIds.length; i += CHUNK) {
    const part = partnerIds.slice(i, i + CHUNK);
    const rows = await db.selectFrom('partners as p').innerJoin('contacts as c', 'c.id', 'p.contact_id').select(['p.id', 'p.paypal_email', 'c.ontraport_id']).where('p.id', 'in', part).execute();
    for (const r of rows) out.set(r.id, { paypal: r.paypal_email, contactOntraportId: r.ontraport_id });
  }
  return out;
}

export async function setPartnerPaypal(db: Db, partnerId: number, paypal: string, now: number): Promise<void> {
  await db.updateTable('partners').set({ paypal_email: paypal, updated_at: now }).where('id', '=', partnerId).where('paypal_email', 'is', null).execute();
}

export async function insertSubIds(db: Db, rows: ReadonlyArray<{ partnerId: number; subId: string; source: string }>, now: number): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const values = rows.slice(i, i + CHUNK).map((r) => ({ partner_id: r.partnerId, sub_id: r.subId, source: r.source, created_at: now }));
    if (values.length) await db.insertInto('partner_sub_ids').values(values).onConflict((oc) => oc.columns(['partner_id', 'sub_id']).doNothing()).execute();
  }
}

/** Every SubID already seen in a partner's commissions and clicks goes into the partner's SubID list. */
export async function insertSubIdsFromActivity(db: Db, now: number): Promise<number> {
  let added = 0;
  for (const [table, source] of [['commissions', 'ontraport'], ['visits', 'clicks']] as const) {
    const r = await db
      .insertInto('partner_sub_ids')
      .columns(['partner_id', 'sub_id', 'source', 'created_at'])
      .expression(
        db
          .selectFrom(table)
          .select(['partner_id', 'sub_id', sql.lit(source).as('source'), sql.lit(now).as('created_at')])
          .where('sub_id', 'is not', null)
          .where('sub_id', '<>', '')
          .groupBy(['partner_id', 'sub_id']),
      )
      .onConflict((oc) => oc.columns(['partner_id', 'sub_id']).doNothing())
      .executeTakeFirst();
    added += Number(r.numInsertedOrUpdatedRows ?? 0);
  }
  return added;
}
