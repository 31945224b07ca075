/**
 * Repository: the partner lists and details the admin area shows. Reads only; searches are case-insensitive
 * substring matches on name, email, referral code and alias (or the exact partner id), on both stores.
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import { EARNED_KINDS, type Database, type Kysely } from '../store/index.js';

type Db = Kysely<Database>;

export interface PartnerFilter {
  q?: string;
  status?: 'active' | 'inactive';
  programId?: number;
}

export interface PartnerListRow {
  id: number;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  referral_code: string;
  status: 'active' | 'inactive';
  program_name: string | null;
  tier_group: string | null;
  level_order: number | null;
  currency: string | null;
}

/** `!` escapes LIKE's wildcards (one escape character that means the same on SQLite and PostgreSQL). */
const likePattern = (q: string) => `%${q.toLowerCase().replace(/[!%_]/g, '!$&')}%`;
const lowerLike = (column: string, pattern: string): Expression<SqlBool> => sql<SqlBool>`lower(${sql.ref(column)}) like ${pattern} escape '!'`;

function listQuery(db: Db, f: PartnerFilter) {
  let q = db
    .selectFrom('partners as p')
    .leftJoin('contacts as c', 'c.id', 'p.contact_id')
    .leftJoin('programs as g', 'g.id', 'p.program_id');
  if (f.status) q = q.where('p.status', '=', f.status);
  if (f.programId !== undefined) q = q.where('p.program_id', '=', f.programId);
  if (f.q) {
    const pattern = likePattern(f.q);
    const id = /^[0-9]{1,12}$/.test(f.q) ? Number(f.q) : undefined;
    q = q.where((eb) =>
      eb.or([
        ...(id !== undefined ? [eb('p.id', '=', id)] : []),
        lowerLike('c.first_name', pattern),
        lowerLike('c.last_name', pattern),
        lowerLike('c.email', pattern),
        lowerLike('p.referral_code', pattern),
        lowerLike('p.alias', pattern),
        sql<SqlBool>`lower(${sql.ref('c.first_name')} || ' ' || ${sql.ref('c.last_name')}) like ${pattern} escape '!'`,
      ]),
    );
  }
  return q;
}

/** One page of partners (one row more than asked, so the caller knows whether a next page exists). */
export async function listPartners(db: Db, f: PartnerFilter, page: { offset: number; size: number }): Promise<PartnerListRow[]> {
  return listQuery(db, f)
    .select(['p.id', 'c.first_name', 'c.last_name', 'c.email', 'p.referral_code', 'p.status', 'g.name as program_name', 'g.tier_group', 'g.level_order', 'g.currency'])
    .orderBy('p.id')
    .offset(page.offset)
    .limit(page.size + 1)
    .execute();
}

/**
 * Each partner's balance: approved, unpaid sales and clawbacks in the program's currency (what the next MassPay
 * file would pay them before its threshold).
 */
export async function balances(db: Db, partnerIds: readonly number[]): Promise<Map<number, number>> {
  if (!partnerIds.length) return new Map();
  const rows = await db
    .selectFrom('commissions as c')
    .innerJoin('partners as p', 'p.id', 'c.partner_id')
    .innerJoin('programs as g', (j) => j.onRef('g.id', '=', 'p.program_id').onRef('g.currency', '=', 'c.currency'))
    .select((eb) => ['c.partner_id', eb.fn.sum<number>('c.amount_cents').as('cents')])
    .where('c.partner_id', 'in', [...partnerIds])
    .where('c.status', '=', 'approved')
    .where('c.kind', 'in', EARNED_KINDS)
    .where('c.payout_id', 'is', null)
    .groupBy('c.partner_id')
    .execute();
  return new Map(rows.map((r) => [Number(r.partner_id), Number(r.cents)]));
}

export async function listPrograms(db: Db): Promise<Array<{ id: number; name: string }>> {
  return db.selectFrom('programs').select(['id', 'name']).orderBy('name').execute();
}

export async function findPartnerDetail(db: Db, id: number) {
  return db
    .selectFrom('partners as p')
    .leftJoin('contacts as c', 'c.id', 'p.contact_id')
    .leftJoin('programs as g', 'g.id', 'p.program_id')
    .select([
      'p.id', 'p.referral_code', 'p.status', 'p.paypal_email', 'p.time_zone', 'p.alias', 'p.created_at', 'p.synced_at',
      'c.first_name', 'c.last_name', 'c.email', 'c.ontraport_id as contact_ontraport_id',
      'g.name as program_name', 'g.tier_group', 'g.level_order', 'g.currency',
    ])
    .where('p.id', '=', id)
    .executeTakeFirst();
}

export async function commissionCounts(db: Db, partnerId: number): Promise<Array<{ status: string; n: number; cents: number }>> {
  const rows = await db
    .selectFrom('commissions')
    .select((eb) => ['status', eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('amount_cents').as('cents')])
    .where('partner_id', '=', partnerId)
    .groupBy('status')
    .orderBy('status')
    .execute();
  return rows.map((r) => ({ status: r.status, n: Number(r.n), cents: Number(r.cents) }));
}
