/**
 * The Ontraport REST client: typed calls over the generic object endpoints. It knows only the documented
 * protocol and a base URL (production: https://api.ontraport.com/1, tests: a local emulator).
 *
 * Every client made for one account shares one rate limiter (see rate-limiter.ts), so the sync, the outbox
 * and any page doing a write-back together stay under the account's limit.
 */
import type { Kysely } from 'kysely';
import type { Logger } from '../common/logger.js';
import type { Database } from '../store/tables.js';
import { conditionParam, type Condition, type WireCondition } from './conditions.js';
import { OntraportTransport, type RequestTally, type TransportRequest } from './transport.js';
import type { BaseRecord, FieldMeta, ObjectMeta, OntraportClientConfig, RawValue, RecordOf, SortDirection } from './types.js';

/** Ontraport's largest page. */
export const MAX_PAGE_SIZE = 50;

export interface ListOptions {
  start?: number;
  /** 1..50 (default 50). */
  range?: number;
  sort?: string;
  sortDir?: SortDirection;
  condition?: Condition;
  search?: string;
  /** Only these fields (plus id) in each record. */
  listFields?: readonly string[];
}

export interface CountOptions {
  condition?: Condition;
  search?: string;
}

export interface CollectionInfo {
  count: number;
  /** The server's clock when it counted (its `Date` header), epoch ms. */
  serverTimeMs: number;
}

export interface Page<T> {
  start: number;
  records: T[];
  total: number;
}

interface SharedState {
  transport: OntraportTransport;
  metaTtlMs: number;
  meta: Map<number, { at: number; value: Promise<ObjectMeta> }>;
}

export class OntraportClient {
  private constructor(
    private readonly shared: SharedState,
    private readonly tally?: RequestTally,
  ) {}

  /** `sharedStore`: share the account's rate limit with every process on that store (workers, gateways, CLI). */
  static create(config: OntraportClientConfig, logger?: Logger, sharedStore?: Kysely<Database>): OntraportClient {
    if (!config.appId || !config.apiKey) throw new TypeError('Ontraport client: appId and apiKey are required');
    return new OntraportClient({ transport: new OntraportTransport(config, logger, sharedStore), metaTtlMs: config.metaTtlMs ?? 3_600_000, meta: new Map() });
  }

  /** The same client, also counting its requests into `tally` (e.g. one sync run's "requests used"). */
  withTally(tally: RequestTally): OntraportClient {
    return new OntraportClient(this.shared, tally);
  }

  /** Requests sent by this client and every `withTally` view of it. */
  get requestsSent(): number {
    return this.shared.transport.requestsSent;
  }

  get rateLimiter() {
    return this.shared.transport.limiter;
  }

  /** The last rate-limit headers the account sent (undefined before the first answer). */
  get rateHeaders() {
    return this.shared.transport.lastRateHeaders;
  }

  /** Closes idle connections; the client stays usable (new connections are opened as needed). */
  close(): void {
    this.shared.transport.close();
  }

  private async call<T>(req: TransportRequest) {
    return this.shared.transport.request<T>(req, this.tally);
  }

  /** One record, or null when Ontraport has no record with that id. */
  async getObject<N extends number>(objectId: N, id: number): Promise<RecordOf<N> | null> {
    const { data } = await this.call<unknown>({ method: 'GET', path: '/object', params: { objectID: objectId, id }, notFoundIsNull: true });
    if (data === null || data === undefined || Array.isArray(data) || typeof data !== 'object') return null;
    return data as RecordOf<N>;
  }

  /** One page of records (at most 50). */
  async listObjects<N extends number>(objectId: N, options: ListOptions = {}): Promise<RecordOf<N>[]> {
    const range = options.range ?? MAX_PAGE_SIZE;
    if (!Number.isInteger(range) || range < 1 || range > MAX_PAGE_SIZE) throw new RangeError(`range must be 1..${MAX_PAGE_SIZE}`);
    const params: Record<string, string | number> = { objectID: objectId, start: options.start ?? 0, range };
    if (options.sort) {
      params.sort = options.sort;
      params.sortDir = options.sortDir ?? 'asc';
    }
    if (options.condition) params.condition = conditionParam(options.condition);
    if (options.search) params.search = options.search;
    if (options.listFields?.length) params.listFields = options.listFields.join(',');
    const { data } = await this.call<unknown>({ method: 'GET', path: '/objects', params });
    if (data === null || data === undefined || data === '') return [];
    if (!Array.isArray(data)) throw new TypeError(`Ontraport /objects (objectID ${objectId}) returned ${typeof data}, expected a list`);
    return data as RecordOf<N>[];
  }

  /** How many records match, and the server's clock at that moment. */
  async getInfo(objectId: number, options: CountOptions = {}): Promise<CollectionInfo> {
    const params: Record<string, string | number> = { objectID: objectId };
    if (options.condition) params.condition = conditionParam(options.condition);
    if (options.search) params.search = options.search;
    const { data, serverTimeMs } = await this.call<{ count?: RawValue } | null>({ method: 'GET', path: '/objects/getInfo', params });
    const count = Number(data?.count ?? 0);
    if (!Number.isInteger(count) || count < 0) throw new TypeError(`Ontraport getInfo (objectID ${objectId}) returned count ${String(data?.count)}`);
    return { count, serverTimeMs };
  }

  /**
   * Counts with a condition sent exactly as given, even one whose meaning depends on AND/OR precedence. Only
   * for `ontraport check`, which compares it with the branch-by-branch answer to see how the account reads it.
   */
  async countWithWireCondition(objectId: number, wire: WireCondition): Promise<number> {
    const { data } = await this.call<{ count?: RawValue } | null>({ method: 'GET', path: '/objects/getInfo', params: { objectID: objectId, condition: JSON.stringify(wire) } });
    return Number(data?.count ?? 0);
  }

  async countObjects(objectId: number, options: CountOptions = {}): Promise<number> {
    return (await this.getInfo(objectId, options)).count;
  }

  /**
   * Every matching record, page by page (start += 50 while start < count, as the documentation says).
   * Offset paging shifts when records are deleted meanwhile; the sync pages by id instead (see sync/pager.ts).
   */
  async *pages<N extends number>(objectId: N, options: Omit<ListOptions, 'start' | 'range'> = {}): AsyncGenerator<Page<RecordOf<N>>> {
    const { count } = await this.getInfo(objectId, options);
    for (let start = 0; start < count; start += MAX_PAGE_SIZE) {
      const records = await this.listObjects(objectId, { ...options, start, range: MAX_PAGE_SIZE });
      yield { start, records, total: count };
      if (records.length < MAX_PAGE_SIZE) return;
    }
  }

  /** Field metadata of one object type (cached; field names of objects 35-44 are discovered from it). */
  getMeta(objectId: number): Promise<ObjectMeta> {
    const cached = this.shared.meta.get(objectId);
    if (cached && Date.now() - cached.at < this.shared.metaTtlMs) return cached.value;
    const value = this.fetchMeta(objectId);
    this.shared.meta.set(objectId, { at: Date.now(), value });
    value.catch(() => this.shared.meta.delete(objectId));
    return value;
  }

  private async fetchMeta(objectId: number): Promise<ObjectMeta> {
    const { data } = await this.call<Record<string, { name?: string; fields?: Record<string, Partial<FieldMeta>> }> | null>({
      method: 'GET',
      path: '/objects/meta',
      params: { objectID: objectId, format: 'byId' },
    });
    const entry = data?.[String(objectId)] ?? Object.values(data ?? {})[0];
    if (!entry || typeof entry.fields !== 'object' || entry.fields === null) {
      throw new TypeError(`Ontraport objects/meta (objectID ${objectId}) has no field list`);
    }
    const fields: Record<string, FieldMeta> = {};
    for (const [name, f] of Object.entries(entry.fields)) {
      fields[name] = { alias: String(f?.alias ?? name), type: String(f?.type ?? 'text'), options: normaliseOptions(f?.options) };
    }
    return { objectId, name: String(entry.name ?? objectId), fields };
  }

  /** `PUT /objects`: sets the given fields of one record; returns the attributes Ontraport echoes back. */
  async updateObject(objectId: number, id: number, fields: Record<string, string | number | null>): Promise<BaseRecord> {
    if ('id' in fields || 'objectID' in fields) throw new TypeError('updateObject: fields must not contain id or objectID');
    const { data } = await this.call<{ attrs?: BaseRecord } | null>({ method: 'PUT', path: '/objects', body: { objectID: objectId, id, ...fields } });
    return data?.attrs ?? { id };
  }

  /** The id of the contact with this email, or null. */
  async findContactIdByEmail(email: string): Promise<number | null> {
    const { data } = await this.call<{ id?: RawValue } | null>({ method: 'GET', path: '/object/getByEmail', params: { objectID: 0, email }, notFoundIsNull: true });
    const id = Number(data?.id ?? 0);
    return Number.isInteger(id) && id > 0 ? id : null;
  }
}

function normaliseOptions(options: unknown): Record<string, string> | undefined {
  if (!options || typeof options !== 'object') return undefined;
  const out: Record<string, string> = {};
  for (const [code, label] of Object.entries(options as Record<string, unknown>)) out[code] = String(label);
  return Object.keys(out).length ? out : undefined;
}
