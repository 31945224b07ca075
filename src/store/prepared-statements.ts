/**
 * Kysely's queries on PostgreSQL as named prepared statements: node-pg parses a named statement once per
 * connection, so PostgreSQL parses and plans a partner page's few queries once instead of on every request
 * (that halved PostgreSQL's CPU per page at 16 concurrent partners). A text is named from its second use, so
 * one-off statements (migrations, reports run once) never take a name; statements with many parameters (bulk
 * inserts, long IN lists, whose texts vary with their size) and anything but DML stay unnamed; and a pool
 * names at most `max` texts, so no connection's statement cache grows without bound. Past the cap every
 * statement simply runs unnamed, as before. A table whose columns changed under a running gateway (a newer
 * version migrated the store during a rolling deploy) makes PostgreSQL refuse a prepared `select *` ("cached
 * plan must not change result type"): that statement is then run unnamed, now and from then on (inside a
 * transaction the transaction fails once, as it would on any error).
 */
import type pg from 'pg';

const DML = /^\s*(select|insert|update|delete|with)\b/i;
const MAX_PARAMETERS = 32;
const MAX_TEXT = 8_000;
/** SQLSTATE of "cached plan must not change result type". */
const STALE_PLAN = '0A000';

/** Which statement texts one pool runs named (one instance per pool: names are per connection). */
export class StatementNames {
  private readonly named = new Map<string, string>();
  private readonly seenOnce = new Set<string>();
  private readonly refused = new Set<string>();
  /** Names ever given: never reused, since a connection may still hold an unnamed text's old name. */
  private given = 0;

  constructor(private readonly max = 512) {}

  /** The name to run `text` under, or undefined to run it unnamed. */
  nameFor(text: string, parameterCount: number): string | undefined {
    const known = this.named.get(text);
    if (known !== undefined) return known;
    if (this.refused.has(text) || this.given >= this.max || parameterCount > MAX_PARAMETERS || text.length > MAX_TEXT || !DML.test(text)) return undefined;
    if (!this.seenOnce.has(text)) {
      if (this.seenOnce.size >= 4 * this.max) this.seenOnce.clear();
      this.seenOnce.add(text);
      return undefined;
    }
    this.seenOnce.delete(text);
    const name = `partnergate_${this.given++}`;
    this.named.set(text, name);
    return name;
  }

  /** Never name `text` again (its prepared form went stale on some connection). */
  unname(text: string): void {
    if (this.named.delete(text)) this.refused.add(text);
  }

  get size(): number {
    return this.named.size;
  }
}

/** Makes `client.query(text, values)` (how kysely's PostgreSQL driver calls it) use the pool's names. */
export function prepareRepeatedQueries(client: pg.PoolClient, names: StatementNames): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (config: unknown, values?: unknown, callback?: unknown) => {
    if (typeof config === 'string' && Array.isArray(values) && callback === undefined) {
      const name = names.nameFor(config, values.length);
      if (name !== undefined) {
        return (query({ name, text: config, values }) as Promise<unknown>).catch((err: { code?: string }) => {
          if (err?.code !== STALE_PLAN) throw err;
          names.unname(config);
          return query(config, values);
        });
      }
    }
    return query(config, values, callback);
  };
}
