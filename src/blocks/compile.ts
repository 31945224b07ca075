/**
 * Compiles conditions into kysely expressions that run unchanged on SQLite and PostgreSQL. Dates written in
 * the configuration are local calendar dates in the business's time zone; "N days before today" is resolved at
 * query time. `ne` / `not_in` on a column that may be empty keep the empty rows ("product is not X" includes
 * commissions without a product).
 */
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import { DateTime } from 'luxon';
import type { Condition, Leaf, ProductRef } from './conditions.js';

export interface CompileContext {
  /** Zone of configured dates and of "today". */
  timeZone: string;
  now: number;
}

/** Start of a local calendar day, UTC epoch ms. */
export function dayStartMs(date: string, timeZone: string): number {
  return DateTime.fromISO(date, { zone: timeZone }).startOf('day').toMillis();
}

/** Start of the day N days before today, UTC epoch ms. */
export function daysAgoStartMs(days: number, ctx: CompileContext): number {
  return DateTime.fromMillis(ctx.now, { zone: ctx.timeZone }).startOf('day').minus({ days }).toMillis();
}

/** Today's local date (`YYYY-MM-DD`): what a snapshot of a relative rollup was computed for. */
export function localToday(ctx: CompileContext): string {
  return DateTime.fromMillis(ctx.now, { zone: ctx.timeZone }).toISODate()!;
}

type Eb = ExpressionBuilder<any, any>;

function productMatch(eb: Eb, column: string, refs: ProductRef[]): Expression<SqlBool> {
  const ids = refs.flatMap((r) => ('id' in r ? [r.id] : []));
  const names = refs.flatMap((r) => ('name' in r ? [r.name] : []));
  const ontraportIds = refs.flatMap((r) => ('ontraportId' in r ? [r.ontraportId] : []));
  const parts: Expression<SqlBool>[] = [];
  if (ids.length) parts.push(eb(column, 'in', ids));
  if (names.length) parts.push(eb(column, 'in', eb.selectFrom('products').select('products.id').where('products.name', 'in', names)));
  if (ontraportIds.length) parts.push(eb(column, 'in', eb.selectFrom('products').select('products.id').where('products.ontraport_id', 'in', ontraportIds)));
  return parts.length === 1 ? parts[0]! : eb.or(parts);
}

function positive(eb: Eb, c: Leaf, column: string): Expression<SqlBool> {
  const o = c.operand;
  switch (o.t) {
    case 'string':
    case 'int':
      return eb(column, '=', o.v);
    case 'strings':
      return eb(column, 'in', o.v);
    case 'product':
      return productMatch(eb, column, [o.v]);
    case 'products':
      return productMatch(eb, column, o.v);
    default:
      throw new Error(`blocks: operand ${o.t} cannot be compared with ${c.op}`);
  }
}

function dateMs(c: Leaf, ctx: CompileContext): number {
  const o = c.operand;
  if (o.t === 'date') return dayStartMs(o.v, ctx.timeZone);
  if (o.t === 'daysAgo') return daysAgoStartMs(o.v, ctx);
  throw new Error(`blocks: ${c.path} has an unbound ${o.t} operand`);
}

function leafSql(eb: Eb, c: Leaf, alias: string, ctx: CompileContext): Expression<SqlBool> {
  const column = `${alias}.${c.spec.column}`;
  if (c.operand.t === 'param') throw new Error(`blocks: ${c.path} uses { param: ${c.operand.name} } that was never bound`);
  switch (c.op) {
    case 'eq':
    case 'in':
      return positive(eb, c, column);
    case 'ne':
    case 'not_in': {
      const not = eb.not(positive(eb, c, column));
      return c.spec.nullable ? eb.or([not, eb(column, 'is', null)]) : not;
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (c.operand.t !== 'int') throw new Error(`blocks: ${c.path} needs a number`);
      const op = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[c.op] as '>' | '>=' | '<' | '<=';
      return eb(column, op, c.operand.v);
    }
    case 'on_or_after':
      return eb(column, '>=', dateMs(c, ctx));
    case 'before':
      return eb(column, '<', dateMs(c, ctx));
    case 'empty':
      return eb(column, 'is', null);
    case 'not_empty':
      return eb(column, 'is not', null);
  }
}

const always = sql<SqlBool>`1 = 1`;
const never = sql<SqlBool>`1 = 0`;

/** One condition as an expression over the source table aliased `alias`. */
export function conditionSql(eb: Eb, c: Condition, alias: string, ctx: CompileContext): Expression<SqlBool> {
  if (c.kind === 'leaf') return leafSql(eb, c, alias, ctx);
  if (c.items.length === 0) return c.kind === 'all' ? always : never;
  const parts = c.items.map((item) => conditionSql(eb, item, alias, ctx));
  return c.kind === 'all' ? eb.and(parts) : eb.or(parts);
}

/** A condition list (joined by AND) as one expression. */
export function whereSql(eb: Eb, conditions: Condition[], alias: string, ctx: CompileContext): Expression<SqlBool> {
  return conditionSql(eb, { kind: 'all', items: conditions }, alias, ctx);
}
