/**
 * The catalogue of what a configuration may name: the record sources (commissions, referred contacts, open
 * orders), their fields with a type, the operators each type accepts, and the columns a block may show.
 * Config validation, the SQL compiler and the block renderer all read this one table, so a field cannot be
 * valid in one place and unknown in another.
 */
import { COMMISSION_STATUSES } from '../store/index.js';

export type FieldType = 'enum' | 'id' | 'text' | 'money' | 'number' | 'date';

export interface FieldSpec {
  /** Column of the source table. */
  column: string;
  type: FieldType;
  /** Allowed values of an enum field. */
  values?: readonly string[];
  /** The column may be NULL ("ne" / "not_in" then keep the empty rows: "product is not X" includes no product). */
  nullable: boolean;
  label: string;
}

export type SourceName = 'commissions' | 'referred_contacts' | 'open_orders';

export interface SourceSpec {
  table: 'commissions' | 'contacts' | 'open_orders';
  /** The column holding the partner id (referred contacts: by first or last referrer). */
  partnerColumn: (referrer: 'first' | 'last') => string;
  fields: Record<string, FieldSpec>;
  /** Fields `sum` may add up; the first is the default. */
  sumFields: string[];
  /** Default sort field of a block listing this source. */
  defaultSort: string;
}

export const commissionKinds = ['sale', 'refund', 'clawback'] as const;

export const sources: Record<SourceName, SourceSpec> = {
  commissions: {
    table: 'commissions',
    partnerColumn: () => 'partner_id',
    fields: {
      status: { column: 'status', type: 'enum', values: COMMISSION_STATUSES, nullable: false, label: 'Status' },
      kind: { column: 'kind', type: 'enum', values: commissionKinds, nullable: false, label: 'Kind' },
      product: { column: 'product_id', type: 'id', nullable: true, label: 'Product' },
      promo_tool: { column: 'promo_tool_id', type: 'id', nullable: true, label: 'Promo tool' },
      sub_id: { column: 'sub_id', type: 'text', nullable: true, label: 'SubID' },
      amount: { column: 'amount_cents', type: 'money', nullable: false, label: 'Amount' },
      transaction_date: { column: 'transaction_at', type: 'date', nullable: false, label: 'Transaction date' },
      processed_date: { column: 'processed_at', type: 'date', nullable: true, label: 'Date processed' },
      paid_date: { column: 'paid_at', type: 'date', nullable: true, label: 'Date paid' },
    },
    sumFields: ['amount'],
    defaultSort: 'transaction_date',
  },
  referred_contacts: {
    table: 'contacts',
    partnerColumn: (referrer) => (referrer === 'last' ? 'last_referrer_id' : 'first_referrer_id'),
    fields: {
      first_name: { column: 'first_name', type: 'text', nullable: false, label: 'First name' },
      last_name: { column: 'last_name', type: 'text', nullable: false, label: 'Last name' },
      email: { column: 'email', type: 'text', nullable: true, label: 'Email' },
      added_date: { column: 'added_at', type: 'date', nullable: false, label: 'Date added' },
    },
    sumFields: [],
    defaultSort: 'added_date',
  },
  open_orders: {
    table: 'open_orders',
    partnerColumn: () => 'partner_id',
    fields: {
      status: { column: 'status', type: 'enum', values: ['active', 'cancelled', 'paused'], nullable: false, label: 'Status' },
      product: { column: 'product_id', type: 'id', nullable: true, label: 'Product' },
      amount: { column: 'amount_cents', type: 'money', nullable: false, label: 'Order amount' },
      commission: { column: 'commission_cents', type: 'money', nullable: false, label: 'Commission' },
      next_charge_date: { column: 'next_charge_at', type: 'date', nullable: true, label: 'Next charge' },
      start_date: { column: 'started_at', type: 'date', nullable: false, label: 'Started' },
    },
    sumFields: ['commission', 'amount'],
    defaultSort: 'start_date',
  },
};

export const sourceNames = Object.keys(sources) as SourceName[];

export type Operator = 'eq' | 'ne' | 'in' | 'not_in' | 'gt' | 'gte' | 'lt' | 'lte' | 'on_or_after' | 'before' | 'empty' | 'not_empty';

/** Which operators fit which field type. */
export const operatorsByType: Record<FieldType, readonly Operator[]> = {
  enum: ['eq', 'ne', 'in', 'not_in'],
  id: ['eq', 'ne', 'in', 'not_in', 'empty', 'not_empty'],
  text: ['eq', 'ne', 'in', 'not_in', 'empty', 'not_empty'],
  money: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte'],
  number: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte'],
  date: ['on_or_after', 'before', 'empty', 'not_empty'],
};

export const allOperators: readonly Operator[] = ['eq', 'ne', 'in', 'not_in', 'gt', 'gte', 'lt', 'lte', 'on_or_after', 'before', 'empty', 'not_empty'];

/** Operators over a rollup value (groups, tier rules). */
export const valueOperators = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte'] as const;
export type ValueOperator = (typeof valueOperators)[number];

export function compareValue(op: ValueOperator, left: number, right: number): boolean {
  switch (op) {
    case 'eq': return left === right;
    case 'ne': return left !== right;
    case 'gt': return left > right;
    case 'gte': return left >= right;
    case 'lt': return left < right;
    case 'lte': return left <= right;
  }
}

/** Columns a block of a record source may show: every field, plus the product's name for `product`. */
export function columnsOf(source: SourceName): string[] {
  return Object.keys(sources[source].fields);
}

/** Columns of the "partners of a program" source: never an email, a last name or an id. */
export const partnerColumns = ['rank', 'display_name', 'value'] as const;

/** Human list: `a, b or c`. */
export function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}
