/**
 * The emulator's reading of Ontraport's `condition` parameter, strictly: a flat JSON array of clauses joined
 * by "AND" / "OR", each clause on a field the object has, with the value shape its operator takes
 * (`{"value":x}`, `{"list":[{"value":x},...]}` for IN / NOT IN, "NULL" / "NOT NULL" for IS, a number for a
 * comparison on a numeric field). Anything else is a 400, so the client is proven to send only that form.
 *
 * How a mixed AND/OR array is evaluated is not documented, so the emulator offers the readings a server might
 * use: `and-first` (SQL precedence), `or-first` (OR binds tighter) and `left-to-right` (each joiner applied to
 * the result so far). A client whose results differ between them depends on something Ontraport never promised. String comparisons ignore case, as
 * MySQL's default collation does.
 */
import type { EmuFieldMeta } from './schema.js';

export type EmuValue = string | number | null | undefined;
export type EmuRecord = Record<string, EmuValue>;
export type ConditionOrder = 'and-first' | 'or-first' | 'left-to-right';

interface Clause {
  field: string;
  op: string;
  value?: EmuValue;
  list?: EmuValue[];
}

export interface ParsedCondition {
  clauses: Clause[];
  /** joiners[i] joins clauses[i] and clauses[i + 1] */
  joiners: Array<'AND' | 'OR'>;
}

export class ConditionError extends Error {}

const OPS = new Set(['=', '<>', '>', '<', '>=', '<=', 'IN', 'NOT IN', 'IS', 'LIKE']);
const NUMERIC_TYPES = new Set(['numeric', 'timestamp', 'parent', 'price', 'check']);

const isScalar = (v: unknown): v is string | number => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
const isNumeric = (v: EmuValue): boolean => v !== null && v !== undefined && v !== '' && Number.isFinite(Number(v));

function parseClause(raw: unknown, index: number, fields: Record<string, EmuFieldMeta>): Clause {
  const c = raw as { field?: { field?: unknown }; op?: unknown; value?: unknown };
  if (!c || typeof c !== 'object' || Array.isArray(c) || typeof c.field?.field !== 'string') throw new ConditionError(`condition[${index}]: expected {"field":{"field":name},...}`);
  const field = c.field.field;
  const meta = fields[field];
  if (!meta) throw new ConditionError(`condition[${index}]: unknown field "${field}"`);
  if (typeof c.op !== 'string' || !OPS.has(c.op)) throw new ConditionError(`condition[${index}]: unknown op ${JSON.stringify(c.op)}`);
  const v = c.value as { value?: unknown; list?: unknown } | undefined;
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ConditionError(`condition[${index}]: ${c.op} needs a {"value":..} object`);
  const numeric = NUMERIC_TYPES.has(meta.type);
  if (c.op === 'IN' || c.op === 'NOT IN') {
    if ('value' in v || !Array.isArray(v.list) || v.list.length === 0) throw new ConditionError(`condition[${index}]: ${c.op} takes {"list":[{"value":..},..]}`);
    const list = v.list.map((item) => (item && typeof item === 'object' ? (item as { value?: unknown }).value : undefined));
    if (!list.every(isScalar)) throw new ConditionError(`condition[${index}]: ${c.op} list items must be {"value":string|number}`);
    if (numeric && !list.every(isNumeric)) throw new ConditionError(`condition[${index}]: ${field} is ${meta.type}: ${c.op} takes numbers`);
    return { field, op: c.op, list };
  }
  if ('list' in v || !isScalar(v.value)) throw new ConditionError(`condition[${index}]: ${c.op} takes {"value":string|number}`);
  const value = v.value;
  if (c.op === 'IS' && value !== 'NULL' && value !== 'NOT NULL') throw new ConditionError(`condition[${index}]: IS takes NULL or NOT NULL`);
  if (c.op === 'LIKE' && typeof value !== 'string') throw new ConditionError(`condition[${index}]: LIKE takes a string pattern`);
  if (numeric && c.op !== 'IS' && c.op !== 'LIKE' && !isNumeric(value)) throw new ConditionError(`condition[${index}]: ${field} is ${meta.type}: ${c.op} takes a number, not ${JSON.stringify(value)}`);
  return { field, op: c.op, value };
}

/** Parses the parameter against the object's fields (a ConditionError says what is wrong, for a 400). */
export function parseCondition(text: string, fields: Record<string, EmuFieldMeta>): ParsedCondition {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ConditionError('condition is not JSON');
  }
  if (!Array.isArray(raw) || raw.length === 0) throw new ConditionError('condition must be a non-empty array');
  if (raw.length % 2 === 0) throw new ConditionError('condition ends with a joiner');
  const parsed: ParsedCondition = { clauses: [], joiners: [] };
  raw.forEach((item, i) => {
    if (i % 2 === 0) {
      if (Array.isArray(item)) throw new ConditionError(`condition[${i}]: nested groups are not part of the documented form`);
      parsed.clauses.push(parseClause(item, i, fields));
    } else if (item === 'AND' || item === 'OR') {
      parsed.joiners.push(item);
    } else {
      throw new ConditionError(`condition[${i}]: expected "AND" or "OR"`);
    }
  });
  return parsed;
}

function compare(a: EmuValue, b: EmuValue): number {
  if (isNumeric(a) && isNumeric(b)) return Number(a) - Number(b);
  const x = String(a ?? '').toLowerCase();
  const y = String(b ?? '').toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

function likeToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
  return new RegExp(`^${body}$`, 'is');
}

function test(record: EmuRecord, c: Clause): boolean {
  const actual = record[c.field];
  switch (c.op) {
    case 'IS':
      return c.value === 'NULL' ? actual === null || actual === undefined : actual !== null && actual !== undefined;
    case 'IN':
      return actual !== null && actual !== undefined && c.list!.some((v) => compare(actual, v) === 0);
    case 'NOT IN':
      return actual !== null && actual !== undefined && c.list!.every((v) => compare(actual, v) !== 0);
    case 'LIKE':
      return actual !== null && actual !== undefined && likeToRegExp(String(c.value)).test(String(actual));
  }
  if (actual === null || actual === undefined) return false; // SQL: comparisons with NULL are not true
  const d = compare(actual, c.value);
  switch (c.op) {
    case '=':
      return d === 0;
    case '<>':
      return d !== 0;
    case '>':
      return d > 0;
    case '<':
      return d < 0;
    case '>=':
      return d >= 0;
    default:
      return d <= 0;
  }
}

export function matches(record: EmuRecord, cond: ParsedCondition, order: ConditionOrder): boolean {
  const results = cond.clauses.map((c) => test(record, c));
  if (order === 'left-to-right') {
    return cond.joiners.reduce((acc, joiner, i) => (joiner === 'AND' ? acc && results[i + 1]! : acc || results[i + 1]!), results[0]!);
  }
  if (order === 'or-first') {
    // AND of the OR runs
    let term = results[0]!;
    for (let i = 0; i < cond.joiners.length; i++) {
      if (cond.joiners[i] === 'AND') {
        if (!term) return false;
        term = results[i + 1]!;
      } else {
        term = term || results[i + 1]!;
      }
    }
    return term;
  }
  // and-first: OR of the AND runs
  let term = results[0]!;
  for (let i = 0; i < cond.joiners.length; i++) {
    if (cond.joiners[i] === 'OR') {
      if (term) return true;
      term = results[i + 1]!;
    } else {
      term = term && results[i + 1]!;
    }
  }
  return term;
}

export function compareForSort(a: EmuValue, b: EmuValue): number {
  return compare(a, b);
}
