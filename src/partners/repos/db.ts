/** The database handle every repository function takes first: the store's Kysely or a transaction. */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../store/index.js';

export type Db = Kysely<Database> | Transaction<Database>;

/** `[startMs, endMs)` in UTC epoch ms. */
export interface MsRange {
  startMs: number;
  endMs: number;
}

/** Sums come back as numbers (SQLite) or numeric parsed to numbers (PostgreSQL), and null over no rows. */
export function num(v: unknown): number {
  return v === null || v === undefined ? 0 : Number(v);
}
