/**
 * Demo data for tests. `seedTwoPartners` is a tiny hand-written fixture (two partners A and B in one program,
 * with distinct known values) for isolation checks: whatever A can see must never include a row of B's.
 * The generator is re-exported for tests that need volume.
 */
import { hashPassword } from '../../src/accounts/index.js';
import type { CommissionKind, CommissionStatus, Store } from '../../src/store/index.js';

export { generateDemoData, seedIfEmpty, DEMO_LOGIN, DEMO_ADMIN_LOGIN, type DemoSummary } from '../../src/demo/index.js';

const DAY = 86_400_000;

export interface FixturePartner {
  partnerId: number;
  accountId: number;
  contactId: number;
  /** The partner's Ontraport contact id, `?orid=` of its links. */
  referralCode: string;
  email: string;
  password: string;
  name: { first: string; last: string };
  paypalEmail: string | null;
  timeZone: string | null;
  /** Referred contacts: one who bought, one lead who never did. */
  buyerContactId: number;
  leadContactId: number;
  commissionIds: number[];
  payoutIds: number[];
  visitIds: number[];
  openOrderId: number;
  subIds: string[];
  /** Known sums in cents (see docs/domain.md for what each means). */
  totals: {
    /** approved + paid sales and clawbacks */
    earned: number;
    pending: number;
    /** sum of refunded sales (positive here; shown negative in the ledger) */
    refunds: number;
    paidOut: number;
    /** earned - paidOut */
    balance: number;
    /** sale rows not declined (the "sales" of clicks/leads/sales reports) */
    sales: number;
    /** every commission row */
    commissions: number;
    visits: number;
    leads: number;
  };
}

export interface TwoPartners {
  now: number;
  programId: number;
  productId: number;
  promoToolIds: { banner: number; lightbox: number; email: number; link: number };
  a: FixturePartner;
  b: FixturePartner;
}

interface Plan {
  key: 'a' | 'b';
  first: string;
  last: string;
  ontraportId: number;
  email: string;
  password: string;
  paypalEmail: string | null;
  timeZone: string | null;
  /** [kind, status, amount, days ago of the sale, payout number or null, sub id] */
  commissions: Array<[CommissionKind, CommissionStatus, number, number, 1 | 2 | null, string | null]>;
  visits: Array<[string | null, number]>;
  shift: number;
}

const plans: Plan[] = [
  {
    key: 'a', first: 'Alice', last: 'Anders', ontraportId: 5001, email: 'partner-a@example.com', password: 'partner-a-password',
    paypalEmail: 'alice.pay@example.com', timeZone: 'America/New_York', shift: 0,
    commissions: [
      ['sale', 'paid', 2000, 100, 1, 'newsletter'],
      ['sale', 'paid', 3000, 95, 1, null],
      ['sale', 'paid', 4000, 70, 2, 'newsletter'],
      ['clawback', 'paid', -2000, 35, 2, 'newsletter'],
      ['sale', 'approved', 2500, 40, null, null],
      ['sale', 'pending', 1500, 5, null, 'newsletter'],
      ['sale', 'declined', 1000, 50, null, null],
      ['sale', 'refunded', 1200, 20, null, null],
    ],
    visits: [['newsletter', 101], ['newsletter', 6], [null, 3]],
  },
  {
    key: 'b', first: 'Bruno', last: 'Brandt', ontraportId: 5002, email: 'partner-b@example.com', password: 'partner-b-password',
    paypalEmail: null, timeZone: null, shift: 1,
    commissions: [
      ['sale', 'paid', 7000, 100, 1, 'youtube'],
      ['sale', 'paid', 8000, 95, 1, '=HYPERLINK("http://evil")'],
      ['sale', 'paid', 11000, 70, 2, null],
      ['clawback', 'paid', -7000, 35, 2, 'youtube'],
      ['sale', 'approved', 6500, 40, null, 'youtube'],
      ['sale', 'pending', 5500, 5, null, null],
      ['sale', 'declined', 3300, 50, null, null],
      ['sale', 'refunded', 4400, 20, null, '+1'],
    ],
    visits: [['youtube', 102], ['=HYPERLINK("http://evil")', 96]],
  },
];

/**
 * Inserts the two-partner fixture into an empty (or any) store. Times are whole days before `now`
 * (default: today 00:00 UTC); B's are one day earlier than A's so dates differ too.
 */
export async function seedTwoPartners(store: Store, opts: { now?: number } = {}): Promise<TwoPartners> {
  const now = opts.now ?? Math.floor(Date.now() / DAY) * DAY;
  const at = (daysAgo: number, shift: number) => now - (daysAgo + shift) * DAY + 10 * 3_600_000;
  const created = now - 400 * DAY;
  const hashes = await Promise.all(plans.map((p) => hashPassword(p.password)));
  return store.db.transaction().execute(async (db) => {
    const programId = (await db.insertInto('programs').values({ ontraport_id: null, name: 'Fixture Program', currency: 'USD', tier_group: null, level_order: 1, rate_bp: 2000, rules_json: '{}', created_at: created, updated_at: created }).returning('id').executeTakeFirstOrThrow()).id;
    const productId = (await db.insertInto('products').values({ ontraport_id: null, name: 'Fixture Course', price_cents: 10_000, currency: 'USD', updated_at: created }).returning('id').executeTakeFirstOrThrow()).id;
    const tool = async (kind: 'banner' | 'lightbox' | 'email' | 'link', extra: Record<string, unknown>) =>
      (await db.insertInto('promo_tools').values({ ontraport_id: null, program_id: programId, kind, name: `Fixture ${kind}`, subject: null, body: null, image_url: null, width: null, height: null, landing_path: '/', updated_at: created, ...extra }).returning('id').executeTakeFirstOrThrow()).id;
    const promoToolIds = {
      banner: await tool('banner', { image_url: '/img/fixture-728x90.png', width: 728, height: 90 }),
      lightbox: await tool('lightbox', { body: '<p>Fixture lightbox</p>' }),
      email: await tool('email', { subject: 'Fixture subject', body: 'Fixture body {link}' }),
      link: await tool('link', { landing_path: '/pricing/' }),
    };

    const out: Partial<Record<'a' | 'b', FixturePartner>> = {};
    for (const [n, plan] of plans.entries()) {
      const contact = (first: string, last: string, email: string, ontraportId: number, referrer: number | null, addedAt: number) =>
        db.insertInto('contacts').values({ ontraport_id: ontraportId, first_name: first, last_name: last, email, first_referrer_id: referrer, last_referrer_id: referrer, added_at: addedAt, updated_at: addedAt }).returning('id').executeTakeFirstOrThrow();
      const contactId = (await contact(plan.first, plan.last, plan.email, plan.ontraportId, null, created)).id;
      const partnerId = (await db.insertInto('partners').values({ contact_id: contactId, referral_code: String(plan.ontraportId), program_id: programId, paypal_email: plan.paypalEmail, status: 'active', time_zone: plan.timeZone, alias: null, created_at: created, updated_at: created }).returning('id').executeTakeFirstOrThrow()).id;
      const accountId = (await db.insertInto('accounts').values({ partner_id: partnerId, email: plan.email, role: 'partner', password_hash: hashes[n]!, totp_secret: null, totp_enabled: 0, totp_recovery_json: null, oidc_subject: null, created_at: created, password_changed_at: created, disabled_at: null }).returning('id').executeTakeFirstOrThrow()).id;
      const buyerContactId = (await contact(`${plan.first}'s buyer`, 'Customer', `buyer-${plan.key}@example.org`, plan.ontraportId + 100, partnerId, at(101, plan.shift))).id;
      const leadContactId = (await contact(`${plan.first}'s lead`, 'Prospect', `lead-${plan.key}@example.org`, plan.ontraportId + 200, partnerId, at(3, plan.shift))).id;

      const payoutIds: number[] = [];
      for (const k of [1, 2] as const) {
        const amount = plan.commissions.filter((c) => c[4] === k).reduce((s, c) => s + c[2], 0);
        const paidAt = at(k === 1 ? 60 : 30, plan.shift);
        payoutIds.push((await db.insertInto('payouts').values({ partner_id: partnerId, amount_cents: amount, currency: 'USD', method: 'paypal', reference: `FIXTURE-${plan.key.toUpperCase()}${k}`, paid_at: paidAt }).returning('id').executeTakeFirstOrThrow()).id);
      }
      const commissionIds: number[] = [];
      for (const [kind, status, amount, daysAgo, payout, subId] of plan.commissions) {
        const t = at(daysAgo, plan.shift);
        const processed = status === 'pending' ? null : kind === 'clawback' ? t : t + (status === 'approved' || status === 'paid' ? 30 : 5) * DAY;
        const paidAt = payout ? at(payout === 1 ? 60 : 30, plan.shift) : null;
        commissionIds.push((await db.insertInto('commissions').values({
          ontraport_id: null, partner_id: partnerId, contact_id: buyerContactId, product_id: productId, purchase_id: null,
          promo_tool_id: subId ? promoToolIds.banner : null, sub_id: subId, kind, status, amount_cents: amount, currency: 'USD',
          transaction_at: t, processed_at: processed, paid_at: paidAt, payout_id: payout ? payoutIds[payout - 1]! : null,
          updated_at: Math.max(t, processed ?? 0, paidAt ?? 0),
        }).returning('id').executeTakeFirstOrThrow()).id);
      }
      const visitIds: number[] = [];
      for (const [subId, daysAgo] of plan.visits) {
        visitIds.push((await db.insertInto('visits').values({ partner_id: partnerId, promo_tool_id: subId ? promoToolIds.banner : null, sub_id: subId, landing_path: '/', visited_at: at(daysAgo, plan.shift) }).returning('id').executeTakeFirstOrThrow()).id);
      }
      const openOrderId = (await db.insertInto('open_orders').values({ ontraport_id: null, partner_id: partnerId, contact_id: buyerContactId, product_id: productId, status: 'active', amount_cents: 10_000, commission_cents: n === 0 ? 2000 : 2100, currency: 'USD', next_charge_at: now + (10 + n) * DAY, started_at: at(100, plan.shift), updated_at: at(30, plan.shift) }).returning('id').executeTakeFirstOrThrow()).id;

      const sum = (pred: (c: Plan['commissions'][number]) => boolean) => plan.commissions.filter(pred).reduce((s, c) => s + c[2], 0);
      const earned = sum((c) => c[1] === 'approved' || c[1] === 'paid');
      const paidOut = sum((c) => c[4] !== null);
      out[plan.key] = {
        partnerId, accountId, contactId, referralCode: String(plan.ontraportId), email: plan.email, password: plan.password,
        name: { first: plan.first, last: plan.last }, paypalEmail: plan.paypalEmail, timeZone: plan.timeZone,
        buyerContactId, leadContactId, commissionIds, payoutIds, visitIds, openOrderId,
        subIds: [...new Set([...plan.commissions.map((c) => c[5]), ...plan.visits.map((v) => v[0])].filter((s): s is string => s !== null))],
        totals: {
          earned, pending: sum((c) => c[1] === 'pending'), refunds: sum((c) => c[1] === 'refunded'), paidOut, balance: earned - paidOut,
          sales: plan.commissions.filter((c) => c[0] === 'sale' && c[1] !== 'declined').length, commissions: plan.commissions.length, visits: plan.visits.length, leads: 2,
        },
      };
    }
    return { now, programId, productId, promoToolIds, a: out.a!, b: out.b! };
  });
}
