/** A partner with a referral code, for identity-assertion tests (independent of the demo seed). */
import type { Store } from '../../src/store/index.js';

let serial = 0;

export async function addPartner(store: Store, opts: { referralCode?: string; email?: string } = {}): Promise<{ partnerId: number; referralCode: string; email: string }> {
  const { db } = store;
  const now = Date.now();
  serial += 1;
  const tag = `${process.pid}-${serial}`;
  const program = await db.insertInto('programs').values({ name: `Proxy test program ${tag}`, currency: 'USD', created_at: now, updated_at: now } as never).returning('id').executeTakeFirstOrThrow();
  const email = opts.email ?? `proxy-partner-${tag}@example.test`;
  const contact = await db.insertInto('contacts').values({ first_name: 'Pat', last_name: 'Partner', email, added_at: now, updated_at: now } as never).returning('id').executeTakeFirstOrThrow();
  const referralCode = opts.referralCode ?? `ref-${tag}`;
  const partner = await db
    .insertInto('partners')
    .values({ contact_id: contact.id, referral_code: referralCode, program_id: program.id, created_at: now, updated_at: now } as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  return { partnerId: partner.id, referralCode, email };
}
