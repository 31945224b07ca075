/**
 * Queries whose shape never changes, built and compiled by kysely once per database handle; each call only
 * binds its values. For the query every signed-in request runs (the session with its account and partner, in
 * `auth/sessions.repo.ts`): building and compiling its joins was about 7% of a page's CPU, for the same SQL
 * every time.
 * Kysely's own recipe for this ("splitting query building and execution") compiles once and runs the
 * CompiledQuery; this adds the binding of new values.
 */
import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import type { Database } from './tables.js';
import type { Db } from './db.js';

const marker = (i: number) => `\u0000partnergate-value-${i}\u0000`;

interface Compiled {
  sql: string;
  /** For each parameter: the index of the call's argument it takes, or a constant the query itself holds. */
  slots: Array<{ arg: number } | { value: unknown }>;
}

/**
 * `build(db, ...args)` must use every argument only as a value (`where('id', '=', id)`), never to choose the
 * query's shape; it is called once per handle with stand-ins, and a stand-in missing from the compiled
 * parameters (an argument used for shape) is refused at that first call.
 */
export function compiledOnce<A extends unknown[], R>(build: (db: Kysely<Database>, ...args: A) => Compilable<R>): (db: Db, ...args: A) => Promise<R[]> {
  // A transaction is a new handle each time: compiled again per transaction, still correct.
  const byHandle = new WeakMap<Db, Compiled>();
  const compile = (db: Db, arity: number): Compiled => {
    const standIns = Array.from({ length: arity }, (_, i) => marker(i)) as unknown as A;
    const q = build(db as Kysely<Database>, ...standIns).compile();
    const slots = q.parameters.map((p) => {
      const arg = typeof p === 'string' ? standIns.indexOf(p as never) : -1;
      return arg >= 0 ? { arg } : { value: p };
    });
    const used = new Set(slots.flatMap((s) => ('arg' in s ? [s.arg] : [])));
    if (used.size !== arity || q.sql.includes('\u0000')) throw new Error(`compiledOnce: every argument must be bound as a value exactly where the query uses it (${q.sql.slice(0, 80)})`);
    return { sql: q.sql, slots };
  };
  return async (db, ...args) => {
    let c = byHandle.get(db);
    if (!c) byHandle.set(db, (c = compile(db, args.length)));
    const parameters = c.slots.map((s) => ('arg' in s ? args[s.arg] : s.value));
    const { rows } = await db.executeQuery<R>(CompiledQuery.raw(c.sql, parameters) as CompiledQuery<R>);
    return rows;
  };
}
