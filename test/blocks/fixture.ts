/**
 * A small, deterministic store for the blocks tests: a three-level ladder (`main`) plus a program outside any
 * ladder, three products, 16 partners with seeded commissions of every kind and status (including rows exactly
 * on the "365 days ago" and contest-start boundaries), referred contacts and open orders. The inserted rows are
 * returned as plain objects so tests compute expected numbers in plain JS, independently of the SQL.
 */
import { mulberry32 } from '../support/random.js';
import { sql } from 'kysely';
import type { Store } from '../../src/store/index.js';

/** The tests' "now": 2026-06-15 12:00 UTC. */
export const NOW = Date.UTC(2026, 5, 15, 12, 0, 0);
export const DAY = 86_400_000;
/** Start of the day 365 days before NOW's day (UTC). */
export const YEAR_AGO = Date.UTC(2026, 5, 15) - 365 * DAY;
export const CONTEST_START = '2026-03-01';
export const CONTEST_START_MS = Date.UTC(2026, 2, 1);

export interface FixtureCommission {
  id: number;
  partner_id: number;
  product_id: number | null;
  kind: 'sale' | 'refund' | 'clawback';
  status: 'pending' | 'approved' | 'paid' | 'declined' | 'refunded';
  amount_cents: number;
  transaction_at: number;
  processed_at: number | null;
}

export interface FixturePartner {
  id: number;
  firstName: string;
  lastName: string;
  email: string;
  alias: string | null;
  programId: number;
  contactId: number;
  contactOntraportId: number;
}

export interface Fixture {
  programs: { affiliate: number; silver: number; gold: number; solo: number };
  programOntraportIds: { affiliate: number; silver: number; gold: number; solo: number };
  products: { ebook: number; course: number; coaching: number };
  partners: FixturePartner[];
  commissions: FixtureCommission[];
  /** Referred contacts: partner id of first and last referrer, added_at. */
  contacts: Array<{ id: number; first_referrer_id: number | null; last_referrer_id: number | null; first_name: string; email: string; added_at: number }>;
}

const rng = mulberry32;

const people: Array<[string, string, string | null]> = [
  ['Alice', 'Archer', null], ['Bruno', 'Baker', 'TheBruno'], ['Chloé', 'Carter', null], ['Dmitri', 'Dalton', null],
  ['Esme', 'Evans', 'Starseller'], ['Femi', 'Fisher', null], ['Gina', 'Garcia', null], ['Hank', 'Hughes', null],
  ['Ines', 'Irving', null], ['Jonas', 'Jensen', null], ['Kiri', 'Kowalski', null], ['Lena', 'Larsen', null],
  ['Mateo', 'Moreno', null], ['Nadia', 'Novak', null], ['Omar', 'Osei', null], ['Pia', 'Peters', null],
];

/** Inserts the fixture into an empty (migrated) store. */
export async function seedBlocksFixture(store: Store): Promise<Fixture> {
  const db = store.db;
  const t = NOW - 400 * DAY;
  const program = async (name: string, tier: string | null, level: number, ontraportId: number) =>
    (await db.insertInto('programs').values({ ontraport_id: ontraportId, name, currency: 'USD', tier_group: tier, level_order: level, rate_bp: 2000, rules_json: '{}', created_at: t, updated_at: t, synced_at: null }).returning('id').executeTakeFirstOrThrow()).id;
  const programs = { affiliate: await program('Affiliate', 'main', 1, 9001), silver: await program('Silver Partner', 'main', 2, 9002), gold: await program('Gold Partner', 'main', 3, 9003), solo: await program('Solo', null, 1, 9004) };
  const product = async (name: string, price: number) =>
    (await db.insertInto('products').values({ ontraport_id: null, name, price_cents: price, currency: 'USD', updated_at: t, synced_at: null }).returning('id').executeTakeFirstOrThrow()).id;
  const products = { ebook: await product('Starter Guide', 2_700), course: await product('Online Course', 19_700), coaching: await product('Coaching Session', 15_000) };

  const partners: FixturePartner[] = [];
  for (const [i, [firstName, lastName, alias]] of people.entries()) {
    const email = `${firstName.toLowerCase()}.${lastName.toLowerCase()}@fixture.test`;
    const contactOntraportId = 5000 + i;
    const contactId = (await db.insertInto('contacts').values({ ontraport_id: contactOntraportId, first_name: firstName, last_name: lastName, email, first_referrer_id: null, last_referrer_id: null, added_at: t, updated_at: t, synced_at: null, first_referrer_ontraport_id: null, last_referrer_ontraport_id: null }).returning('id').executeTakeFirstOrThrow()).id;
    // Hank starts on Silver; Omar and Pia are in the program outside the ladder.
    const programId = firstName === 'Hank' ? programs.silver : i >= 14 ? programs.solo : programs.affiliate;
    const id = (await db.insertInto('partners').values({ contact_id: contactId, referral_code: String(contactOntraportId), program_id: programId, paypal_email: null, status: 'active', time_zone: null, alias, created_at: t, updated_at: t, synced_at: null }).returning('id').executeTakeFirstOrThrow()).id;
    partners.push({ id, firstName, lastName, email, alias, programId, contactId, contactOntraportId });
  }

  const random = rng(8);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const rows: Array<Omit<FixtureCommission, 'id'>> = [];
  partners.forEach((p, i) => {
    const n = i === 15 ? 0 : 4 + ((i * 7) % 23); // Pia has no commissions at all
    for (let k = 0; k < n; k++) {
      const r = random();
      const kind = r < 0.85 ? 'sale' : r < 0.93 ? 'clawback' : 'refund';
      const status = kind === 'refund' ? 'refunded' : kind === 'clawback' ? pick(['approved', 'paid'] as const) : pick(['pending', 'approved', 'approved', 'paid', 'paid', 'declined', 'refunded'] as const);
      const transaction_at = NOW - Math.floor(random() * 730 * DAY);
      const processed_at = status === 'pending' ? null : Math.min(NOW, transaction_at + Math.floor(random() * 20 * DAY));
      const amount = kind === 'clawback' ? -(500 + Math.floor(random() * 20_000)) : 500 + Math.floor(random() * 50_000);
      rows.push({ partner_id: p.id, product_id: pick([products.ebook, products.course, products.coaching, null]), kind, status, amount_cents: amount, transaction_at, processed_at });
    }
  });
  const [alice, bruno, , , , , gina, hank] = partners;
  // Boundaries: processed exactly at the start of "365 days ago" (counts) and 1 ms before (does not).
  rows.push({ partner_id: alice!.id, product_id: products.ebook, kind: 'sale', status: 'approved', amount_cents: 1_111, transaction_at: YEAR_AGO - 5 * DAY, processed_at: YEAR_AGO });
  rows.push({ partner_id: alice!.id, product_id: products.ebook, kind: 'sale', status: 'paid', amount_cents: 2_222, transaction_at: YEAR_AGO - 5 * DAY, processed_at: YEAR_AGO - 1 });
  // Contest boundaries: a course sale exactly at the start (counts) and 1 ms before (does not).
  rows.push({ partner_id: bruno!.id, product_id: products.course, kind: 'sale', status: 'approved', amount_cents: 3_333, transaction_at: CONTEST_START_MS, processed_at: CONTEST_START_MS + DAY });
  rows.push({ partner_id: bruno!.id, product_id: products.course, kind: 'sale', status: 'approved', amount_cents: 4_444, transaction_at: CONTEST_START_MS - 1, processed_at: CONTEST_START_MS + DAY });
  // Gina and Hank have earned over $10,000 (tier rules).
  for (const p of [gina!, hank!]) {
    for (let k = 0; k < 3; k++) rows.push({ partner_id: p.id, product_id: products.coaching, kind: 'sale', status: k === 0 ? 'paid' : 'approved', amount_cents: 400_000, transaction_at: NOW - (40 + k) * DAY, processed_at: NOW - (30 + k) * DAY });
  }

  const commissions: FixtureCommission[] = [];
  for (const r of rows) {
    const paid_at = r.status === 'paid' ? (r.processed_at ?? r.transaction_at) + 10 * DAY : null;
    const id = (await db.insertInto('commissions').values({ ontraport_id: null, partner_id: r.partner_id, contact_id: null, product_id: r.product_id, purchase_id: null, promo_tool_id: null, sub_id: null, kind: r.kind, status: r.status, amount_cents: r.amount_cents, currency: 'USD', transaction_at: r.transaction_at, processed_at: r.processed_at, paid_at, payout_id: null, updated_at: t, synced_at: null }).returning('id').executeTakeFirstOrThrow()).id;
    commissions.push({ id, ...r });
  }

  const contacts: Fixture['contacts'] = [];
  for (let k = 0; k < 30; k++) {
    const first = partners[k % 5]!.id;
    const last = k % 3 === 0 ? partners[(k + 1) % 5]!.id : first;
    const c = { first_name: `Lead${k}`, email: `lead${k}@leads.test`, first_referrer_id: first, last_referrer_id: last, added_at: NOW - k * 9 * DAY };
    const id = (await db.insertInto('contacts').values({ ontraport_id: null, last_name: 'Lead', updated_at: t, synced_at: null, first_referrer_ontraport_id: null, last_referrer_ontraport_id: null, ...c }).returning('id').executeTakeFirstOrThrow()).id;
    contacts.push({ id, ...c });
  }
  for (const [k, p] of partners.slice(0, 4).entries()) {
    await db.insertInto('open_orders').values({ ontraport_id: null, partner_id: p.id, contact_id: null, product_id: products.ebook, status: k === 3 ? 'cancelled' : 'active', amount_cents: 4_900, commission_cents: 980 + k, currency: 'USD', next_charge_at: NOW + (k + 1) * DAY, started_at: NOW - 50 * DAY, updated_at: t, synced_at: null }).execute();
  }
  return { programs, programOntraportIds: { affiliate: 9001, silver: 9002, gold: 9003, solo: 9004 }, products, partners, commissions, contacts };
}

/** Empties every table the blocks tests write, children first. */
export async function clearBlocksTables(store: Store): Promise<void> {
  for (const table of ['rollup_values', 'rollup_snapshots', 'tier_upgrades', 'kv', 'job_leases', 'ontraport_outbox', 'email_outbox', 'audit_log', 'sessions', 'accounts', 'open_orders', 'commissions', 'partners', 'contacts', 'products', 'programs']) {
    await sql`delete from ${sql.table(table)}`.execute(store.db);
  }
}

/** Plain-JS reference values, written from docs/domain.md without looking at the SQL. */
export const expected = {
  pendingTotal: (rows: FixtureCommission[], partnerId: number) => rows.filter((c) => c.partner_id === partnerId && c.status === 'pending').reduce((s, c) => s + c.amount_cents, 0),
  approvedTotal: (rows: FixtureCommission[], partnerId: number) =>
    rows.filter((c) => c.partner_id === partnerId && c.status === 'approved' && (c.kind === 'sale' || c.kind === 'clawback')).reduce((s, c) => s + c.amount_cents, 0),
  earnedTotal: (rows: FixtureCommission[], partnerId: number) =>
    rows.filter((c) => c.partner_id === partnerId && (c.status === 'approved' || c.status === 'paid') && (c.kind === 'sale' || c.kind === 'clawback')).reduce((s, c) => s + c.amount_cents, 0),
  earnedLastYear: (rows: FixtureCommission[], partnerId: number) =>
    rows
      .filter((c) => c.partner_id === partnerId && (c.status === 'approved' || c.status === 'paid') && (c.kind === 'sale' || c.kind === 'clawback') && c.processed_at !== null && c.processed_at >= YEAR_AGO)
      .reduce((s, c) => s + c.amount_cents, 0),
  productSales: (rows: FixtureCommission[], partnerId: number, productId: number, sinceMs = -Infinity) =>
    rows.filter((c) => c.partner_id === partnerId && c.kind === 'sale' && c.status !== 'declined' && c.product_id === productId && c.transaction_at >= sinceMs).length,
  contestEarned: (rows: FixtureCommission[], partnerId: number, productId: number, sinceMs: number) =>
    rows
      .filter((c) => c.partner_id === partnerId && (c.status === 'approved' || c.status === 'paid') && (c.kind === 'sale' || c.kind === 'clawback') && c.product_id === productId && c.transaction_at >= sinceMs)
      .reduce((s, c) => s + c.amount_cents, 0),
};
