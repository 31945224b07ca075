/**
 * The shapes of Ontraport's REST API as Partnergate uses them: object type ids, the response envelope, raw
 * records (Ontraport sends most values as strings: `"id": "12"`, `"price": "19.99"`), field metadata, and the
 * client configuration. Field names marked *unconfirmed* are resolved from `objects/meta` at run time.
 */

/** Object type ids (the official SDK's ObjectType.php). */
export const ObjectType = {
  Contact: 0,
  Product: 16,
  Purchase: 17,
  PartnerProgram: 35,
  Partner: 36,
  Referral: 37,
  Commission: 38,
  PartnerPromotional: 40,
  OpenOrder: 44,
  Transaction: 46,
  TrackedLink: 80,
  PartnerProgramProduct: 87,
} as const;
export type ObjectTypeId = (typeof ObjectType)[keyof typeof ObjectType];

/** Every response body: `code` 0 is success. */
export interface Envelope<T> {
  code: number;
  data: T;
  account_id?: number | string;
}

/** A value as Ontraport sends it: mostly strings, sometimes numbers, null for unset. */
export type RawValue = string | number | null;

/** Fields every record has. Everything else is optional and read through the field resolver. */
export interface BaseRecord {
  id: RawValue;
  /** Date last modified, Unix seconds. */
  dlm?: RawValue;
  [field: string]: RawValue | undefined;
}

export interface ContactRecord extends BaseRecord {
  firstname?: RawValue;
  lastname?: RawValue;
  email?: RawValue;
  /** Contact id of the first / last referring partner ("0" when none). */
  freferrer?: RawValue;
  lreferrer?: RawValue;
  /** The partner program of a contact who is a partner. */
  program_id?: RawValue;
  aff_paypal?: RawValue;
  /** Added, Unix seconds. */
  date?: RawValue;
}

export interface PurchaseRecord extends BaseRecord {
  contact_id?: RawValue;
  product_id?: RawValue;
  affiliate_id?: RawValue;
  /** The credited partner (a contact id). */
  oprid?: RawValue;
  status?: RawValue;
  date?: RawValue;
  order_id?: RawValue;
  subscription_id?: RawValue;
  price?: RawValue;
  total_price?: RawValue;
  level1?: RawValue;
  level2?: RawValue;
}

export interface ProductRecord extends BaseRecord {
  name?: RawValue;
  price?: RawValue;
}

/** Partner programs, partners, commissions, promo tools and open orders: names resolved from meta. */
export type GenericRecord = BaseRecord;

/** Typed results by object type: `listObjects(ObjectType.Contact)` gives `ContactRecord[]`. */
export interface ObjectRecordMap {
  0: ContactRecord;
  16: ProductRecord;
  17: PurchaseRecord;
  35: GenericRecord;
  36: GenericRecord;
  37: GenericRecord;
  38: GenericRecord;
  40: GenericRecord;
  44: GenericRecord;
  46: PurchaseRecord;
  80: GenericRecord;
  87: GenericRecord;
}
export type RecordOf<T extends number> = T extends keyof ObjectRecordMap ? ObjectRecordMap[T] : GenericRecord;

/** One field of `objects/meta`: its label, type and (for drop-downs) the code -> label options. */
export interface FieldMeta {
  alias: string;
  type: string;
  options?: Record<string, string>;
}

/** `objects/meta?objectID=N` for one object: its name and its fields by field name. */
export interface ObjectMeta {
  objectId: number;
  name: string;
  fields: Record<string, FieldMeta>;
}

export type SortDirection = 'asc' | 'desc';

/** The configuration of one client. Rate limit and timeouts are shared per account (base URL + app id). */
export interface OntraportClientConfig {
  /** e.g. `https://api.ontraport.com/1` (no trailing slash needed). */
  baseUrl: string;
  appId: string;
  apiKey: string;
  /** Requests allowed per rolling window (Ontraport: 180 per minute). */
  ratePerWindow?: number;
  /** Length of the rolling window in ms (60 000 in production; tests scale it down). */
  rateWindowMs?: number;
  /** Hard limit on one HTTP request, connection to last byte. */
  timeoutMs?: number;
  /** Attempts for 5xx / network errors / timeouts / unreadable bodies (first try included). */
  maxAttempts?: number;
  /** First backoff delay; doubles each retry, with full jitter, capped at `retryMaxDelayMs`. */
  retryBaseMs?: number;
  retryMaxDelayMs?: number;
  /** How many 429 answers in a row one request tolerates (each waits X-Rate-Limit-Reset). */
  maxRateLimitRetries?: number;
  /** How long `objects/meta` answers are reused. */
  metaTtlMs?: number;
}
