/**
 * A local Ontraport: an HTTP server speaking the documented REST protocol, for tests and benchmarks.
 * - Header auth (`Api-Appid` / `Api-Key`), the `{code, data, account_id}` envelope, values sent as strings.
 * - `GET /1/object`, `GET /1/objects` (start, range <= 50, sort, sortDir, condition, search, listFields),
 *   `GET /1/objects/getInfo`, `GET /1/objects/meta`, `PUT /1/objects`, `POST /1/objects`, `GET /1/object/getByEmail`.
 * - Strict where the documentation is silent: unknown parameters, unknown fields in conditions, sorts, field
 *   lists and writes, and value shapes an operator does not take are refused (HTTP 400, error envelope).
 * - An account schema (see ontraport-emulator/schema.ts): the field names, labels and codes of the objects
 *   Ontraport does not document; tests read and write canonical names, the wire carries the account's.
 * - Either reading of a mixed AND/OR condition (`conditionOrder`): a client must not depend on it.
 * - Every record has a `dlm`; any change bumps it to now.
 * - A rolling-window rate limit (limit and window configurable) with `X-Rate-Limit-*` headers and 429s.
 * - A request log (to count requests per rolling window and prove a limit was never exceeded).
 * - Injectable faults: 5xx for the next N requests, a hang, malformed JSON, an envelope error; a hook after each
 *   request (e.g. delete a record mid-sync); a wrong key is simply a client configured with another key.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConditionError, type ConditionOrder, type EmuRecord } from './ontraport-emulator/conditions.js';
import { checkParams, filterRecords, listPage, PARAMS } from './ontraport-emulator/query.js';
import { accountRenames, buildSchemas, toCanonical, toStored, type AccountRenames, type AccountSchemaName, type EmuObjectSchema } from './ontraport-emulator/schema.js';
import { generateSeed, prng, type SeedOptions } from './ontraport-emulator/seed.js';
import { HttpError, maxInWindow, mutationFor, readBody, serialise } from './ontraport-emulator/wire.js';
import { onRunEnd } from './hooks.js';

export type { SeedOptions } from './ontraport-emulator/seed.js';
export type { ConditionOrder, EmuRecord } from './ontraport-emulator/conditions.js';
export type { AccountSchemaName } from './ontraport-emulator/schema.js';

export interface EmulatorOptions {
  appId?: string;
  apiKey?: string;
  accountId?: number;
  /** Requests per rolling window (default 180) and the window (default 60 000 ms). */
  rateLimit?: number;
  rateWindowMs?: number;
  /** The account's names for the fields Ontraport does not document (default `custom-fields`). */
  schema?: AccountSchemaName;
  /** How a condition mixing AND and OR is read (default `and-first`). */
  conditionOrder?: ConditionOrder;
  /** How a wrong key is answered: HTTP 401 (default), HTTP 403, or HTTP 200 with an error envelope. */
  authFailure?: 'http401' | 'http403' | 'envelope';
}

export interface RequestLogEntry {
  at: number;
  method: string;
  path: string;
  objectId: number | null;
  status: number;
  params: Record<string, string>;
}

export type Fault =
  | { kind: 'status'; status: number }
  | { kind: 'hang' }
  | { kind: 'malformed' }
  | { kind: 'envelope'; code: number; data: unknown };

interface PendingFault {
  fault: Fault;
  remaining: number;
  path?: string;
  method?: string;
}

let emulatorCount = 0;

export class OntraportEmulator {
  readonly appId: string;
  readonly apiKey: string;
  readonly accountId: number;
  readonly rateLimit: number;
  readonly rateWindowMs: number;
  readonly schema: AccountSchemaName;
  readonly conditionOrder: ConditionOrder;
  private readonly renames: AccountRenames;
  readonly schemas: Record<number, EmuObjectSchema>;
  /** Every request received, in arrival order. */
  readonly log: RequestLogEntry[] = [];
  baseUrl = '';
  private server: Server | undefined;
  private readonly data = new Map<number, Map<number, EmuRecord>>();
  private readonly sequences = new Map<number, number>();
  private accepted: number[] = [];
  private faults: PendingFault[] = [];
  private hooks: Array<(entry: RequestLogEntry) => void> = [];
  private readonly authFailure: NonNullable<EmulatorOptions['authFailure']>;

  constructor(options: EmulatorOptions = {}) {
    // A new emulator is a new Ontraport account: the client's rate limiter is shared per account (base URL +
    // app id), and an earlier test's emulator on the same (reused) port must not lend this one its window.
    this.appId = options.appId ?? `emulator-app-${++emulatorCount}`;
    this.apiKey = options.apiKey ?? 'emulator-key';
    this.accountId = options.accountId ?? 4242;
    this.rateLimit = options.rateLimit ?? 180;
    this.rateWindowMs = options.rateWindowMs ?? 60_000;
    this.schema = options.schema ?? 'custom-fields';
    this.conditionOrder = options.conditionOrder ?? 'and-first';
    this.renames = accountRenames(this.schema);
    this.authFailure = options.authFailure ?? 'http401';
    this.schemas = buildSchemas(this.schema);
    for (const type of Object.keys(this.schemas)) this.data.set(Number(type), new Map());
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/1`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    const server = this.server;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The emulated server's clock runs this far ahead of ours (dlm stamps and the `Date` header). */
  clockOffsetMs = 0;

  /** Moves the server's clock forward (time passing on Ontraport's side, without waiting for it). */
  advanceClock(ms: number): void {
    this.clockOffsetMs += ms;
  }

  nowSeconds(): number {
    return Math.floor((Date.now() + this.clockOffsetMs) / 1000);
  }

  // ---- data -------------------------------------------------------------------------------------------

  nextId(objectType: number): number {
    const next = (this.sequences.get(objectType) ?? 0) + 1;
    this.sequences.set(objectType, next);
    return next;
  }

  private table(objectType: number): Map<number, EmuRecord> {
    const t = this.data.get(objectType);
    if (!t) throw new HttpError(400, `objectID ${objectType} is not available`);
    return t;
  }

  /** A canonical record as this account stores it (renamed fields, its own codes). */
  private toStored(objectType: number, record: EmuRecord): EmuRecord {
    return toStored(this.renames, objectType, record);
  }

  /** The account's field name for a canonical one. */
  fieldName(objectType: number, canonical: string): string {
    return this.renames[objectType]?.[canonical]?.name ?? canonical;
  }

  /** Fills the account with generated records (canonical field names, see ontraport-emulator/seed.ts). */
  seed(options: SeedOptions = {}): Record<number, number[]> {
    const generated = generateSeed(options, (t) => this.nextId(t), this.nowSeconds());
    const ids: Record<number, number[]> = {};
    for (const [type, records] of Object.entries(generated) as Array<[string, EmuRecord[]]>) {
      for (const r of records) this.table(Number(type)).set(Number(r.id), this.toStored(Number(type), r));
      ids[Number(type)] = records.map((r) => Number(r.id));
    }
    return ids;
  }

  /** Adds a record as given (canonical names), with a fresh id unless one is given; dlm defaults to now. */
  insert(objectType: number, fields: EmuRecord): EmuRecord {
    const id = fields.id !== undefined ? Number(fields.id) : this.nextId(objectType);
    if (fields.id !== undefined && id > (this.sequences.get(objectType) ?? 0)) this.sequences.set(objectType, id);
    const record = this.toStored(objectType, { date: this.nowSeconds(), dlm: this.nowSeconds(), ...fields, id });
    this.table(objectType).set(id, record);
    return toCanonical(this.renames, objectType, record);
  }

  /** Changes fields of a record (canonical names) and bumps its dlm. */
  update(objectType: number, id: number, fields: EmuRecord): EmuRecord {
    const record = this.table(objectType).get(id);
    if (!record) throw new Error(`no record ${objectType}/${id}`);
    Object.assign(record, this.toStored(objectType, fields), { dlm: Math.max(this.nowSeconds(), Number(record.dlm ?? 0)) });
    return toCanonical(this.renames, objectType, record);
  }

  /** Stores a change received over the wire (the account's names) and bumps its dlm. */
  private updateStored(objectType: number, id: number, fields: EmuRecord): EmuRecord {
    const record = this.table(objectType).get(id)!;
    Object.assign(record, fields, { dlm: Math.max(this.nowSeconds(), Number(record.dlm ?? 0)) });
    return { ...record };
  }

  remove(objectType: number, id: number): boolean {
    return this.table(objectType).delete(id);
  }

  /** One record, canonical names. */
  get(objectType: number, id: number): EmuRecord | undefined {
    const r = this.table(objectType).get(id);
    return r ? toCanonical(this.renames, objectType, r) : undefined;
  }

  /** Copies of every record of a type, by id, with canonical field names and codes. */
  all(objectType: number): EmuRecord[] {
    return this.stored(objectType).map((r) => toCanonical(this.renames, objectType, r));
  }

  /** Copies of every record of a type as the account stores them (its names and codes). */
  stored(objectType: number): EmuRecord[] {
    return [...this.table(objectType).values()].sort((a, b) => Number(a.id) - Number(b.id)).map((r) => ({ ...r }));
  }

  /**
   * Changes `fraction` of the records of each type (at least one when fraction > 0): a visible field
   * changes and dlm moves to now. Returns the changed ids by type.
   */
  changeFraction(objectTypes: number[], fraction: number, seed = 7): Record<number, number[]> {
    const rnd = prng(seed);
    const changed: Record<number, number[]> = {};
    for (const type of objectTypes) {
      const ids = [...this.table(type).keys()];
      const n = Math.min(ids.length, Math.max(fraction > 0 ? 1 : 0, Math.round(ids.length * fraction)));
      const chosen = new Set<number>();
      while (chosen.size < n) chosen.add(ids[Math.floor(rnd() * ids.length)]!);
      for (const id of chosen) this.update(type, id, mutationFor(type, this.get(type, id)!));
      changed[type] = [...chosen].sort((a, b) => a - b);
    }
    return changed;
  }

  // ---- faults, hooks, log -----------------------------------------------------------------------------

  /** The next `count` requests (optionally only those on `path` / `method`) get `fault`. */
  injectFault(fault: Fault, count = 1, filter: { path?: string; method?: string } = {}): void {
    this.faults.push({ fault, remaining: count, ...filter });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Called after every request is answered (not for hung ones); returns an unsubscribe function. */
  onRequest(hook: (entry: RequestLogEntry) => void): () => void {
    this.hooks.push(hook);
    return () => {
      this.hooks = this.hooks.filter((h) => h !== hook);
    };
  }

  /** Books `n` requests made by "someone else" on this account into the current window. */
  consumeRateLimit(n: number): void {
    const now = Date.now();
    for (let i = 0; i < n; i++) this.accepted.push(now);
  }

  clearLog(): void {
    this.log.length = 0;
  }

  /** Requests in the log matching the filter. */
  requests(filter: { path?: string; method?: string; objectId?: number; status?: number; since?: number } = {}): RequestLogEntry[] {
    return this.log.filter(
      (e) =>
        (filter.path === undefined || e.path === filter.path) &&
        (filter.method === undefined || e.method === filter.method) &&
        (filter.objectId === undefined || e.objectId === filter.objectId) &&
        (filter.status === undefined || e.status === filter.status) &&
        (filter.since === undefined || e.at >= filter.since),
    );
  }

  /** The most requests that arrived within any rolling window of `windowMs` (default: the emulator's). */
  maxRequestsInWindow(windowMs = this.rateWindowMs, entries: RequestLogEntry[] = this.log): number {
    return maxInWindow(entries.map((e) => e.at), windowMs);
  }

  private takeFault(method: string, path: string): Fault | undefined {
    const pending = this.faults.find((f) => f.remaining > 0 && (!f.path || f.path === path) && (!f.method || f.method === method));
    if (!pending) return undefined;
    pending.remaining--;
    this.faults = this.faults.filter((f) => f.remaining > 0);
    return pending.fault;
  }

  // ---- HTTP -------------------------------------------------------------------------------------------

  private rateHeaders(now: number): Record<string, string> {
    this.accepted = this.accepted.filter((t) => now - t < this.rateWindowMs);
    const oldest = this.accepted[0];
    const resetMs = oldest === undefined ? this.rateWindowMs : oldest + this.rateWindowMs - now;
    // Ontraport sends whole seconds; a scaled-down window needs fractions to mean anything.
    const reset = this.rateWindowMs === 60_000 ? String(Math.ceil(resetMs / 1000)) : (resetMs / 1000).toFixed(3);
    return {
      'X-Rate-Limit-Limit': String(this.rateLimit),
      'X-Rate-Limit-Remaining': String(Math.max(0, this.rateLimit - this.accepted.length)),
      'X-Rate-Limit-Reset': reset,
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const now = Date.now();
    const url = new URL(req.url ?? '/', 'http://emulator');
    const params = Object.fromEntries(url.searchParams.entries());
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/^\/1(?=\/)/, '');
    const body = await readBody(req);
    const entry: RequestLogEntry = { at: now, method, path, objectId: null, status: 0, params };
    this.log.push(entry);

    const send = (status: number, payload: string, headers: Record<string, string> = {}) => {
      entry.status = status;
      res.writeHead(status, { 'Content-Type': 'application/json', Date: new Date(Date.now() + this.clockOffsetMs).toUTCString(), ...headers });
      res.end(payload);
      for (const hook of this.hooks) hook(entry);
    };

    // Rate limit first, as a gateway in front of the API would.
    this.accepted = this.accepted.filter((t) => now - t < this.rateWindowMs);
    if (this.accepted.length >= this.rateLimit) {
      send(429, JSON.stringify({ code: 1, data: 'Rate limit exceeded', account_id: this.accountId }), this.rateHeaders(now));
      return;
    }
    this.accepted.push(now);
    const rate = this.rateHeaders(now);

    const fault = this.takeFault(method, path);
    if (fault?.kind === 'hang') return; // never answered; the client's timeout must fire
    if (fault?.kind === 'status') return send(fault.status, JSON.stringify({ code: 1, data: 'Internal error', account_id: this.accountId }), rate);
    if (fault?.kind === 'malformed') return send(200, '{"code":0,"data":[{"id":"1","firstname":', rate);
    if (fault?.kind === 'envelope') return send(200, JSON.stringify({ code: fault.code, data: fault.data, account_id: this.accountId }), rate);

    if (req.headers['api-appid'] !== this.appId || req.headers['api-key'] !== this.apiKey) {
      const envelope = JSON.stringify({ code: 1, data: 'Invalid API Key or App ID', account_id: 0 });
      const status = this.authFailure === 'http403' ? 403 : this.authFailure === 'envelope' ? 200 : 401;
      return send(status, envelope, rate);
    }
    try {
      const input = method === 'GET' ? params : { ...params, ...body };
      entry.objectId = input.objectID !== undefined ? Number(input.objectID) : null;
      const data = this.route(method, path, input);
      send(200, JSON.stringify({ code: 0, data, account_id: this.accountId }), rate);
    } catch (err) {
      const status = err instanceof HttpError ? err.status : err instanceof ConditionError ? 400 : 500;
      send(status, JSON.stringify({ code: 1, data: (err as Error).message, account_id: this.accountId }), rate);
    }
  }

  private route(method: string, path: string, input: Record<string, unknown>): unknown {
    const key = `${method} ${path}`;
    const objectId = Number(input.objectID);
    if (!PARAMS[key]) throw new HttpError(404, `no route ${key}`);
    if (!Number.isInteger(objectId) || !this.data.has(objectId)) throw new HttpError(400, `objectID ${String(input.objectID)} is not available`);
    const fields = this.schemas[objectId]!.fields;
    checkParams(key, input, fields, objectId);
    if (key === 'GET /object') {
      const record = this.table(objectId).get(Number(input.id));
      if (!record) throw new HttpError(404, `Object ${String(input.id)} not found`);
      return serialise(record);
    }
    if (key === 'GET /objects') return this.list(objectId, input);
    if (key === 'GET /objects/getInfo') return { listFields: Object.keys(fields), count: String(this.filtered(objectId, input).length) };
    if (key === 'GET /objects/meta') return { [String(objectId)]: { name: this.schemas[objectId]!.name, fields } };
    if (key === 'GET /object/getByEmail') {
      const email = String(input.email ?? '').toLowerCase();
      const found = [...this.table(0).values()].find((r) => String(r.email ?? '').toLowerCase() === email);
      if (!found) throw new HttpError(404, 'No contact with that email');
      return { id: String(found.id) };
    }
    if (this.schemas[objectId]!.readOnly) throw new HttpError(400, `objectID ${objectId} cannot be written through the API`);
    const values: EmuRecord = {};
    for (const [k, v] of Object.entries(input)) {
      if (k === 'objectID' || k === 'id') continue;
      if (k === 'dlm' || k === 'date') throw new HttpError(400, `field "${k}" is set by Ontraport`);
      if (v !== null && typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v))) throw new HttpError(400, `field "${k}" takes a string or a number`);
      values[k] = v;
    }
    if (key === 'POST /objects') {
      const id = this.nextId(objectId);
      const record: EmuRecord = { date: this.nowSeconds(), dlm: this.nowSeconds(), ...values, id };
      this.table(objectId).set(id, record);
      return serialise(record);
    }
    const id = Number(input.id);
    if (!this.table(objectId).has(id)) throw new HttpError(400, `Object ${String(input.id)} not found`);
    const updated = this.updateStored(objectId, id, values);
    return { attrs: serialise({ ...values, id, dlm: updated.dlm }) };
  }

  private filtered(objectId: number, input: Record<string, unknown>): EmuRecord[] {
    return filterRecords([...this.table(objectId).values()], input, this.schemas[objectId]!.fields, this.conditionOrder);
  }

  private list(objectId: number, input: Record<string, unknown>): unknown[] {
    return listPage(input, this.schemas[objectId]!.fields, () => this.filtered(objectId, input));
  }
}

/** Starts an emulator that stops by itself when the mocha run ends. */
export async function startOntraportEmulator(options: EmulatorOptions = {}): Promise<OntraportEmulator> {
  const emulator = await new OntraportEmulator(options).start();
  onRunEnd(() => emulator.stop());
  return emulator;
}
