/**
 * The condition language of rollups and blocks: a list of `{ field, op, value }` joined by AND, with nested
 * `{ all: [...] }` / `{ any: [...] }` groups. Parsing checks every field, operator and value against the field
 * catalogue and reports problems with the path of the offending field (`where[1].op`); page parameters
 * (`value: { param: startDate }`) are bound later, where the page, contest or leaderboard gives them.
 */
import { DateTime } from 'luxon';
import { allOperators, operatorsByType, orList, sources, type FieldSpec, type Operator, type SourceName } from './fields.js';

export type ProductRef = { id: number } | { name: string } | { ontraportId: number };

export type Operand =
  | { t: 'none' }
  | { t: 'string'; v: string }
  | { t: 'strings'; v: string[] }
  | { t: 'int'; v: number }
  | { t: 'product'; v: ProductRef }
  | { t: 'products'; v: ProductRef[] }
  | { t: 'date'; v: string }
  | { t: 'daysAgo'; v: number }
  | { t: 'param'; name: string };

export interface Leaf {
  kind: 'leaf';
  field: string;
  spec: FieldSpec;
  op: Operator;
  operand: Operand;
  /** Where the condition was written, e.g. `where[2]`, for messages about its parameters. */
  path: string;
}

export interface Group {
  kind: 'all' | 'any';
  items: Condition[];
}

export type Condition = Leaf | Group;

/** Receives one problem: the field path inside the item being checked and what is wrong. */
export type Report = (field: string, problem: string) => void;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  return typeof v === 'string' ? `"${v}"` : JSON.stringify(v) ?? String(v);
}

/** A date written in the configuration: `YYYY-MM-DD`, a real calendar date. */
export function validDate(v: unknown): v is string {
  return typeof v === 'string' && DATE.test(v) && DateTime.fromISO(v, { zone: 'UTC' }).isValid;
}

function parseProductRef(raw: unknown): ProductRef | string {
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw > 0) return { id: raw };
  if (isObject(raw)) {
    const keys = Object.keys(raw);
    if (keys.length === 1 && typeof raw.name === 'string' && raw.name.trim() !== '') return { name: raw.name };
    if (keys.length === 1 && typeof raw.ontraportId === 'number' && Number.isSafeInteger(raw.ontraportId)) return { ontraportId: raw.ontraportId };
  }
  return `must be a product: its id (a positive whole number), { name: "..." } or { ontraportId: N }; got ${show(raw)}`;
}

/**
 * Parses the value of one condition (or of a page parameter bound to it).
 * @returns the operand, or a sentence saying what the value must be
 */
export function parseOperand(spec: FieldSpec, field: string, op: Operator, raw: unknown, allowParam: boolean): Operand | string {
  if (op === 'empty' || op === 'not_empty') return raw === undefined ? { t: 'none' } : `operator "${op}" takes no value`;
  if (raw === undefined) return `operator "${op}" needs a value`;
  if (allowParam && isObject(raw) && 'param' in raw) {
    if (Object.keys(raw).length !== 1 || typeof raw.param !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*$/.test(raw.param)) {
      return 'a page parameter is written { param: name }';
    }
    return { t: 'param', name: raw.param };
  }
  const many = op === 'in' || op === 'not_in';
  if (many && (!Array.isArray(raw) || raw.length === 0)) return `operator "${op}" needs a non-empty list of values`;
  switch (spec.type) {
    case 'enum': {
      const values = spec.values ?? [];
      const items = many ? (raw as unknown[]) : [raw];
      const bad = items.find((v) => typeof v !== 'string' || !values.includes(v));
      if (bad !== undefined) return `${show(bad)} is not a ${field} (use ${orList(values)})`;
      return many ? { t: 'strings', v: items as string[] } : { t: 'string', v: raw as string };
    }
    case 'text': {
      const items = many ? (raw as unknown[]) : [raw];
      if (items.some((v) => typeof v !== 'string')) return `must be text${many ? ' (a list of texts)' : ''}`;
      return many ? { t: 'strings', v: items as string[] } : { t: 'string', v: raw as string };
    }
    case 'id': {
      const items = many ? (raw as unknown[]) : [raw];
      const refs: ProductRef[] = [];
      for (const item of items) {
        const ref = parseProductRef(item);
        if (typeof ref === 'string') return ref;
        refs.push(ref);
      }
      return many ? { t: 'products', v: refs } : { t: 'product', v: refs[0]! };
    }
    case 'money':
    case 'number':
      if (typeof raw !== 'number' || !Number.isSafeInteger(raw)) {
        return spec.type === 'money' ? `must be a whole number of cents (10000 = 100.00); got ${show(raw)}` : `must be a whole number; got ${show(raw)}`;
      }
      return { t: 'int', v: raw };
    case 'date':
      if (validDate(raw)) return { t: 'date', v: raw };
      if (isObject(raw) && Object.keys(raw).length === 1 && typeof raw.daysAgo === 'number' && Number.isSafeInteger(raw.daysAgo) && raw.daysAgo >= 0) {
        return { t: 'daysAgo', v: raw.daysAgo };
      }
      return `must be a date as YYYY-MM-DD or { daysAgo: N } (N days before today); got ${show(raw)}`;
  }
}

/**
 * Parses a condition list of `source`. Problems go to `report` with paths under `path` (e.g. `where`).
 * @returns the conditions that parsed (callers stop when anything was reported)
 */
export function parseConditions(raw: unknown, source: SourceName, path: string, report: Report): Condition[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    report(path, 'must be a list of conditions such as - { field: status, op: eq, value: approved }');
    return [];
  }
  const out: Condition[] = [];
  raw.forEach((item, i) => {
    const here = `${path}[${i}]`;
    if (!isObject(item)) {
      report(here, 'must be a condition such as { field: status, op: eq, value: approved } or { any: [...] }');
      return;
    }
    if ('all' in item || 'any' in item) {
      const kind = 'all' in item ? 'all' : 'any';
      const extra = Object.keys(item).filter((k) => k !== kind);
      if (extra.length) return report(`${here}.${extra[0]}`, `unknown field (a group has only "${kind}")`);
      const items = parseConditions(item[kind], source, `${here}.${kind}`, report);
      out.push({ kind, items });
      return;
    }
    const unknown = Object.keys(item).find((k) => !['field', 'op', 'value'].includes(k));
    if (unknown) return report(`${here}.${unknown}`, 'unknown field (known fields: field, op, value; or a group: all, any)');
    const fields = sources[source].fields;
    const field = item.field;
    if (typeof field !== 'string' || !(field in fields)) {
      return report(`${here}.field`, `unknown field ${show(field)} of ${source} (known: ${Object.keys(fields).join(', ')})`);
    }
    const spec = fields[field]!;
    const op = item.op;
    if (typeof op !== 'string' || !(allOperators as readonly string[]).includes(op)) {
      return report(`${here}.op`, `unknown operator ${show(op)} (known: ${allOperators.join(', ')})`);
    }
    const fitting = operatorsByType[spec.type];
    if (!fitting.includes(op as Operator)) {
      return report(`${here}.op`, `operator "${op}" does not fit field "${field}" (${spec.type}); use ${orList(fitting)}`);
    }
    const operand = parseOperand(spec, field, op as Operator, item.value, true);
    if (typeof operand === 'string') return report(`${here}.value`, operand);
    out.push({ kind: 'leaf', field, spec, op: op as Operator, operand, path: here });
  });
  return out;
}

/** Names of the page parameters the conditions use. */
export function paramsOf(conditions: Condition[], into = new Set<string>()): Set<string> {
  for (const c of conditions) {
    if (c.kind === 'leaf') {
      if (c.operand.t === 'param') into.add(c.operand.name);
    } else paramsOf(c.items, into);
  }
  return into;
}

/**
 * Replaces `{ param: x }` operands by the values in `params`, checked against the field they are used with.
 * Problems are reported as `params.<name>` (the field the user must fix) naming the condition that uses it.
 */
/** `bindParams` for a caller that must stop at the first problem: the bound conditions, or undefined once any was reported. */
export function bindParamsOrReport(conditions: Condition[], params: Record<string, unknown>, report: Report, usedBy: string): Condition[] | undefined {
  let failed = false;
  const bound = bindParams(conditions, params, (f, p) => {
    failed = true;
    report(f, p);
  }, usedBy);
  return failed ? undefined : bound;
}

export function bindParams(conditions: Condition[], params: Record<string, unknown>, report: Report, usedBy: string): Condition[] {
  return conditions.map((c): Condition => {
    if (c.kind !== 'leaf') return { kind: c.kind, items: bindParams(c.items, params, report, usedBy) };
    if (c.operand.t !== 'param') return c;
    const name = c.operand.name;
    if (!(name in params)) {
      report(`params.${name}`, `missing: ${usedBy} ${c.path} compares field "${c.field}" with { param: ${name} }`);
      return c;
    }
    const operand = parseOperand(c.spec, c.field, c.op, params[name], false);
    if (typeof operand === 'string') {
      report(`params.${name}`, `${operand} (used by ${usedBy} ${c.path}, field "${c.field}")`);
      return c;
    }
    return { ...c, operand };
  });
}

/** A short human description, for listings (`status in approved, paid AND processed_date on_or_after 365 days ago`). */
export function describeConditions(conditions: Condition[], joiner = ' AND '): string {
  const operand = (o: Operand): string => {
    switch (o.t) {
      case 'none': return '';
      case 'string': return o.v;
      case 'strings': return o.v.join(', ');
      case 'int': return String(o.v);
      case 'product': return productLabel(o.v);
      case 'products': return o.v.map(productLabel).join(', ');
      case 'date': return o.v;
      case 'daysAgo': return `${o.v} days ago`;
      case 'param': return `{${o.name}}`;
    }
  };
  return conditions
    .map((c) => (c.kind === 'leaf' ? `${c.field} ${c.op}${c.operand.t === 'none' ? '' : ` ${operand(c.operand)}`}` : `(${describeConditions(c.items, c.kind === 'any' ? ' OR ' : ' AND ')})`))
    .join(joiner);
}

function productLabel(ref: ProductRef): string {
  return 'id' in ref ? `#${ref.id}` : 'name' in ref ? `"${ref.name}"` : `ontraport #${ref.ontraportId}`;
}
