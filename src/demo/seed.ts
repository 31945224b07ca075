/**
 * First-run demo seeding for `npm start`: when the store holds no partner, load a small believable program
 * (~40 partners, ~4,000 commissions) and two known accounts: a partner account for the busiest partner and
 * an admin account. The caller decides whether seeding is allowed (config `seedDemoData`: asked for, or `auto` on a localhost URL; never in production):
 * the passwords below are public.
 */
import type { Logger } from 'pino';
import { hashPassword } from '../accounts/index.js';
import type { Kysely, Store } from '../store/index.js';
import type { Database } from '../store/tables.js';
import { generateDemoData, type DemoSummary } from './generate.js';

/** The demo partner's sign-in: the busiest partner of the seeded program. */
export const DEMO_LOGIN = { email: 'demo@partnergate.test', password: 'demo-partner-password' } as const;
/** The demo admin's sign-in. */
export const DEMO_ADMIN_LOGIN = { email: 'admin@partnergate.test', password: 'demo-admin-password' } as const;

/** Seed and sizes of the `npm start` demo: small enough to load in about a second. */
export const STARTER_DEMO = { seed: 20_261_123, partners: 40, commissions: 4_000 } as const;

/**
 * Creates (or leaves alone, if the email is taken) the demo partner account for `partnerId` and the demo admin.
 * The partner's contact gets the demo email too, so flows that match partners by email find it.
 */
export async function createDemoAccounts(db: Kysely<Database>, partnerId: number, now = Date.now()): Promise<void> {
  const [partnerHash, adminHash] = [await hashPassword(DEMO_LOGIN.password), await hashPassword(DEMO_ADMIN_LOGIN.password)];
  await db.transaction().execute(async (trx) => {
    const base = { totp_secret: null, totp_enabled: 0, totp_recovery_json: null, oidc_subject: null, created_at: now, password_changed_at: now, disabled_at: null };
    await trx
      .insertInto('accounts')
      .values([
        { ...base, partner_id: partnerId, email: DEMO_LOGIN.email, role: 'partner', password_hash: partnerHash },
        { ...base, partner_id: null, email: DEMO_ADMIN_LOGIN.email, role: 'admin', password_hash: adminHash },
      ])
      .onConflict((oc) => oc.column('email').doNothing())
      .execute();
    const partner = await trx.selectFrom('partners').select('contact_id').where('id', '=', partnerId).executeTakeFirst();
    if (partner) await trx.updateTable('contacts').set({ email: DEMO_LOGIN.email }).where('id', '=', partner.contact_id).execute();
  });
}

/**
 * Seeds the starter demo when the store has no partner; a no-op (returning null) otherwise.
 * Call only when demo data is allowed (see config `seedDemoData`).
 */
export async function seedIfEmpty(store: Store, logger: Pick<Logger, 'info'>): Promise<DemoSummary | null> {
  const existing = await store.db.selectFrom('partners').select('id').limit(1).executeTakeFirst();
  if (existing) return null;
  const summary = await generateDemoData(store, { ...STARTER_DEMO });
  await createDemoAccounts(store.db, summary.mostActivePartnerId);
  logger.info(
    { rows: summary.totalRows, seconds: summary.seconds, partnerAccount: DEMO_LOGIN.email, adminAccount: DEMO_ADMIN_LOGIN.email },
    'the store was empty: seeded demo data (demo passwords: see DEMO_LOGIN in src/demo/seed.ts)',
  );
  return summary;
}
