/** API key rows. Only these functions touch the `api_keys` table. */
import type { Db } from '../store/index.js';

export interface ApiKeyRow {
  id: number;
  key_id: string;
  key_hash: string;
  account_id: number;
  partner_id: number;
  name: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

const COLUMNS = ['id', 'key_id', 'key_hash', 'account_id', 'partner_id', 'name', 'created_at', 'last_used_at', 'revoked_at'] as const;

const asRow = (r: ApiKeyRow): ApiKeyRow => ({
  ...r,
  created_at: Number(r.created_at),
  last_used_at: r.last_used_at === null ? null : Number(r.last_used_at),
  revoked_at: r.revoked_at === null ? null : Number(r.revoked_at),
});

export async function insertApiKey(db: Db, row: Omit<ApiKeyRow, 'id' | 'last_used_at' | 'revoked_at'>): Promise<number> {
  const r = await db.insertInto('api_keys').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

export async function findByKeyId(db: Db, keyId: string): Promise<ApiKeyRow | undefined> {
  const r = await db.selectFrom('api_keys').select(COLUMNS).where('key_id', '=', keyId).executeTakeFirst();
  return r ? asRow(r) : undefined;
}

/** The partner's keys, newest first; revoked ones too when `withRevoked`. */
export async function listForPartner(db: Db, partnerId: number, opts: { withRevoked: boolean }): Promise<ApiKeyRow[]> {
  let q = db.selectFrom('api_keys').select(COLUMNS).where('partner_id', '=', partnerId);
  if (!opts.withRevoked) q = q.where('revoked_at', 'is', null);
  return (await q.orderBy('id', 'desc').execute()).map(asRow);
}

export async function countActive(db: Db, partnerId: number): Promise<number> {
  const r = await db.selectFrom('api_keys').select((eb) => eb.fn.countAll<number>().as('n')).where('partner_id', '=', partnerId).where('revoked_at', 'is', null).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Revokes the partner's own key `id`; false when it is not theirs or already revoked. */
export async function revoke(db: Db, partnerId: number, id: number, at: number): Promise<boolean> {
  const r = await db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).where('partner_id', '=', partnerId).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Revokes every key of the partner (erasure); returns how many. */
export async function revokeAllOfPartner(db: Db, partnerId: number, at: number): Promise<number> {
  const r = await db.updateTable('api_keys').set({ revoked_at: at }).where('partner_id', '=', partnerId).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Marks use; the `before` condition keeps it to one write a minute however busy the key is, across gateways. */
export async function touch(db: Db, id: number, at: number, before: number): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ last_used_at: at })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', before)]))
    .execute();
}
