/**
 * The tests' independent view of the sync: what the store must hold given the emulator's records (canonical
 * names, whatever the account's schema), and the store's rows in the same shape (Ontraport ids instead of Partnergate ids).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../src/store/tables.js';
import type { EmuRecord, OntraportEmulator } from '../support/ontraport-emulator.js';

const n = (v: EmuRecord[string]) => Number(v ?? 0);
const ms = (v: EmuRecord[string]) => (n(v) ? n(v) * 1000 : null);
const cents = (v: EmuRecord[string]) => Math.round(Number(v) * 100);
const text = (v: EmuRecord[string]) => (v === null || v === undefined || String(v).trim() === '' ? null : String(v).trim());

const commissionStatus: Record<string, string> = { '0': 'pending', '1': 'approved', '2': 'paid', '3': 'declined', '4': 'refunded' };
const purchaseStatus: Record<string, string> = { '1': 'paid', '2': 'refunded', '3': 'declined', '4': 'pending' };
const promoKind: Record<string, string> = { '0': 'banner', '1': 'lightbox', '2': 'email', '3': 'link' };
const orderStatus: Record<string, string> = { '0': 'active', '1': 'cancelled', '2': 'paused' };

export interface Snapshot {
  programs: unknown[];
  contacts: unknown[];
  partners: unknown[];
  products: unknown[];
  purchases: unknown[];
  commissions: unknown[];
  open_orders: unknown[];
  promo_tools: unknown[];
}

const byKey = (rows: Array<Record<string, unknown>>, key = 'oid') => rows.sort((a, b) => Number(a[key]) - Number(b[key]));

/** In-scope contact ids: a referrer or a program. */
export function contactsInScope(emu: OntraportEmulator): EmuRecord[] {
  return emu.all(0).filter((c) => n(c.freferrer) > 0 || n(c.lreferrer) > 0 || n(c.program_id) > 0);
}

/** What a correct sync stores. `excluded` are ids (by object type) known to be malformed. */
export function expectedSnapshot(emu: OntraportEmulator, excluded: Record<number, number[]> = {}): Snapshot {
  const skip = (type: number, r: EmuRecord) => (excluded[type] ?? []).includes(n(r.id));
  const programs = emu.all(35).filter((r) => !skip(35, r));
  const programCurrency = new Map(programs.map((p) => [n(p.id), String(p.currency)]));
  const contacts = contactsInScope(emu).filter((r) => !skip(0, r));
  const partnerRecords = emu.all(36).filter((r) => !skip(36, r));
  const partnerCodes = new Set(contacts.filter((c) => n(c.program_id) > 0).map((c) => n(c.id)));
  for (const p of partnerRecords) partnerCodes.add(n(p.contact_id));
  const partnerProgram = new Map<number, number>();
  for (const c of contacts) if (n(c.program_id) > 0) partnerProgram.set(n(c.id), n(c.program_id));
  for (const p of partnerRecords) partnerProgram.set(n(p.contact_id), n(p.program_id));
  const ref = (v: EmuRecord[string]) => (partnerCodes.has(n(v)) ? n(v) : null);
  const commissionRecords = emu.all(38);
  return {
    programs: byKey(programs.map((p) => ({ oid: n(p.id), name: p.name, currency: p.currency, rate_bp: Math.round(Number(p.commission_rate) * 100) }))),
    contacts: byKey(contacts.map((c) => ({ oid: n(c.id), first: c.firstname, last: c.lastname, email: c.email, firstRef: ref(c.freferrer), lastRef: ref(c.lreferrer), added: ms(c.date) }))),
    partners: [...partnerCodes].sort((a, b) => a - b).map((code) => {
      const c = contacts.find((x) => n(x.id) === code);
      const rec = partnerRecords.find((p) => n(p.contact_id) === code);
      return { code, program: partnerProgram.get(code), paypal: text(c?.aff_paypal), status: rec && String(rec.status) === '0' ? 'inactive' : 'active' };
    }),
    products: byKey(emu.all(16).filter((r) => !skip(16, r)).map((p) => ({ oid: n(p.id), name: p.name, price: cents(p.price) }))),
    purchases: byKey(emu.all(17).filter((r) => n(r.oprid) > 0 && !skip(17, r)).map((p) => ({
      oid: n(p.id), contact: n(p.contact_id), partner: n(p.oprid), amount: cents(p.total_price), currency: programCurrency.get(partnerProgram.get(n(p.oprid))!), status: purchaseStatus[String(p.status)], at: ms(p.date),
    }))),
    commissions: byKey(commissionRecords.filter((r) => !skip(38, r)).map((c) => ({
      oid: n(c.id), partner: n(c.partner_id), amount: cents(c.amount), currency: c.currency, status: commissionStatus[String(c.status)], kind: String(c.type) === '1' ? 'clawback' : 'sale',
      purchase: n(c.purchase_id) || null, subId: text(c.sid), at: ms(c.date), paidAt: commissionStatus[String(c.status)] === 'paid' ? ms(c.date_paid) : null,
    }))),
    open_orders: byKey(emu.all(44).filter((r) => n(r.oprid) > 0 && !skip(44, r)).map((o) => ({ oid: n(o.id), partner: n(o.oprid), status: orderStatus[String(o.status)], commission: cents(o.commission), next: ms(o.next_charge) }))),
    promo_tools: byKey(emu.all(40).filter((r) => !skip(40, r)).map((p) => ({ oid: n(p.id), kind: promoKind[String(p.type)], name: p.name, program: n(p.program_id) || null, landing: text(p.landing_url) ?? '/' }))),
  };
}

/** The store's mirrored rows in the oracle's shape. */
export async function storeSnapshot(db: Kysely<Database>): Promise<Snapshot> {
  const programs = await db.selectFrom('programs').selectAll().where('ontraport_id', 'is not', null).execute();
  const programOid = new Map(programs.map((p) => [p.id, Number(p.ontraport_id)]));
  const partners = await db.selectFrom('partners').selectAll().execute();
  const code = new Map(partners.map((p) => [p.id, Number(p.referral_code)]));
  const contacts = await db.selectFrom('contacts').selectAll().where('ontraport_id', 'is not', null).execute();
  const contactOid = new Map(contacts.map((c) => [c.id, Number(c.ontraport_id)]));
  const purchases = await db.selectFrom('purchases').selectAll().execute();
  const purchaseOid = new Map(purchases.map((p) => [p.id, Number(p.ontraport_id)]));
  const ref = (id: number | null) => (id === null ? null : (code.get(id) ?? -1));
  return {
    programs: byKey(programs.map((p) => ({ oid: Number(p.ontraport_id), name: p.name, currency: p.currency, rate_bp: p.rate_bp }))),
    contacts: byKey(contacts.map((c) => ({ oid: Number(c.ontraport_id), first: c.first_name, last: c.last_name, email: c.email, firstRef: ref(c.first_referrer_id), lastRef: ref(c.last_referrer_id), added: c.added_at }))),
    partners: byKey(partners.map((p) => ({ code: Number(p.referral_code), program: programOid.get(p.program_id), paypal: p.paypal_email, status: p.status })), 'code'),
    products: byKey((await db.selectFrom('products').selectAll().execute()).map((p) => ({ oid: Number(p.ontraport_id), name: p.name, price: p.price_cents }))),
    purchases: byKey(purchases.map((p) => ({ oid: Number(p.ontraport_id), contact: contactOid.get(p.contact_id), partner: ref(p.partner_id), amount: p.amount_cents, currency: p.currency, status: p.status, at: p.purchased_at }))),
    commissions: byKey((await db.selectFrom('commissions').selectAll().execute()).map((c) => ({
      oid: Number(c.ontraport_id), partner: ref(c.partner_id), amount: c.amount_cents, currency: c.currency, status: c.status, kind: c.kind,
      purchase: c.purchase_id === null ? null : purchaseOid.get(c.purchase_id), subId: c.sub_id, at: c.transaction_at, paidAt: c.paid_at,
    }))),
    open_orders: byKey((await db.selectFrom('open_orders').selectAll().execute()).map((o) => ({ oid: Number(o.ontraport_id), partner: ref(o.partner_id), status: o.status, commission: o.commission_cents, next: o.next_charge_at }))),
    promo_tools: byKey((await db.selectFrom('promo_tools').selectAll().execute()).map((p) => ({ oid: Number(p.ontraport_id), kind: p.kind, name: p.name, program: p.program_id === null ? null : programOid.get(p.program_id), landing: p.landing_path }))),
  };
}
