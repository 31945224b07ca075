/** The one read the identity assertion needs beyond the session: the partner's referral code. */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../store/index.js';

type Db = Kysely<Database> | Transaction<Database>;

export async function findReferralCode(db: Db, partnerId: number): Promise<string | null> {
  const row = await db.selectFrom('partners').select('referral_code').where('id', '=', partnerId).executeTakeFirst();
  return row?.referral_code ?? null;
}
