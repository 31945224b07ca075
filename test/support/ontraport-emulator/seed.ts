/**
 * Deterministic generated Ontraport data: programs (USD and EUR), partners (contacts with a program and a
 * PayPal address, plus their partner records), referred contacts, a few unreferred ones, products, purchases,
 * commissions (sales in every status and some clawbacks), open orders and promo tools. Records use the
 * emulator's canonical field names; every `date`/`dlm` lies in the past (1 to 90 days ago).
 */
import { commissionKindCodes, commissionStatusCodes, openOrderStatusCodes, promoKindCodes, purchaseStatusCodes } from './schema.js';
import type { EmuRecord } from './conditions.js';
import { mulberry32 } from '../random.js';

export interface SeedOptions {
  programs?: number;
  partners?: number;
  /** Contacts with a referring partner. */
  contacts?: number;
  /** Contacts nobody referred (outside the partner center's interest). */
  unreferredContacts?: number;
  products?: number;
  /** Purchases credited to a partner (each earns one sale commission). */
  purchases?: number;
  uncreditedPurchases?: number;
  clawbacks?: number;
  openOrders?: number;
  promoTools?: number;
  seed?: number;
}

export interface SeedRecords {
  /** By object type id, in insertion order. */
  [objectType: number]: EmuRecord[];
}

/** The tests' one seeded generator (test/support/random.ts). */
export const prng = mulberry32;

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia', 'Tim', 'Margaret', 'Linus'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Perlman', 'Lee', 'Hamilton', 'Torvalds'];

/** Ids are handed out by the emulator; `nextId(type)` gives the next one of a type. */
export function generateSeed(options: SeedOptions, nextId: (objectType: number) => number, nowSeconds: number): SeedRecords {
  const rnd = prng(options.seed ?? 42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const money = (lo: number, hi: number) => (int(lo * 100, hi * 100) / 100).toFixed(2);
  const day = 86_400;
  const past = () => nowSeconds - int(2 * day, 90 * day);
  const stamp = () => {
    const date = past();
    return { date, dlm: Math.min(nowSeconds - day, date + int(0, day)) };
  };

  const out: SeedRecords = { 0: [], 16: [], 17: [], 35: [], 36: [], 38: [], 40: [], 44: [] };
  const programs = Array.from({ length: options.programs ?? 3 }, (_, i) => {
    const r: EmuRecord = { id: nextId(35), name: `Program ${i + 1}`, currency: i % 3 === 1 ? 'EUR' : 'USD', commission_rate: String(10 + 5 * i), level2_rate: '0', ...stamp() };
    out[35]!.push(r);
    return r;
  });

  const partners = Array.from({ length: options.partners ?? 10 }, (_, i) => {
    const program = programs[i % programs.length]!;
    const contact: EmuRecord = {
      id: nextId(0), firstname: pick(FIRST), lastname: pick(LAST), email: `partner${i + 1}@example.com`, freferrer: 0, lreferrer: 0,
      program_id: program.id, aff_paypal: i % 4 === 3 ? null : `paypal${i + 1}@example.com`, aff_sales: 0, aff_amount: '0.00', bulk_mail: 1, f1234: 'blue', ...stamp(),
    };
    out[0]!.push(contact);
    out[36]!.push({ id: nextId(36), contact_id: contact.id, program_id: program.id, status: '1', ...stamp() });
    return { contact, program };
  });

  const referred = Array.from({ length: options.contacts ?? 200 }, (_, i) => {
    const first = pick(partners);
    const last = rnd() < 0.8 ? first : pick(partners);
    const c: EmuRecord = {
      id: nextId(0), firstname: pick(FIRST), lastname: pick(LAST), email: `lead${i + 1}@example.org`, freferrer: first.contact.id, lreferrer: last.contact.id,
      program_id: 0, aff_paypal: null, aff_sales: 0, aff_amount: '0.00', bulk_mail: 1, f1234: pick(['red', 'green', null]), ...stamp(),
    };
    out[0]!.push(c);
    return { contact: c, partner: last };
  });
  const unreferredCount = options.unreferredContacts ?? Math.ceil((options.contacts ?? 200) / 10);
  for (let i = 0; i < unreferredCount; i++) {
    out[0]!.push({ id: nextId(0), firstname: pick(FIRST), lastname: pick(LAST), email: `visitor${i + 1}@example.net`, freferrer: 0, lreferrer: 0, program_id: 0, aff_paypal: null, ...stamp() });
  }

  const products = Array.from({ length: options.products ?? 5 }, (_, i) => {
    const p: EmuRecord = { id: nextId(16), name: `Product ${i + 1}`, price: money(10, 500), sku: `SKU-${i + 1}`, ...stamp() };
    out[16]!.push(p);
    return p;
  });

  const statuses = Object.values(commissionStatusCodes);
  for (let i = 0; i < (options.purchases ?? Math.floor(referred.length / 2)) && referred.length; i++) {
    const buyer = pick(referred);
    const product = pick(products);
    const refunded = rnd() < 0.1;
    const t = stamp();
    const purchase: EmuRecord = {
      id: nextId(17), contact_id: buyer.contact.id, product_id: product.id, affiliate_id: buyer.partner.contact.id, oprid: buyer.partner.contact.id,
      price: product.price, quantity: 1, total_price: product.price, status: refunded ? purchaseStatusCodes.refunded : purchaseStatusCodes.paid,
      order_id: int(1000, 9999), subscription_id: 0, level1: '0.00', level2: '0.00', ...t,
    };
    out[17]!.push(purchase);
    const rate = Number(buyer.partner.program.commission_rate) / 100;
    const amount = (Math.round(Number(product.price) * rate * 100) / 100).toFixed(2);
    purchase.level1 = amount;
    const status = refunded ? commissionStatusCodes.refunded : pick(statuses.filter((s) => s !== commissionStatusCodes.refunded));
    out[38]!.push({
      id: nextId(38), partner_id: buyer.partner.contact.id, contact_id: buyer.contact.id, program_id: buyer.partner.program.id, product_id: product.id,
      purchase_id: purchase.id, promo_id: 0, sid: rnd() < 0.3 ? `sub${int(1, 5)}` : null, type: commissionKindCodes.sale, status, amount,
      currency: buyer.partner.program.currency, date: t.date, date_processed: status === commissionStatusCodes.pending ? 0 : t.date + 3600,
      date_paid: status === commissionStatusCodes.paid ? t.date + 7 * 3600 : 0, dlm: t.dlm,
    });
  }
  for (let i = 0; i < (options.uncreditedPurchases ?? 5); i++) {
    const product = pick(products);
    out[17]!.push({
      id: nextId(17), contact_id: int(1, 50), product_id: product.id, affiliate_id: 0, oprid: 0, price: product.price, quantity: 1, total_price: product.price,
      status: purchaseStatusCodes.paid, order_id: 0, subscription_id: 0, level1: '0.00', level2: '0.00', ...stamp(),
    });
  }
  for (let i = 0; i < (options.clawbacks ?? 2) && partners.length; i++) {
    const partner = pick(partners);
    const t = stamp();
    out[38]!.push({
      id: nextId(38), partner_id: partner.contact.id, contact_id: 0, program_id: partner.program.id, product_id: pick(products).id, purchase_id: 0, promo_id: 0, sid: null,
      type: commissionKindCodes.clawback, status: commissionStatusCodes.approved, amount: `-${money(1, 30)}`, currency: partner.program.currency,
      date: t.date, date_processed: t.date, date_paid: 0, dlm: t.dlm,
    });
  }

  for (let i = 0; i < (options.openOrders ?? 10) && referred.length; i++) {
    const buyer = pick(referred);
    const product = pick(products);
    out[44]!.push({
      id: nextId(44), contact_id: buyer.contact.id, product_id: product.id, oprid: buyer.partner.contact.id, status: pick(Object.values(openOrderStatusCodes)),
      price: product.price, commission: money(1, 20), currency: buyer.partner.program.currency, next_charge: nowSeconds + int(day, 30 * day), ...stamp(),
    });
  }

  const kinds = Object.values(promoKindCodes);
  for (let i = 0; i < (options.promoTools ?? 6); i++) {
    const kind = kinds[i % kinds.length]!;
    out[40]!.push({
      id: nextId(40), name: `Promo ${i + 1}`, type: kind, program_id: programs.length ? programs[i % programs.length]!.id : 0,
      subject: kind === promoKindCodes.email ? `Try product ${i + 1}` : null, content: kind === promoKindCodes.banner ? null : `Body of promo ${i + 1}`,
      image_url: kind === promoKindCodes.banner ? `https://cdn.example.com/banner${i + 1}.png` : null, width: kind === promoKindCodes.banner ? 468 : 0,
      height: kind === promoKindCodes.banner ? 60 : 0, landing_url: i % 2 ? `/offer/${i + 1}` : '', ...stamp(),
    });
  }
  return out;
}
