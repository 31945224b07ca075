/**
 * A small partner program for the partner center tests: two partners (A on the entry tier level in New York,
 * B on the second level with the default zone) with referred contacts, commissions in every status and kind,
 * payouts, open orders, promo tools, clicks with SubIDs. Everything is relative to FIXED_NOW; the inserted rows
 * are returned so tests compute expected figures from them, independently of the code under test.
 */
import type { Insertable } from 'kysely';
import { hashPassword } from '../../src/accounts/index.js';
import type { CommissionTable, Store, VisitTable } from '../../src/store/index.js';

/** Sunday 15 March 2026, 15:00 UTC (11:00 in New York, after the DST change of 8 March). */
export const FIXED_NOW = Date.UTC(2026, 2, 15, 15, 0, 0);
export const DAY = 86_400_000;
export const PASSWORD_A = 'correct horse battery staple';

export interface CommissionRow {
  id: number;
  partner_id: number;
  contact_id: number | null;
  product_id: number | null;
  promo_tool_id: number | null;
  sub_id: string | null;
  kind: 'sale' | 'refund' | 'clawback';
  status: 'pending' | 'approved' | 'paid' | 'declined' | 'refunded';
  amount_cents: number;
  transaction_at: number;
  processed_at: number | null;
  paid_at: number | null;
  payout_id: number | null;
}

export interface Fixture {
  programs: { affiliate: number; silver: number; gold: number };
  a: { id: number; contactId: number; accountId: number; referralCode: string; email: string; paypal: string };
  b: { id: number; contactId: number; accountId: number; referralCode: string; email: string; paypal: string };
  products: { course: number; membership: number; bOnly: number };
  contacts: Array<{ id: number; name: string; first: number | null; last: number | null; added_at: number }>;
  commissions: CommissionRow[];
  payouts: Array<{ id: number; partner_id: number; amount_cents: number; paid_at: number }>;
  visits: Array<{ partner_id: number; sub_id: string | null; promo_tool_id: number | null; visited_at: number }>;
  openOrders: Array<{ id: number; partner_id: number; status: string; commission_cents: number; amount_cents: number; next_charge_at: number | null }>;
  promoTools: { banner: number; email: number; lightbox: number; silverLink: number; badBanner: number };
  /** Strings that only partner B's rows produce: none may appear on A's pages. */
  bMarkers: string[];
}

export async function seedPartnerCenter(store: Store, now = FIXED_NOW): Promise<Fixture> {
  const db = store.db;
  const t = now;
  const program = (name: string, tier: string | null, level: number, rate: number) =>
    db.insertInto('programs').values({ name, currency: 'USD', tier_group: tier, level_order: level, rate_bp: rate, rules_json: '{}', created_at: t, updated_at: t, ontraport_id: null }).returning('id').executeTakeFirstOrThrow();
  const affiliate = (await program('Affiliate', 'main', 1, 2000)).id;
  const silver = (await program('Silver Partner', 'main', 2, 2500)).id;
  const gold = (await program('Gold Partner', 'main', 3, 3000)).id;

  const contact = async (first: string, last: string, ontraportId: number | null, addedAt: number, refs: { first?: number; last?: number } = {}) =>
    (await db
      .insertInto('contacts')
      .values({ first_name: first, last_name: last, email: `${first.toLowerCase()}@example.com`, ontraport_id: ontraportId, first_referrer_id: refs.first ?? null, last_referrer_id: refs.last ?? null, added_at: addedAt, updated_at: t })
      .returning('id')
      .executeTakeFirstOrThrow()).id;
  const aContact = await contact('Ada', 'Lovelace', 9001, t - 500 * DAY);
  const bContact = await contact('Bob', 'Builder', 9002, t - 500 * DAY);
  const partner = async (contactId: number, code: string, programId: number, paypal: string, tz: string | null) =>
    (await db.insertInto('partners').values({ contact_id: contactId, referral_code: code, program_id: programId, paypal_email: paypal, status: 'active', time_zone: tz, alias: null, created_at: t - 500 * DAY, updated_at: t }).returning('id').executeTakeFirstOrThrow()).id;
  const aId = await partner(aContact, '9001', affiliate, 'ada.pay@example.com', 'America/New_York');
  const bId = await partner(bContact, '9002', silver, 'bob.pay@example.com', null);

  const account = async (partnerId: number, email: string, hash: string | null) =>
    (await db.insertInto('accounts').values({ partner_id: partnerId, email, role: 'partner', password_hash: hash, totp_secret: null, totp_enabled: 0, totp_recovery_json: null, oidc_subject: null, created_at: t, password_changed_at: null, disabled_at: null }).returning('id').executeTakeFirstOrThrow()).id;
  const aAccount = await account(aId, 'ada@example.com', await hashPassword(PASSWORD_A));
  const bAccount = await account(bId, 'bob@example.com', await hashPassword('bob password 123'));

  const product = async (name: string, price: number) => (await db.insertInto('products').values({ name, price_cents: price, currency: 'USD', updated_at: t, ontraport_id: null }).returning('id').executeTakeFirstOrThrow()).id;
  const course = await product('Online Course', 19_700);
  const membership = await product('Monthly Membership', 4_900);
  const bOnly = await product('Zebra Workshop', 99_700);

  const contacts: Fixture['contacts'] = [];
  const referred = async (first: string, last: string, addedDaysAgo: number, refs: { first?: number; last?: number }) => {
    const added_at = t - addedDaysAgo * DAY;
    const id = await contact(first, last, null, added_at, refs);
    contacts.push({ id, name: `${first} ${last}`, first: refs.first ?? null, last: refs.last ?? null, added_at });
    return id;
  };
  const cara = await referred('Cara', 'Mills', 2, { first: aId, last: aId });
  const dan = await referred('Dan', 'Okafor', 10, { first: aId, last: aId });
  const eve = await referred('Eve', 'Nakamura', 40, { first: aId, last: aId });
  const finn = await referred('Finn', 'Larsen', 5, { first: bId, last: aId });
  const gus = await referred('Gus', 'Grimly', 3, { first: bId, last: bId });

  const tool = async (kind: 'banner' | 'lightbox' | 'email' | 'link', name: string, programId: number | null, extra: { subject?: string; body?: string; image_url?: string; width?: number; height?: number; landing_path?: string } = {}) =>
    (await db
      .insertInto('promo_tools')
      .values({ kind, name, program_id: programId, subject: extra.subject ?? null, body: extra.body ?? null, image_url: extra.image_url ?? null, width: extra.width ?? null, height: extra.height ?? null, landing_path: extra.landing_path ?? '/', updated_at: t, ontraport_id: null })
      .returning('id')
      .executeTakeFirstOrThrow()).id;
  const banner = await tool('banner', 'Leaderboard banner 728x90', affiliate, { image_url: '/wp-content/uploads/banner-728x90.png', width: 728, height: 90, landing_path: '/course/' });
  const email = await tool('email', 'Launch email', null, { subject: 'The course I wish I had', body: 'Hi {first_name},\n\nHave a look: {link}\n\nCheers' });
  const lightbox = await tool('lightbox', 'Exit lightbox <script>', null, { body: '<h2>Wait!</h2><p>Free chapter: <a href="{link}">here</a></p>', landing_path: '/free/' });
  const silverLink = await tool('link', 'Silver only pricing link', silver, { landing_path: '/pricing/' });
  const badBanner = await tool('banner', 'Odd banner', affiliate, { image_url: 'javascript:alert(1)', width: 10, height: 10 });

  const payouts: Fixture['payouts'] = [];
  const payout = async (partnerId: number, amount: number, paidAt: number) => {
    const id = (await db.insertInto('payouts').values({ partner_id: partnerId, amount_cents: amount, currency: 'USD', method: 'paypal', reference: `PP-${amount}`, paid_at: paidAt }).returning('id').executeTakeFirstOrThrow()).id;
    payouts.push({ id, partner_id: partnerId, amount_cents: amount, paid_at: paidAt });
    return id;
  };
  const p0 = await payout(aId, 7_000, t - 380 * DAY);
  const p1 = await payout(aId, 8_000, t - 45 * DAY);
  const pb = await payout(bId, 7_777, t - 30 * DAY);

  const commissions: CommissionRow[] = [];
  const commission = async (c: Omit<CommissionRow, 'id'>) => {
    const row: Insertable<CommissionTable> = { ...c, currency: 'USD', updated_at: t, ontraport_id: null, purchase_id: null };
    const id = (await db.insertInto('commissions').values(row).returning('id').executeTakeFirstOrThrow()).id;
    commissions.push({ ...c, id });
  };
  const d = (days: number) => t - days * DAY;
  const base = { promo_tool_id: null, sub_id: null, kind: 'sale' as const, processed_at: null, paid_at: null, payout_id: null };
  // Partner A
  await commission({ ...base, partner_id: aId, contact_id: cara, product_id: course, promo_tool_id: banner, sub_id: 'newsletter', status: 'pending', amount_cents: 1_000, transaction_at: d(1) });
  await commission({ ...base, partner_id: aId, contact_id: dan, product_id: membership, status: 'pending', amount_cents: 2_500, transaction_at: d(12) });
  await commission({ ...base, partner_id: aId, contact_id: dan, product_id: course, status: 'approved', amount_cents: 4_000, transaction_at: d(20), processed_at: d(15) });
  await commission({ ...base, partner_id: aId, contact_id: eve, product_id: course, status: 'paid', amount_cents: 5_000, transaction_at: d(70), processed_at: d(60), paid_at: d(45), payout_id: p1 });
  await commission({ ...base, partner_id: aId, contact_id: eve, product_id: membership, status: 'paid', amount_cents: 3_000, transaction_at: d(65), processed_at: d(58), paid_at: d(45), payout_id: p1 });
  await commission({ ...base, partner_id: aId, contact_id: cara, product_id: course, status: 'refunded', amount_cents: 2_000, transaction_at: d(8), processed_at: d(6) });
  await commission({ ...base, partner_id: aId, contact_id: dan, product_id: membership, status: 'declined', amount_cents: 1_500, transaction_at: d(9), processed_at: d(7) });
  await commission({ ...base, partner_id: aId, contact_id: eve, product_id: membership, kind: 'clawback', status: 'approved', amount_cents: -3_000, transaction_at: d(25), processed_at: d(25) });
  await commission({ ...base, partner_id: aId, contact_id: finn, product_id: course, sub_id: 'youtube', status: 'approved', amount_cents: 1_200, transaction_at: d(2), processed_at: d(1) });
  await commission({ ...base, partner_id: aId, contact_id: eve, product_id: membership, status: 'paid', amount_cents: 7_000, transaction_at: d(400), processed_at: d(390), paid_at: d(380), payout_id: p0 });
  // Partner B: amounts that appear nowhere in A's data
  await commission({ ...base, partner_id: bId, contact_id: gus, product_id: bOnly, sub_id: 'bsecret', status: 'pending', amount_cents: 9_999, transaction_at: d(1) });
  await commission({ ...base, partner_id: bId, contact_id: gus, product_id: course, status: 'approved', amount_cents: 8_888, transaction_at: d(5), processed_at: d(4) });
  await commission({ ...base, partner_id: bId, contact_id: finn, product_id: bOnly, status: 'paid', amount_cents: 7_777, transaction_at: d(50), processed_at: d(40), paid_at: d(30), payout_id: pb });

  const visits: Fixture['visits'] = [];
  const visit = async (v: Omit<Insertable<VisitTable>, 'landing_path'>) => {
    await db.insertInto('visits').values({ ...v, landing_path: '/' }).execute();
    visits.push({ partner_id: v.partner_id, sub_id: v.sub_id ?? null, promo_tool_id: v.promo_tool_id ?? null, visited_at: v.visited_at });
  };
  await visit({ partner_id: aId, sub_id: 'newsletter', promo_tool_id: banner, visited_at: d(1) - 3_600_000 });
  await visit({ partner_id: aId, sub_id: 'newsletter', promo_tool_id: banner, visited_at: d(3) });
  await visit({ partner_id: aId, sub_id: 'youtube', promo_tool_id: null, visited_at: d(2) - 60_000 });
  await visit({ partner_id: aId, sub_id: null, promo_tool_id: null, visited_at: d(6) });
  await visit({ partner_id: aId, sub_id: null, promo_tool_id: email, visited_at: d(14) });
  await visit({ partner_id: aId, sub_id: null, promo_tool_id: null, visited_at: d(40) });
  for (let i = 0; i < 3; i++) await visit({ partner_id: bId, sub_id: 'bsecret', promo_tool_id: null, visited_at: d(2) });

  await db.insertInto('partner_sub_ids').values({ partner_id: aId, sub_id: 'legacy-sub', source: 'pilotpress', created_at: t }).execute();
  await db.insertInto('partner_sub_ids').values({ partner_id: bId, sub_id: 'bsecret-legacy', source: 'pilotpress', created_at: t }).execute();

  const openOrders: Fixture['openOrders'] = [];
  const order = async (partnerId: number, contactId: number, productId: number, status: 'active' | 'cancelled', amount: number, commissionCents: number, next: number | null) => {
    const id = (await db
      .insertInto('open_orders')
      .values({ partner_id: partnerId, contact_id: contactId, product_id: productId, status, amount_cents: amount, commission_cents: commissionCents, currency: 'USD', next_charge_at: next, started_at: t - 60 * DAY, updated_at: t, ontraport_id: null })
      .returning('id')
      .executeTakeFirstOrThrow()).id;
    openOrders.push({ id, partner_id: partnerId, status, amount_cents: amount, commission_cents: commissionCents, next_charge_at: next });
  };
  await order(aId, eve, membership, 'active', 4_900, 980, t + 10 * DAY);
  await order(aId, dan, course, 'active', 19_700, 3_940, t + 3 * DAY);
  await order(aId, cara, membership, 'cancelled', 4_900, 980, null);
  await order(bId, gus, bOnly, 'active', 99_700, 24_925, t + 5 * DAY);

  return {
    programs: { affiliate, silver, gold },
    a: { id: aId, contactId: aContact, accountId: aAccount, referralCode: '9001', email: 'ada@example.com', paypal: 'ada.pay@example.com' },
    b: { id: bId, contactId: bContact, accountId: bAccount, referralCode: '9002', email: 'bob@example.com', paypal: 'bob.pay@example.com' },
    products: { course, membership, bOnly },
    contacts,
    commissions,
    payouts,
    visits,
    openOrders,
    promoTools: { banner, email, lightbox, silverLink, badBanner },
    bMarkers: ['Gus Grimly', '$99.99', '$88.88', '$77.77', '$249.25', '$997.00', 'bsecret', 'orid=9002', 'Silver only pricing link', 'bob.pay@example.com'],
  };
}

/** The text of the element carrying `data-testid="<id>"` (first match), tags stripped. */
export function testId(html: string, id: string): string {
  const m = new RegExp(`<(\\w+)[^>]*data-testid="${id}"[^>]*>([\\s\\S]*?)</\\1>`).exec(html);
  if (!m) throw new Error(`no data-testid="${id}" in page`);
  return m[2]!.replace(/<[^>]+>/g, '').replace(/&amp;/g, '&').replace(/&#x3D;/g, '=').replace(/\s+/g, ' ').trim();
}

/** `$1,234.56` the way pages show cents in USD. */
export function usd(cents: number): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(cents / 100);
}
