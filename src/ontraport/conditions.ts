/**
 * A typed builder for Ontraport's `condition` parameter: a JSON array of clauses joined by the strings
 * "AND" / "OR", e.g. `[{"field":{"field":"dlm"},"op":">","value":{"value":1700000000}},"AND",...]`.
 *
 * Ontraport does not document how it reads an array that mixes "AND" and "OR" (SQL precedence, AND first, or
 * left to right), and the two readings select different records. So only conditions whose meaning does not
 * depend on it are ever sent: all ANDs, or all ORs. A mixed condition is refused by {@link toWireCondition};
 * callers split it with {@link branches} into AND-only branches, ask once per branch and merge by id (the sync
 * does; see sync/branch-pager.ts).
 *
 * `IN` / `NOT IN` send `{"value":{"list":[{"value":1},...]}}`. `IS` takes `NULL` or `NOT NULL`, sent as
 * `{"value":{"value":"NULL"}}` (the shape of IS on the wire is *unconfirmed*). Dates are Unix seconds.
 */

export type ConditionOp = '=' | '<>' | '>' | '<' | '>=' | '<=' | 'IN' | 'NOT IN' | 'IS' | 'LIKE';
export type ConditionValue = string | number;

export interface Clause {
  readonly kind: 'clause';
  readonly field: string;
  readonly op: ConditionOp;
  readonly value: ConditionValue | readonly ConditionValue[];
}
export interface Group {
  readonly kind: 'and' | 'or';
  readonly parts: readonly Condition[];
}
export type Condition = Clause | Group;

/** What one clause looks like on the wire. */
export interface WireClause {
  field: { field: string };
  op: ConditionOp;
  value: { value: ConditionValue } | { list: Array<{ value: ConditionValue }> };
}
export type WireCondition = Array<WireClause | 'AND' | 'OR'>;

/** Rewriting nested groups can multiply terms; past this the caller should simplify its condition. */
const MAX_TERMS = 64;
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function clause(field: string, op: ConditionOp, value: Clause['value']): Clause {
  if (!FIELD_NAME.test(field)) throw new TypeError(`condition field "${field}" is not a field name`);
  return { kind: 'clause', field, op, value };
}

export type ScalarOp = '=' | '<>' | '>' | '<' | '>=' | '<=' | 'LIKE';

/** Any comparison: `where('dlm', '>', 1700000000)`. */
export function where(field: string, op: ScalarOp, value: ConditionValue): Clause;
export function where(field: string, op: 'IN' | 'NOT IN', values: readonly ConditionValue[]): Clause;
export function where(field: string, op: 'IS', value: 'NULL' | 'NOT NULL'): Clause;
export function where(field: string, op: ConditionOp, value: Clause['value']): Clause {
  if ((op === 'IN' || op === 'NOT IN') !== Array.isArray(value)) {
    throw new TypeError(`condition ${field} ${op}: ${op === 'IN' || op === 'NOT IN' ? 'needs a list' : 'takes one value'}`);
  }
  if (Array.isArray(value) && value.length === 0) throw new TypeError(`condition ${field} ${op}: the list is empty`);
  if (op === 'IS' && value !== 'NULL' && value !== 'NOT NULL') throw new TypeError(`condition ${field} IS: takes NULL or NOT NULL`);
  return clause(field, op, value);
}

export const eq = (field: string, value: ConditionValue) => where(field, '=', value);
export const ne = (field: string, value: ConditionValue) => where(field, '<>', value);
export const gt = (field: string, value: ConditionValue) => where(field, '>', value);
export const gte = (field: string, value: ConditionValue) => where(field, '>=', value);
export const lt = (field: string, value: ConditionValue) => where(field, '<', value);
export const lte = (field: string, value: ConditionValue) => where(field, '<=', value);
export const like = (field: string, pattern: string) => where(field, 'LIKE', pattern);
export const isIn = (field: string, values: readonly ConditionValue[]) => where(field, 'IN', values);
export const notIn = (field: string, values: readonly ConditionValue[]) => where(field, 'NOT IN', values);
export const isNull = (field: string) => where(field, 'IS', 'NULL');
export const isNotNull = (field: string) => where(field, 'IS', 'NOT NULL');

/** All of the parts (undefined parts are dropped, so optional filters compose). */
export function and(...parts: Array<Condition | undefined>): Condition {
  const kept = parts.filter((p): p is Condition => p !== undefined);
  if (kept.length === 0) throw new TypeError('and(): no conditions');
  return kept.length === 1 ? kept[0]! : { kind: 'and', parts: kept };
}

/** Any of the parts. */
export function or(...parts: Array<Condition | undefined>): Condition {
  const kept = parts.filter((p): p is Condition => p !== undefined);
  if (kept.length === 0) throw new TypeError('or(): no conditions');
  return kept.length === 1 ? kept[0]! : { kind: 'or', parts: kept };
}

/** Disjunctive normal form: a list of terms (OR), each a list of clauses (AND). Only ever used to split. */
function toTerms(cond: Condition): Clause[][] {
  if (cond.kind === 'clause') return [[cond]];
  if (cond.kind === 'or') {
    const terms = cond.parts.flatMap(toTerms);
    if (terms.length > MAX_TERMS) throw new TypeError(`condition expands to more than ${MAX_TERMS} OR terms`);
    return terms;
  }
  let terms: Clause[][] = [[]];
  for (const part of cond.parts) {
    const partTerms = toTerms(part);
    const next: Clause[][] = [];
    for (const left of terms) for (const right of partTerms) next.push([...left, ...right]);
    if (next.length > MAX_TERMS) throw new TypeError(`condition expands to more than ${MAX_TERMS} OR terms`);
    terms = next;
  }
  return terms;
}

function wireClause(c: Clause): WireClause {
  const value = Array.isArray(c.value)
    ? { list: (c.value as readonly ConditionValue[]).map((v) => ({ value: v })) }
    : { value: c.value as ConditionValue };
  return { field: { field: c.field }, op: c.op, value };
}

/** The branches of a condition: AND-only conditions whose union (OR) is the condition. */
export function branches(cond: Condition): Condition[] {
  return toTerms(cond).map((term) => (term.length === 1 ? term[0]! : { kind: 'and', parts: term }));
}

/** True when the condition reads the same whatever the AND/OR precedence: all ANDs or all ORs. */
export function isPrecedenceFree(cond: Condition): boolean {
  const terms = toTerms(cond);
  return terms.length === 1 || terms.every((t) => t.length === 1);
}

/** The flat array Ontraport expects. Throws on a condition that mixes AND and OR (see the file comment). */
export function toWireCondition(cond: Condition): WireCondition {
  const terms = toTerms(cond);
  if (!isPrecedenceFree(cond)) {
    throw new TypeError(`condition mixes AND and OR (${terms.length} branches): Ontraport does not document their precedence; ask once per branch (conditions.branches) and merge by id`);
  }
  const out: WireCondition = [];
  terms.forEach((term, i) => {
    if (i > 0) out.push('OR');
    term.forEach((c, j) => {
      if (j > 0) out.push('AND');
      out.push(wireClause(c));
    });
  });
  return out;
}

/** The `condition` query parameter's value. */
export function conditionParam(cond: Condition): string {
  return JSON.stringify(toWireCondition(cond));
}
