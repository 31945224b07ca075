import type { Kysely, Transaction } from 'kysely';
import type { Database } from './tables.js';

/** The database handle every repository function takes first: the store's Kysely or a transaction. */
export type Db = Kysely<Database> | Transaction<Database>;
