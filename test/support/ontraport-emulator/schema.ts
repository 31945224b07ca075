/**
 * The emulator's objects and their `objects/meta`. Field names follow Ontraport's documentation where it names
 * them (contacts, products, purchases); for partner programs, partners, commissions, promo tools and open orders
 * they are this emulator's choice, which is the point: the client must discover them from meta. The
 * `alternate` commission schema renames fields and renumbers status codes to prove it does.
 */

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

/** The alternate commission schema: canonical name -> emulator name, and canonical status code -> emulator code. */
export const alternateCommission = {
  fields: { partner_id: 'oprid', amount: 'commission', date_processed: 'processed', status: 'commission_status' } as Record<string, string>,
  statusCodes: { '0': '5', '1': '6', '2': '7', '3': '8', '4': '9' } as Record<string, string>,
  statusLabels: { '5': 'Awaiting approval', '6': 'Approved', '7': 'Paid out', '8': 'Cancelled', '9': 'Refunded' } as Record<string, string>,
};

export type CommissionSchemaVariant = 'default' | 'alternate';

export function buildSchemas(variant: CommissionSchemaVariant): Record<number, EmuObjectSchema> {
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
  if (variant === 'alternate') {
    for (const [canonical, renamed] of Object.entries(alternateCommission.fields)) {
      commissionFields[renamed] = commissionFields[canonical]!;
      delete commissionFields[canonical];
    }
    commissionFields[alternateCommission.fields.status!] = f('Commission Status', 'drop', alternateCommission.statusLabels);
  }
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
