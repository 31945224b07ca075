/**
 * The emulator's reading of a request's parameters, strictly: each route's known parameters (for writes, the
 * object's fields too), conditions (conditions.ts), search, paging, sorting and field lists on known fields only.
 */
import { compareForSort, matches, parseCondition, type ConditionOrder, type EmuRecord } from './conditions.js';
import type { EmuFieldMeta } from './schema.js';
import { HttpError, serialise } from './wire.js';

/** The parameters each route takes (for writes, the object's fields too): anything else is a 400. */
export const PARAMS: Record<string, Set<string>> = {
  'GET /object': new Set(['objectID', 'id']),
  'GET /objects': new Set(['objectID', 'start', 'range', 'sort', 'sortDir', 'condition', 'search', 'listFields']),
  'GET /objects/getInfo': new Set(['objectID', 'condition', 'search']),
  'GET /objects/meta': new Set(['objectID', 'format']),
  'GET /object/getByEmail': new Set(['objectID', 'email']),
  'PUT /objects': new Set(['objectID', 'id']),
  'POST /objects': new Set(['objectID']),
};

/** Refuses a parameter the route does not take (a write's body may also carry the object's fields). */
export function checkParams(key: string, input: Record<string, unknown>, fields: Record<string, EmuFieldMeta>, objectId: number): void {
  const allowed = PARAMS[key]!;
  const writing = !key.startsWith('GET ');
  for (const name of Object.keys(input)) {
    if (allowed.has(name) || (writing && name in fields)) continue;
    throw new HttpError(400, writing ? `unknown field "${name}" for objectID ${objectId}` : `unknown parameter "${name}"`);
  }
}

export function filterRecords(records: EmuRecord[], input: Record<string, unknown>, fields: Record<string, EmuFieldMeta>, order: ConditionOrder): EmuRecord[] {
  let out = records;
  if (typeof input.condition === 'string' && input.condition !== '') {
    const condition = parseCondition(input.condition, fields);
    out = out.filter((r) => matches(r, condition, order));
  }
  if (typeof input.search === 'string' && input.search !== '') {
    const needle = input.search.toLowerCase();
    out = out.filter((r) => ['firstname', 'lastname', 'email', 'name'].some((f) => String(r[f] ?? '').toLowerCase().includes(needle)));
  }
  return out;
}

/** One page of `GET /objects`: checks paging, sort and field list before reading (`filtered`) anything. */
export function listPage(input: Record<string, unknown>, known: Record<string, EmuFieldMeta>, filtered: () => EmuRecord[]): unknown[] {
  const start = input.start === undefined ? 0 : Number(input.start);
  const range = input.range === undefined ? 50 : Number(input.range);
  if (!Number.isInteger(start) || start < 0) throw new HttpError(400, 'start must be a non-negative integer');
  if (!Number.isInteger(range) || range < 1 || range > 50) throw new HttpError(400, 'range must be 1..50');
  const sortField = typeof input.sort === 'string' && input.sort ? input.sort : 'id';
  if (!(sortField in known)) throw new HttpError(400, `sort: unknown field "${sortField}"`);
  if (input.sortDir !== undefined && input.sortDir !== 'asc' && input.sortDir !== 'desc') throw new HttpError(400, 'sortDir must be asc or desc');
  const fields = typeof input.listFields === 'string' && input.listFields ? ['id', ...input.listFields.split(',')] : undefined;
  const unknownField = fields?.find((f) => !(f in known));
  if (unknownField !== undefined) throw new HttpError(400, `listFields: unknown field "${unknownField}"`);
  const records = filtered();
  const dir = input.sortDir === 'desc' ? -1 : 1;
  const order = (a: EmuRecord, b: EmuRecord) => dir * compareForSort(a[sortField], b[sortField]) || Number(a.id) - Number(b.id);
  // Tables are kept in insertion (id) order, so the common "sort by id" page needs no sort: checking is O(n).
  if (!records.every((r, i) => i === 0 || order(records[i - 1]!, r) <= 0)) records.sort(order);
  return records.slice(start, start + range).map((r) => serialise(fields ? Object.fromEntries(fields.map((f) => [f, r[f]])) : r));
}
