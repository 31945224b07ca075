/**
 * Reading Ontraport records safely: field names resolved from `objects/meta` (first candidate the account
 * has wins), drop-down codes translated through their option labels, and value parsers that throw
 * {@link MalformedRecord} (the record is skipped and reported, the sync goes on). Fields the sync does not
 * name are ignored.
 *
 * Why candidates: Ontraport documents contacts, products and purchases; for partner programs, partners,
 * commissions (object 38), promo tools and open orders the field names and status codes are *unconfirmed*,
 * so each spec lists the plausible names and the meta of the real account decides. An account may also have
 * made its own (custom fields are named `f1234`): then the field is found by its label in meta (`alias`),
 * and only when exactly one not yet taken field carries a matching label. Otherwise the object type is
 * refused with a message naming the object, what was looked for and the fields the account has.
 */
import { AppError } from '../../common/errors.js';
import type { BaseRecord, FieldMeta, ObjectMeta, RawValue } from '../types.js';

/** One record cannot be read (`ontraport.malformed_record`): it is skipped, the rest of its type syncs. */
export class MalformedRecord extends AppError {
  constructor(message: string) {
    super('ontraport.malformed_record', message);
  }
}

/** A missing required field or an unusable meta: the whole object type cannot be synced. */
export class SchemaMismatch extends AppError {
  constructor(message: string) {
    super('ontraport.schema_mismatch', message);
  }
}

export interface FieldWant {
  /** Field names, most likely first. */
  candidates: readonly string[];
  /** Labels (meta `alias`) that mean this field, tried when no candidate name exists. Anchor them. */
  labels?: readonly RegExp[];
  required?: boolean;
}
export type FieldWants<K extends string> = Record<K, FieldWant>;

/** Logical field -> the account's field name (undefined when the account has none of the candidates). */
export class ResolvedFields<K extends string> {
  constructor(
    readonly names: Record<K, string | undefined>,
    private readonly meta: ObjectMeta,
  ) {}

  has(key: K): boolean {
    return this.names[key] !== undefined;
  }

  name(key: K): string {
    const n = this.names[key];
    if (n === undefined) throw new SchemaMismatch(`${this.meta.name}: no field for ${key}`);
    return n;
  }

  raw(record: BaseRecord, key: K): RawValue | undefined {
    const n = this.names[key];
    return n === undefined ? undefined : record[n];
  }

  field(key: K): FieldMeta | undefined {
    const n = this.names[key];
    return n === undefined ? undefined : this.meta.fields[n];
  }
}

export function resolveFields<K extends string>(meta: ObjectMeta, wants: FieldWants<K>): ResolvedFields<K> {
  const names = {} as Record<K, string | undefined>;
  const taken = new Set<string>();
  const keys = Object.keys(wants) as K[];
  for (const key of keys) {
    names[key] = wants[key].candidates.find((c) => (c in meta.fields || c === 'id') && !taken.has(c));
    if (names[key] !== undefined) taken.add(names[key]!);
  }
  const problems: string[] = [];
  for (const key of keys) {
    const want = wants[key];
    if (names[key] !== undefined || !want.labels?.length) continue;
    const byLabel = Object.entries(meta.fields).filter(([name, f]) => !taken.has(name) && want.labels!.some((re) => re.test(f.alias.trim())));
    if (byLabel.length === 1) {
      names[key] = byLabel[0]![0];
      taken.add(byLabel[0]![0]);
    } else if (byLabel.length > 1 && want.required) {
      problems.push(`${key}: several fields are labelled like it (${byLabel.map(([n, f]) => `${n} "${f.alias}"`).join(', ')})`);
    }
  }
  for (const key of keys) {
    const want = wants[key];
    if (names[key] !== undefined || !want.required || problems.some((p) => p.startsWith(`${key}:`))) continue;
    const labels = want.labels?.length ? ` or labelled ${want.labels.map(String).join(' ')}` : '';
    problems.push(`${key}: no field named ${want.candidates.join(', ')}${labels}`);
  }
  if (problems.length) {
    const found = Object.entries(meta.fields).map(([n, f]) => `${n} "${f.alias}"`).join(', ');
    throw new SchemaMismatch(`Ontraport object ${meta.objectId} (${meta.name}): ${problems.join('; ')}. The account has: ${found}`);
  }
  return new ResolvedFields(names, meta);
}

/** How the wanted fields were mapped: Partnergate's name -> the account's field (for `ontraport check`). */
export function describeMapping<K extends string>(fields: ResolvedFields<K>): Record<string, string | null> {
  return Object.fromEntries(Object.entries(fields.names).map(([k, v]) => [k, (v as string | undefined) ?? null]));
}

/**
 * Translates drop-down codes to our values by their labels (first matching rule wins, so list the narrow
 * words first: "Unapproved" before "Approved", "Inactive" before "Active"). Without options in meta, a value
 * that is itself a label (text) is matched directly.
 */
export function optionTranslator<T extends string>(field: FieldMeta | undefined, rules: ReadonlyArray<readonly [RegExp, T]>, what: string) {
  const byCode = new Map<string, T>();
  for (const [code, label] of Object.entries(field?.options ?? {})) {
    const rule = rules.find(([re]) => re.test(label));
    if (rule) byCode.set(code, rule[1]);
  }
  return (value: RawValue | undefined): T => {
    const code = value === null || value === undefined ? '' : String(value).trim();
    const mapped = byCode.get(code) ?? (field?.options?.[code] === undefined && code !== '' ? rules.find(([re]) => re.test(code))?.[1] : undefined);
    if (mapped === undefined) {
      const label = field?.options?.[code];
      throw new MalformedRecord(`${what} ${JSON.stringify(code)}${label ? ` (${label})` : ''} is not one Partnergate knows`);
    }
    return mapped;
  };
}

// ---- value parsers ----------------------------------------------------------------------------------------

const isBlank = (v: RawValue | undefined): boolean => v === null || v === undefined || (typeof v === 'string' && v.trim() === '');

/** A referenced record id; 0 / blank mean "none". */
export function optionalId(v: RawValue | undefined, what: string): number | null {
  if (isBlank(v)) return null;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new MalformedRecord(`${what} ${JSON.stringify(v)} is not an id`);
  return n === 0 ? null : n;
}

export function requiredId(v: RawValue | undefined, what: string): number {
  const id = optionalId(v, what);
  if (id === null) throw new MalformedRecord(`${what} is missing`);
  return id;
}

/** Unix seconds -> epoch ms; 0 / blank -> null. */
export function optionalTime(v: RawValue | undefined, what: string): number | null {
  if (isBlank(v)) return null;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 32_503_680_000) throw new MalformedRecord(`${what} ${JSON.stringify(v)} is not a Unix time`);
  return n === 0 ? null : Math.round(n * 1000);
}

export function requiredTime(v: RawValue | undefined, what: string): number {
  const t = optionalTime(v, what);
  if (t === null) throw new MalformedRecord(`${what} is missing`);
  return t;
}

/** Trimmed text; blank -> null. */
export function optionalText(v: RawValue | undefined, maxLength = 10_000): string | null {
  if (isBlank(v)) return null;
  return String(v).trim().slice(0, maxLength);
}

/** A decimal amount ("19.99", "-5", "12.3450") -> integer cents, rounding half away from zero. */
export function cents(v: RawValue | undefined, what: string): number {
  if (isBlank(v)) throw new MalformedRecord(`${what} is missing`);
  // JSON numbers may carry float noise (0.30000000000000004): six decimals are plenty to round to cents.
  const text = typeof v === 'number' && Number.isFinite(v) ? v.toFixed(6) : String(v).trim();
  const m = /^([+-])?(\d{1,13})(?:\.(\d{1,6}))?$/.exec(text);
  if (!m) throw new MalformedRecord(`${what} ${JSON.stringify(text)} is not an amount`);
  const frac = (m[3] ?? '').padEnd(3, '0');
  let value = Number(m[2]) * 100 + Number(frac.slice(0, 2));
  if (Number(frac[2]) >= 5) value += 1;
  return m[1] === '-' && value !== 0 ? -value : value;
}

export function optionalCents(v: RawValue | undefined, what: string): number | null {
  return isBlank(v) ? null : cents(v, what);
}

/** An ISO 4217 code, or null when blank. */
export function optionalCurrency(v: RawValue | undefined, what: string): string | null {
  if (isBlank(v)) return null;
  const code = String(v).trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(code)) throw new MalformedRecord(`${what} ${JSON.stringify(v)} is not an ISO 4217 code`);
  return code;
}

/** A non-negative integer (sizes, counts); blank -> null. */
export function optionalInt(v: RawValue | undefined, what: string): number | null {
  if (isBlank(v)) return null;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new MalformedRecord(`${what} ${JSON.stringify(v)} is not a whole number`);
  return n;
}

/** A percentage ("12.5") -> basis points (1250). */
export function percentToBasisPoints(v: RawValue | undefined, what: string): number {
  if (isBlank(v)) return 0;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new MalformedRecord(`${what} ${JSON.stringify(v)} is not a percentage`);
  return Math.round(n * 100);
}

/** The record's own id. */
export function recordId(record: BaseRecord): number {
  return requiredId(record.id, 'id');
}
