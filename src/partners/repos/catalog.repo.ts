/** Products, promo tools and open orders as the partner center shows them. */
import type { Product, PromoTool } from '../../store/index.js';
import type { Db } from './db.js';

export async function findProduct(db: Db, productId: number): Promise<Product | undefined> {
  return db.selectFrom('products').selectAll().where('id', '=', productId).executeTakeFirst();
}

/** Promo tools of the partner's program plus those for every program (program_id null). */
export async function listPromoTools(db: Db, programId: number): Promise<PromoTool[]> {
  return db
    .selectFrom('promo_tools')
    .selectAll()
    .where((eb) => eb.or([eb('program_id', '=', programId), eb('program_id', 'is', null)]))
    .orderBy('kind')
    .orderBy('name')
    .orderBy('id')
    .limit(500)
    .execute();
}

export interface OpenOrderRow {
  id: number;
  amount_cents: number;
  commission_cents: number;
  currency: string;
  next_charge_at: number | null;
  started_at: number;
  product_id: number | null;
  product_name: string | null;
  contact_first_name: string | null;
  contact_last_name: string | null;
}

/** Active open orders, next charge first (index `open_orders (partner_id, status, next_charge_at)`). */
export async function listActiveOpenOrders(db: Db, partnerId: number, limit: number, offset: number): Promise<OpenOrderRow[]> {
  return db
    .selectFrom('open_orders as o')
    .leftJoin('contacts as c', 'c.id', 'o.contact_id')
    .leftJoin('products as d', 'd.id', 'o.product_id')
    .select([
      'o.id', 'o.amount_cents', 'o.commission_cents', 'o.currency', 'o.next_charge_at', 'o.started_at', 'o.product_id',
      'd.name as product_name', 'c.first_name as contact_first_name', 'c.last_name as contact_last_name',
    ])
    .where('o.partner_id', '=', partnerId)
    .where('o.status', '=', 'active')
    .orderBy('o.next_charge_at')
    .orderBy('o.id')
    .limit(limit)
    .offset(offset)
    .execute();
}

export async function activeOpenOrderTotals(db: Db, partnerId: number): Promise<{ count: number; commissionCents: number }> {
  const r = await db
    .selectFrom('open_orders')
    .select([(eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>('commission_cents').as('c')])
    .where('partner_id', '=', partnerId)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return { count: Number(r?.n ?? 0), commissionCents: Number(r?.c ?? 0) };
}
