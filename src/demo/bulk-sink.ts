/**
 * Where generated rows go: a bulk writer per table that bypasses the query builder (prepared multi-row INSERTs
 * on SQLite, COPY FROM STDIN on PostgreSQL). The generator fills rows in a fixed column order and calls
 * `checkpoint()` now and then so the sink can commit or wait for the network, keeping memory flat.
 */
export type Cell = string | number | null;

/** Column order of every row the generator writes; ids are given explicitly so rows can point at each other. */
export const demoColumns = {
  programs: ['id', 'name', 'currency', 'tier_group', 'level_order', 'rate_bp', 'rules_json', 'created_at', 'updated_at'],
  products: ['id', 'name', 'price_cents', 'currency', 'updated_at'],
  promo_tools: ['id', 'program_id', 'kind', 'name', 'subject', 'body', 'image_url', 'width', 'height', 'landing_path', 'updated_at'],
  contacts: ['id', 'ontraport_id', 'first_name', 'last_name', 'email', 'first_referrer_id', 'last_referrer_id', 'added_at', 'updated_at'],
  partners: ['id', 'contact_id', 'referral_code', 'program_id', 'paypal_email', 'status', 'time_zone', 'alias', 'created_at', 'updated_at'],
  commissions: ['id', 'partner_id', 'contact_id', 'product_id', 'promo_tool_id', 'sub_id', 'kind', 'status', 'amount_cents', 'currency', 'transaction_at', 'processed_at', 'paid_at', 'payout_id', 'updated_at'],
  payouts: ['id', 'partner_id', 'amount_cents', 'currency', 'method', 'reference', 'paid_at'],
  visits: ['id', 'partner_id', 'promo_tool_id', 'sub_id', 'landing_path', 'visited_at'],
  open_orders: ['id', 'partner_id', 'contact_id', 'product_id', 'status', 'amount_cents', 'commission_cents', 'currency', 'next_charge_at', 'started_at', 'updated_at'],
} as const;

export type DemoTable = keyof typeof demoColumns;
export const demoTables = Object.keys(demoColumns) as DemoTable[];

/** Tables big enough that their secondary indexes are worth dropping during a large load and building after. */
export const bulkTables: DemoTable[] = ['contacts', 'commissions', 'visits', 'payouts', 'open_orders'];

export interface TableWriter {
  /** Copies `values` (in `demoColumns` order) at once: the caller may reuse the array. */
  row(values: readonly Cell[]): void;
  readonly rows: number;
}

export interface BulkSink {
  writer(table: DemoTable): TableWriter;
  /** True when enough is buffered or uncommitted that the generator should call `checkpoint()` soon. */
  wantsCheckpoint(): boolean;
  /** Commits what was written so far or waits for buffered data to drain. */
  checkpoint(): Promise<void>;
  /** Ends a phase: everything written so far is committed and visible to the next phase (foreign keys). */
  endPhase(): Promise<void>;
  /** Drops (`before`) or rebuilds (`after`) the secondary indexes (and on PostgreSQL the foreign keys) of the bulk tables. */
  rebuildIndexes(stage: 'before' | 'after'): Promise<void>;
  /** After the load: sequences past the explicit ids, planner statistics, normal durability. */
  finish(): Promise<void>;
  /** Gives up: rolls back what is uncommitted and puts settings and indexes back. */
  abort(): Promise<void>;
}
