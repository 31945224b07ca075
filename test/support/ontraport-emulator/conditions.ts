/**
 * The emulator's reading of Ontraport's `condition` parameter: a flat JSON array of clauses joined by "AND" /
 * "OR", AND binding tighter than OR (as the SQL Ontraport builds from it). Anything else is a 400, so the client
 * is proven to send only the documented form. String comparisons ignore case, as MySQL's default collation does.
 */
export type EmuValue = string | number | null | undefined;
export type EmuRecord = Record<string, EmuValue>;

interface Clause {
  field: string;
  op: string;
  value?: EmuValue;
  list?: EmuValue[];
}

export class ConditionError extends Error {}

const OPS = new Set(['=', '<>', '>', '<', '>=', '<=', 'IN', 'NOT IN', 'IS', 'LIKE']);

function parseClause(raw: unknown, index: number): Clause {
  const c = raw as { field?: { field?: unknown }; op?: unknown; value?: unknown };
  if (!c || typeof c !== 'object' || typeof c.field?.field !== 'string') throw new ConditionError(`condition[${index}]: expected {"field":{"field":name},...}`);
  if (typeof c.op !== 'string' || !OPS.has(c.op)) throw new ConditionError(`condition[${index}]: unknown op ${JSON.stringify(c.op)}`);
  const v = c.value as { value?: unknown; list?: unknown } | string | undefined;
  if (c.op === 'IN' || c.op === 'NOT IN') {
    if (!v || typeof v !== 'object' || !Array.isArray(v.list) || v.list.length === 0) throw new ConditionError(`condition[${index}]: ${c.op} needs {"list":[{"value":..}]}`);
    return { field: c.field.field, op: c.op, list: v.list.map((item) => (item as { value?: EmuValue })?.value) };
  }
  // IS accepts {"value":"NULL"} and the bare string "NULL" (the real wire shape is unconfirmed).
  const value = typeof v === 'string' ? v : v && typeof v === 'object' && 'value' in v ? (v.value as EmuValue) : undefined;
  if (value === undefined) throw new ConditionError(`condition[${index}]: missing {"value":..}`);
  if (c.op === 'IS' && value !== 'NULL' && value !== 'NOT NULL') throw new ConditionError(`condition[${index}]: IS takes NULL or NOT NULL`);
  return { field: c.field.field, op: c.op, value };
}

/** Parses the parameter into OR-terms of AND-clauses. */
export function parseCondition(text: string): Clause[][] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ConditionError('condition is not JSON');
  }
  if (!Array.isArray(raw) || raw.length === 0) throw new ConditionError('condition must be a non-empty array');
  const terms: Clause[][] = [[]];
  raw.forEach((item, i) => {
    const expectClause = i % 2 === 0;
    if (expectClause) {
      if (Array.isArray(item)) throw new ConditionError(`condition[${i}]: nested groups are not part of the documented form`);
      terms[terms.length - 1]!.push(parseClause(item, i));
    } else if (item === 'OR') {
      terms.push([]);
    } else if (item !== 'AND') {
      throw new ConditionError(`condition[${i}]: expected "AND" or "OR"`);
    }
  });
  if (raw.length % 2 === 0) throw new ConditionError('condition ends with a joiner');
  return terms;
}

const isNumeric = (v: EmuValue): boolean => v !== null && v !== undefined && v !== '' && Number.isFinite(Number(v));

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
      return c.list!.some((v) => compare(actual, v) === 0);
    case 'NOT IN':
      return c.list!.every((v) => compare(actual, v) !== 0);
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

export function matches(record: EmuRecord, terms: Clause[][]): boolean {
  return terms.some((term) => term.every((c) => test(record, c)));
}

export function compareForSort(a: EmuValue, b: EmuValue): number {
  return compare(a, b);
}
