/**
 * The emulator's objects and their `objects/meta`. Field names follow Ontraport's documentation where it names
 * them (contacts, products, purchases); for partner programs, partners, commissions, promo tools and open orders
 * they are guesses, which is the point: the client must discover them from meta. The canonical schema below
 * is what tests write and read; each account schema (see `accountSchemaNames`) renames its fields, labels and
 * drop-down codes, and the emulator serves the renamed form.
 */

import type { EmuRecord } from './conditions.js';

export interface EmuFieldMeta {
  alias: string;
  type: string;
  options?: Record<string, string>;
}
export interface EmuObjectSchema {
  name: string;
  fields: Record<string, EmuFieldMeta>;
  /** Ontraport documents 35-38 as GET only. */
  readOnly?: boolean;
}

const f = (alias: string, type = 'text', options?: Record<string, string>): EmuFieldMeta => (options ? { alias, type, options } : { alias, type });
const common = { id: f('ID', 'numeric'), date: f('Date Added', 'timestamp'), dlm: f('Date Modified', 'timestamp') };

export const commissionStatusCodes = { pending: '0', approved: '1', paid: '2', declined: '3', refunded: '4' } as const;
export const commissionKindCodes = { sale: '0', clawback: '1' } as const;
export const purchaseStatusCodes = { paid: '1', refunded: '2', declined: '3', pending: '4' } as const;
export const promoKindCodes = { banner: '0', lightbox: '1', email: '2', link: '3' } as const;
export const openOrderStatusCodes = { active: '0', cancelled: '1', paused: '2' } as const;

/**
 * How one account names a canonical field: its field name, its label, and (drop-downs) its own codes. The
 * emulator stores and serves records under these names; tests write and read canonical names.
 */
export interface FieldRename {
  name: string;
  alias: string;
  /** canonical code -> this account's code */
  codes?: Record<string, string>;
  /** this account's code -> label */
  labels?: Record<string, string>;
}
export type AccountRenames = Record<number, Record<string, FieldRename>>;

const renumber = (labels: Record<string, string>, first: number) => {
  const codes: Record<string, string> = {};
  const out: Record<string, string> = {};
  Object.entries(labels).forEach(([code, label], i) => {
    codes[code] = String(first + i);
    out[String(first + i)] = label;
  });
  return { codes, labels: out };
};

/**
 * The account schemas the emulator can play. Only fields Ontraport's documentation leaves open are renamed, and
 * never to a name the client's candidate lists contain (those lists and these schemas were not written from
 * each other; a test checks the names).
 * - `custom-fields` (default): every unconfirmed field is an Ontraport-style custom field (`f1801`) found
 *   only by its label; drop-down codes renumbered. No name here is in any candidate list (a test checks it).
 * - `other-labels`: other custom names, other wording of the labels, other codes.
 * - `unrecognised-commissions`: as `custom-fields`, but the commission's partner, amount and status carry
 *   labels nothing can recognise: the sync must refuse, naming what it looked for.
 */
export const accountSchemaNames = ['custom-fields', 'other-labels', 'unrecognised-commissions'] as const;
export type AccountSchemaName = (typeof accountSchemaNames)[number];

const commissionStatusLabels = { '0': 'Pending', '1': 'Approved', '2': 'Paid', '3': 'Declined', '4': 'Refunded' };

function customFields(base: number, words: 'plain' | 'other'): AccountRenames {
  const plain = words === 'plain';
  const n = (i: number) => `f${base + i}`;
  return {
    35: {
      name: { name: n(1), alias: plain ? 'Program Name' : 'Name' },
      currency: { name: n(2), alias: plain ? 'Currency' : 'Currency Code' },
      commission_rate: { name: n(3), alias: plain ? 'Commission Rate (%)' : 'Level 1 Commission %' },
      level2_rate: { name: n(4), alias: plain ? 'Level 2 Rate (%)' : 'Second Tier Rate' },
    },
    36: {
      contact_id: { name: n(11), alias: plain ? 'Partner Contact' : 'Contact ID' },
      program_id: { name: n(12), alias: plain ? 'Program' : 'Partner Program ID' },
      status: { name: n(13), alias: plain ? 'Partner Status' : 'Status', ...renumber({ '1': 'Active', '0': 'Inactive' }, plain ? 70 : 90) },
    },
    38: {
      partner_id: { name: n(21), alias: plain ? 'Credited Partner' : 'Affiliate' },
      amount: { name: n(22), alias: plain ? 'Commission Amount' : 'Commission' },
      status: { name: n(23), alias: plain ? 'Commission Status' : 'Status', ...(plain
        ? { codes: { '0': '11', '1': '12', '2': '13', '3': '14', '4': '15' }, labels: { '11': 'Awaiting approval', '12': 'Approved', '13': 'Paid out', '14': 'Cancelled', '15': 'Refunded' } }
        : renumber(commissionStatusLabels, 40)) },
      type: { name: n(24), alias: plain ? 'Commission Type' : 'Type', ...renumber({ '0': 'Sale', '1': 'Clawback' }, plain ? 50 : 60) },
      contact_id: { name: n(25), alias: plain ? 'Customer' : 'Contact ID' },
      program_id: { name: n(26), alias: plain ? 'Program' : 'Partner Program' },
      purchase_id: { name: n(27), alias: plain ? 'Order' : 'Purchase ID' },
      sid: { name: n(28), alias: plain ? 'SubID' : 'Sub ID' },
      date_processed: { name: n(29), alias: plain ? 'Approved On' : 'Date Processed' },
      date_paid: { name: n(30), alias: plain ? 'Paid On' : 'Date Paid' },
      currency: { name: n(31), alias: plain ? 'Currency' : 'Currency Code' },
      product_id: { name: n(32), alias: plain ? 'Product' : 'Product ID' },
      promo_id: { name: n(33), alias: plain ? 'Promotional Tool' : 'Promo Tool' },
    },
    40: {
      name: { name: n(41), alias: plain ? 'Tool Name' : 'Title' },
      type: { name: n(42), alias: plain ? 'Tool Type' : 'Promo Type', ...renumber({ '0': 'Banner', '1': 'Lightbox', '2': 'Email', '3': 'Text Link' }, plain ? 20 : 30) },
      program_id: { name: n(43), alias: plain ? 'Program' : 'Partner Program' },
      landing_url: { name: n(44), alias: plain ? 'Landing Page URL' : 'Landing Page' },
      image_url: { name: n(45), alias: plain ? 'Banner URL' : 'Image' },
    },
    44: {
      oprid: { name: n(51), alias: plain ? 'Credited Partner' : 'Affiliate ID' },
      status: { name: n(52), alias: plain ? 'Subscription Status' : 'Order Status', ...renumber({ '0': 'Active', '1': 'Cancelled', '2': 'Paused' }, plain ? 31 : 81) },
      price: { name: n(53), alias: plain ? 'Recurring Price' : 'Amount' },
      commission: { name: n(54), alias: plain ? 'Partner Commission' : 'Commission Amount' },
      next_charge: { name: n(55), alias: plain ? 'Next Payment Date' : 'Next Charge' },
    },
  };
}

export function accountRenames(name: AccountSchemaName): AccountRenames {
  if (name === 'other-labels') return customFields(3000, 'other');
  const renames = customFields(1000, 'plain');
  if (name === 'unrecognised-commissions') {
    renames[38]!.partner_id = { name: 'f1921', alias: 'Payee reference' };
    renames[38]!.amount = { name: 'f1922', alias: 'Sum due' };
    renames[38]!.status = { ...renames[38]!.status!, name: 'f1923', alias: 'Workflow state' };
  }
  return renames;
}

/** The account's meta: the canonical schema with this account's names, labels and codes. */
export function buildSchemas(name: AccountSchemaName): Record<number, EmuObjectSchema> {
  const schemas = canonicalSchemas();
  for (const [type, fields] of Object.entries(accountRenames(name))) {
    const schema = schemas[Number(type)]!;
    for (const [canonical, r] of Object.entries(fields)) {
      const original = schema.fields[canonical]!;
      delete schema.fields[canonical];
      schema.fields[r.name] = f(r.alias, original.type, r.labels ?? original.options);
    }
  }
  return schemas;
}

function canonicalSchemas(): Record<number, EmuObjectSchema> {
  const commissionFields: Record<string, EmuFieldMeta> = {
    ...common,
    partner_id: f('Partner', 'parent'),
    contact_id: f('Contact', 'parent'),
    program_id: f('Partner Program', 'parent'),
    product_id: f('Product', 'parent'),
    purchase_id: f('Purchase', 'parent'),
    promo_id: f('Promo Tool', 'parent'),
    sid: f('Sub ID'),
    type: f('Type', 'drop', { [commissionKindCodes.sale]: 'Sale', [commissionKindCodes.clawback]: 'Clawback' }),
    status: f('Status', 'drop', { '0': 'Pending', '1': 'Approved', '2': 'Paid', '3': 'Declined', '4': 'Refunded' }),
    amount: f('Amount', 'price'),
    currency: f('Currency'),
    date_processed: f('Date Processed', 'timestamp'),
    date_paid: f('Date Paid', 'timestamp'),
  };
  return {
    0: {
      name: 'Contact',
      fields: {
        ...common,
        firstname: f('First Name'),
        lastname: f('Last Name'),
        email: f('Email', 'email'),
        freferrer: f('First Referrer', 'parent'),
        lreferrer: f('Last Referrer', 'parent'),
        program_id: f('Partner Program', 'parent'),
        aff_paypal: f('Paypal Address', 'email'),
        aff_sales: f('Affiliate Sales', 'numeric'),
        aff_amount: f('Affiliate Amount', 'price'),
        bulk_mail: f('Bulk Email Status', 'check'),
        f1234: f('Favourite colour'),
      },
    },
    16: { name: 'Product', fields: { ...common, name: f('Name'), price: f('Price', 'price'), sku: f('SKU') } },
    17: {
      name: 'Purchase',
      fields: {
        ...common,
        contact_id: f('Contact', 'parent'),
        product_id: f('Product', 'parent'),
        affiliate_id: f('Affiliate', 'parent'),
        oprid: f('Credited Partner', 'parent'),
        price: f('Price', 'price'),
        quantity: f('Quantity', 'numeric'),
        total_price: f('Total Price', 'price'),
        status: f('Status', 'drop', { '1': 'Paid', '2': 'Refunded', '3': 'Declined', '4': 'Pending' }),
        order_id: f('Order', 'parent'),
        subscription_id: f('Subscription', 'parent'),
        level1: f('Level 1 Commission', 'price'),
        level2: f('Level 2 Commission', 'price'),
      },
    },
    35: {
      name: 'Partner Program',
      readOnly: true,
      fields: { ...common, name: f('Name'), currency: f('Currency'), commission_rate: f('Commission %', 'numeric'), level2_rate: f('Second tier %', 'numeric') },
    },
    36: {
      name: 'Partner',
      readOnly: true,
      fields: { ...common, contact_id: f('Contact', 'parent'), program_id: f('Partner Program', 'parent'), status: f('Status', 'drop', { '1': 'Active', '0': 'Inactive' }) },
    },
    38: { name: 'Commission', readOnly: true, fields: commissionFields },
    40: {
      name: 'Partner Promotional',
      fields: {
        ...common,
        name: f('Name'),
        type: f('Type', 'drop', { '0': 'Banner', '1': 'Lightbox', '2': 'Email', '3': 'Text Link' }),
        program_id: f('Partner Program', 'parent'),
        subject: f('Subject'),
        content: f('Content', 'longtext'),
        image_url: f('Image URL'),
        width: f('Width', 'numeric'),
        height: f('Height', 'numeric'),
        landing_url: f('Landing page'),
      },
    },
    44: {
      name: 'Open Order',
      fields: {
        ...common,
        contact_id: f('Contact', 'parent'),
        product_id: f('Product', 'parent'),
        oprid: f('Partner', 'parent'),
        status: f('Status', 'drop', { '0': 'Active', '1': 'Cancelled', '2': 'Paused' }),
        price: f('Price', 'price'),
        commission: f('Commission', 'price'),
        currency: f('Currency'),
        next_charge: f('Next Charge', 'timestamp'),
      },
    },
  };
}

/** A canonical record as this account stores it: renamed fields, this account's drop-down codes. */
export function toStored(renames: AccountRenames, objectType: number, record: EmuRecord): EmuRecord {
  const fields = renames[objectType];
  if (!fields) return record;
  const out: EmuRecord = { ...record };
  for (const [canonical, r] of Object.entries(fields)) {
    if (!(canonical in out)) continue;
    const value = out[canonical];
    delete out[canonical];
    out[r.name] = r.codes && value !== null && value !== undefined ? (r.codes[String(value)] ?? value) : value;
  }
  return out;
}

/** The inverse of {@link toStored}: what tests compare against. */
export function toCanonical(renames: AccountRenames, objectType: number, record: EmuRecord): EmuRecord {
  const fields = renames[objectType];
  if (!fields) return { ...record };
  const out: EmuRecord = { ...record };
  for (const [canonical, r] of Object.entries(fields)) {
    if (!(r.name in out)) continue;
    const value = out[r.name];
    delete out[r.name];
    const code = r.codes && value !== null && value !== undefined ? Object.entries(r.codes).find(([, own]) => own === String(value))?.[0] : undefined;
    out[canonical] = code ?? value;
  }
  return out;
}
