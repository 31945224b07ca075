/**
 * What each export should contain, computed by the tests on their own from the store's tables (plain selects,
 * JavaScript filtering and formatting with Intl, not the code under test), and helpers to download and
 * parse a CSV with csv-parse, an independent parser.
 */
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import type { Store } from '../../src/store/index.js';
import type { SignedIn, TestGateway } from '../support/gateway.js';

/** GET as the signed-in partner, body as a Buffer whatever the content type. */
export async function download(tg: TestGateway, who: SignedIn, path: string) {
  return request(tg.url)
    .get(path)
    .set('Cookie', who.cookie)
    .buffer(true)
    .parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
}

export const iso = (ms: number | null) => (ms === null ? '' : new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z'));
export const localDay = (ms: number | null, timeZone: string) =>
  ms === null ? '' : new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms));
export const dec = (cents: number | null) => (cents === null ? '' : `${cents < 0 ? '-' : ''}${(Math.abs(cents) / 100).toFixed(2)}`);
/**
 * The expected cell of stranger-typed text (the test's own rule, from the OWASP list plus full-width forms, and a
 * trigger after leading spaces, tabs, CRs or LFs, which spreadsheets skip).
 */
export const textCell = (t: string | null | undefined) => (t === null || t === undefined ? '' : /^(?:[\t\r]|[ \t\r\n]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20])/u.test(t) ? `'${t}` : t);
const int = (n: number | null | undefined) => (n === null || n === undefined ? '' : String(n));

/** Parses a CSV strictly: CRLF record ends only, optional BOM, RFC 4180 quotes. */
export function parseCsv(body: Buffer | string): string[][] {
  return parse(typeof body === 'string' ? body : body.toString('utf8'), { bom: true, record_delimiter: ['\r\n'], relax_column_count: false }) as string[][];
}

export interface Range {
  startMs: number;
  endMs: number;
  timeZone: string;
}

const inRange = (ms: number, r: Range) => ms >= r.startMs && ms < r.endMs;
const byKeys = <T>(...keys: Array<(x: T) => number | string>) => (a: T, b: T) => {
  for (const k of keys) {
    const x = k(a);
    const y = k(b);
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
};

async function names(store: Store) {
  const products = new Map((await store.db.selectFrom('products').select(['id', 'name']).execute()).map((p) => [p.id, p.name]));
  const tools = new Map((await store.db.selectFrom('promo_tools').select(['id', 'name']).execute()).map((p) => [p.id, p.name]));
  return { products, tools };
}

export async function expectedCommissions(store: Store, partnerId: number, r: Range, statuses?: string[]): Promise<string[][]> {
  const { products, tools } = await names(store);
  const rows = (await store.db.selectFrom('commissions').selectAll().where('partner_id', '=', partnerId).execute())
    .filter((c) => inRange(c.transaction_at, r) && (!statuses || statuses.includes(c.status)))
    .sort(byKeys((c) => c.transaction_at, (c) => c.id));
  return rows.map((c) => [
    int(c.id), iso(c.transaction_at), localDay(c.transaction_at, r.timeZone), textCell(c.kind), textCell(c.status), dec(c.amount_cents), textCell(c.currency),
    textCell(products.get(c.product_id!) ?? null), textCell(tools.get(c.promo_tool_id!) ?? null), textCell(c.sub_id), int(c.contact_id),
    iso(c.processed_at), iso(c.paid_at), int(c.payout_id),
  ]);
}

export async function expectedRefunds(store: Store, partnerId: number, r: Range): Promise<string[][]> {
  const { products } = await names(store);
  const rows = (await store.db.selectFrom('commissions').selectAll().where('partner_id', '=', partnerId).execute())
    .filter((c) => (c.kind === 'sale' && c.status === 'refunded') || c.kind === 'refund' || c.kind === 'clawback')
    .map((c) => ({ ...c, refundedAt: c.processed_at ?? c.transaction_at }))
    .filter((c) => inRange(c.refundedAt, r))
    .sort(byKeys((c) => c.refundedAt, (c) => c.id));
  return rows.map((c) => [
    int(c.id), iso(c.refundedAt), localDay(c.refundedAt, r.timeZone), c.kind === 'clawback' ? 'clawback' : 'refund', textCell(c.status),
    dec(-Math.abs(c.amount_cents)), textCell(c.currency), iso(c.transaction_at), textCell(products.get(c.product_id!) ?? null), textCell(c.sub_id), int(c.payout_id),
  ]);
}

export async function expectedPayments(store: Store, partnerId: number, r: Range, summary: boolean): Promise<string[][]> {
  const { products } = await names(store);
  const payouts = (await store.db.selectFrom('payouts').selectAll().where('partner_id', '=', partnerId).execute())
    .filter((p) => inRange(p.paid_at, r))
    .sort(byKeys((p) => p.paid_at, (p) => p.id));
  const commissions = await store.db.selectFrom('commissions').selectAll().where('partner_id', '=', partnerId).execute();
  const out: string[][] = [];
  for (const p of payouts) {
    const head = [int(p.id), iso(p.paid_at), localDay(p.paid_at, r.timeZone)];
    const tail = [textCell(p.currency), textCell(p.method), textCell(p.reference)];
    const mine = commissions.filter((c) => c.payout_id === p.id).sort(byKeys((c) => c.id));
    if (summary) {
      out.push([...head, dec(p.amount_cents), ...tail, String(mine.length)]);
      continue;
    }
    if (mine.length === 0) out.push([...head, dec(p.amount_cents), ...tail, '', '', '', '', '', '']);
    for (const c of mine) {
      out.push([...head, dec(p.amount_cents), ...tail, int(c.id), textCell(c.kind), dec(c.amount_cents), iso(c.transaction_at), textCell(products.get(c.product_id!) ?? null), textCell(c.sub_id)]);
    }
  }
  return out;
}

/** A referred customer's email as partners see it by default (`j***@example.com`). */
export const maskedEmail = (e: string | null) => {
  if (e === null || e === '') return e;
  const at = e.lastIndexOf('@');
  return at < 1 ? '***' : `${e[0]}***${e.slice(at)}`;
};

export async function expectedContacts(store: Store, partnerId: number, r: Range, opts: { masked: boolean } = { masked: true }): Promise<string[][]> {
  const rows = (await store.db.selectFrom('contacts').selectAll().execute())
    .filter((c) => (c.first_referrer_id === partnerId || c.last_referrer_id === partnerId) && inRange(c.added_at, r))
    .sort(byKeys((c) => c.added_at, (c) => c.id));
  return rows.map((c) => [
    int(c.id), iso(c.added_at), localDay(c.added_at, r.timeZone), textCell(c.first_name), textCell(c.last_name), textCell(opts.masked ? maskedEmail(c.email) : c.email),
    c.first_referrer_id === partnerId ? 'yes' : 'no', c.last_referrer_id === partnerId ? 'yes' : 'no',
  ]);
}

/** Open orders started in the range, any status, by start then id; contact names and product as the page shows them. */
export async function expectedSubscriptions(store: Store, partnerId: number, r: Range): Promise<string[][]> {
  const { products } = await names(store);
  const contacts = new Map((await store.db.selectFrom('contacts').select(['id', 'first_name', 'last_name']).execute()).map((c) => [c.id, c]));
  const rows = (await store.db.selectFrom('open_orders').selectAll().execute())
    .filter((o) => o.partner_id === partnerId && inRange(o.started_at, r))
    .sort(byKeys((o) => o.started_at, (o) => o.id));
  return rows.map((o) => {
    const c = o.contact_id === null ? undefined : contacts.get(o.contact_id);
    return [
      int(o.id), iso(o.started_at), localDay(o.started_at, r.timeZone), o.status, int(o.contact_id), textCell(c?.first_name), textCell(c?.last_name),
      textCell(o.product_id === null ? null : products.get(o.product_id)), dec(o.amount_cents), dec(o.commission_cents), o.currency, iso(o.next_charge_at),
      o.next_charge_at === null ? '' : localDay(o.next_charge_at, r.timeZone),
    ];
  });
}

type Sums = { clicks: number; leads: number; sales: number; earned: number; pending: number };

/** The affiliate report, grouped by `date` (local day), `promo` or `subid`; rows sorted by key then currency. */
export async function expectedReport(store: Store, partnerId: number, r: Range, by: 'date' | 'promo' | 'subid', currency: string): Promise<string[][]> {
  const { tools } = await names(store);
  const groups = new Map<string, { key: string | number; currency: string; s: Sums }>();
  const add = (key: string | number, cur: string, f: Partial<Sums>) => {
    const k = `${typeof key === 'number' ? String(key).padStart(12, '0') : key}\u0000${cur}`;
    const g = groups.get(k) ?? { key, currency: cur, s: { clicks: 0, leads: 0, sales: 0, earned: 0, pending: 0 } };
    for (const [name, v] of Object.entries(f)) g.s[name as keyof Sums] += v;
    groups.set(k, g);
  };
  const keyOf = (ms: number, promo: number | null, sub: string | null) => (by === 'date' ? localDay(ms, r.timeZone) : by === 'promo' ? promo ?? 0 : sub ?? '');
  for (const v of await store.db.selectFrom('visits').selectAll().where('partner_id', '=', partnerId).execute()) {
    if (inRange(v.visited_at, r)) add(keyOf(v.visited_at, v.promo_tool_id, v.sub_id), currency, { clicks: 1 });
  }
  if (by === 'date') {
    for (const c of await store.db.selectFrom('contacts').selectAll().where('first_referrer_id', '=', partnerId).execute()) {
      if (inRange(c.added_at, r)) add(localDay(c.added_at, r.timeZone), currency, { leads: 1 });
    }
  }
  for (const c of await store.db.selectFrom('commissions').selectAll().where('partner_id', '=', partnerId).execute()) {
    if (!inRange(c.transaction_at, r)) continue;
    add(keyOf(c.transaction_at, c.promo_tool_id, c.sub_id), c.currency, {
      sales: c.kind === 'sale' && c.status !== 'declined' ? 1 : 0,
      earned: ['sale', 'clawback'].includes(c.kind) && ['approved', 'paid'].includes(c.status) ? c.amount_cents : 0,
      pending: c.status === 'pending' ? c.amount_cents : 0,
    });
  }
  return [...groups.keys()].sort().map((k) => {
    const g = groups.get(k)!;
    const s = g.s;
    if (by === 'date') return [String(g.key), String(s.clicks), String(s.leads), String(s.sales), dec(s.earned), dec(s.pending), g.currency];
    if (by === 'promo') return [String(g.key), textCell(tools.get(g.key as number) ?? null), String(s.clicks), String(s.sales), dec(s.earned), dec(s.pending), g.currency];
    return [textCell(String(g.key)), String(s.clicks), String(s.sales), dec(s.earned), dec(s.pending), g.currency];
  });
}
