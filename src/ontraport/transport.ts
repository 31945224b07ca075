/**
 * One Ontraport HTTP request, done properly: a slot from the shared rate limiter, the two auth headers, a hard
 * timeout (connection to last byte), the `{code, data, account_id}` envelope, and the retry rules:
 * - 429: wait `X-Rate-Limit-Reset` seconds (everyone on the account waits), then try again;
 * - 5xx, network errors, timeouts, unreadable bodies: exponential backoff with full jitter, bounded attempts;
 * - 401/403 or an envelope that says the key or app id is wrong: `ontraport.auth_failed` at once, no retry;
 * - any other 4xx or a non-zero `code`: `ontraport.failed`, no retry (asking again would get the same answer).
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { AxiosInstance, AxiosResponse, CreateAxiosDefaults } from 'axios';
import { AppError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { Kysely } from 'kysely';
import type { Database } from '../store/tables.js';
import { sharedRateLimiter } from './rate-limiter.js';
import { StoreRateLimiter, type RateLimiter } from './store-rate-limiter.js';
import type { OntraportClientConfig } from './types.js';

/** Counts HTTP requests (every attempt, retries included) made on behalf of one caller, e.g. one sync run. */
export interface RequestTally {
  requests: number;
}

export interface TransportResult<T> {
  data: T;
  /** The server's clock (the `Date` header), or ours when it sent none. */
  serverTimeMs: number;
}

export interface TransportRequest {
  method: 'GET' | 'PUT' | 'POST';
  path: string;
  params?: Record<string, string | number>;
  body?: Record<string, unknown>;
  /** For GET /object: a 404 means "no such record" and resolves to null data instead of failing. */
  notFoundIsNull?: boolean;
}

const AUTH_WORDS = /(api[ -_]?key|app[ -_]?id|appid|unauthori[sz]ed|authenticat|invalid credentials|forbidden)/i;

type Outcome<T> =
  | { kind: 'ok'; result: TransportResult<T> }
  | { kind: 'retry'; reason: string }
  | { kind: 'rate_limited'; waitMs: number };

export class OntraportTransport {
  readonly limiter: RateLimiter;
  /**
   * axios is loaded with the first request, not at start-up: it and the modules it pulls in cost a gateway about
   * 8 MB of resident memory, and a gateway without Ontraport (or between syncs) never sends a request.
   */
  private http: Promise<AxiosInstance> | undefined;
  private readonly httpOptions: CreateAxiosDefaults;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxDelayMs: number;
  private readonly maxRateLimitRetries: number;
  private readonly agents: Array<HttpAgent | HttpsAgent>;
  /** Every request this transport sent, all callers together. */
  requestsSent = 0;
  /** The last `X-Rate-Limit-*` headers received (for `ontraport check`). */
  lastRateHeaders: { limit?: number; remaining?: number; resetSeconds?: number; at: number } | undefined;

  constructor(
    config: OntraportClientConfig,
    private readonly logger?: Logger,
    /** When given, the rate limit is shared with every process on this store (store-rate-limiter.ts). */
    sharedStore?: Kysely<Database>,
  ) {
    const baseUrl = config.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = config.timeoutMs ?? 30_000;
    this.maxAttempts = Math.max(1, config.maxAttempts ?? 5);
    this.retryBaseMs = config.retryBaseMs ?? 500;
    this.retryMaxDelayMs = config.retryMaxDelayMs ?? 30_000;
    this.maxRateLimitRetries = config.maxRateLimitRetries ?? 10;
    const accountKey = `${baseUrl}|${config.appId}`;
    const local = sharedRateLimiter(accountKey, { limit: config.ratePerWindow ?? 180, windowMs: config.rateWindowMs ?? 60_000 });
    this.limiter = sharedStore ? new StoreRateLimiter(local, { db: sharedStore, accountKey, requestTimeoutMs: this.timeoutMs, logger }) : local;
    this.agents = [new HttpAgent({ keepAlive: true, maxSockets: 16 }), new HttpsAgent({ keepAlive: true, maxSockets: 16 })];
    this.httpOptions = {
      baseURL: baseUrl,
      headers: { 'Api-Appid': config.appId, 'Api-Key': config.apiKey, Accept: 'application/json' },
      // Status codes and JSON are judged here, not by axios.
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(body: unknown) => body],
      maxContentLength: 64 * 1024 * 1024,
      maxRedirects: 0,
      httpAgent: this.agents[0],
      httpsAgent: this.agents[1],
    };
  }

  private client(): Promise<AxiosInstance> {
    this.http ??= import('axios').then(({ default: axios }) => axios.create(this.httpOptions));
    return this.http;
  }

  async request<T>(req: TransportRequest, tally?: RequestTally): Promise<TransportResult<T>> {
    let attempt = 0;
    let rateLimited = 0;
    for (;;) {
      attempt++;
      const outcome = await this.once<T>(req, tally);
      if (outcome.kind === 'ok') return outcome.result;
      if (outcome.kind === 'rate_limited') {
        attempt--; // a 429 is the limiter's business, not a failed attempt
        if (++rateLimited > this.maxRateLimitRetries) {
          throw new AppError('ontraport.failed', `Ontraport kept answering 429 (rate limited) to ${req.method} ${req.path}`);
        }
        this.logger?.warn({ path: req.path, waitMs: outcome.waitMs }, 'ontraport rate limited (429), waiting for the reset');
        continue; // the limiter is paused until the reset; acquire() waits
      }
      if (attempt >= this.maxAttempts) {
        throw new AppError('ontraport.failed', `Ontraport ${req.method} ${req.path} failed after ${attempt} attempts: ${outcome.reason}`);
      }
      const delay = this.backoffMs(attempt);
      this.logger?.warn({ path: req.path, attempt, delayMs: delay, reason: outcome.reason }, 'ontraport request failed, retrying');
      await sleep(delay);
    }
  }

  /** Closes idle keep-alive connections (e.g. before a CLI command exits). */
  close(): void {
    for (const agent of this.agents) agent.destroy();
  }

  /** Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))]. */
  backoffMs(attempt: number): number {
    const ceiling = Math.min(this.retryMaxDelayMs, this.retryBaseMs * 2 ** (attempt - 1));
    return Math.round(Math.random() * ceiling);
  }

  private async once<T>(req: TransportRequest, tally?: RequestTally): Promise<Outcome<T>> {
    const http = await this.client();
    const release = await this.limiter.acquire();
    this.requestsSent++;
    if (tally) tally.requests++;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    let res: AxiosResponse<string>;
    try {
      res = await http.request<string>({
        method: req.method,
        url: req.path,
        params: req.params,
        data: req.body,
        signal: controller.signal,
        timeout: this.timeoutMs,
      });
    } catch (err) {
      release();
      const timedOut = controller.signal.aborted || (err as { code?: string }).code === 'ECONNABORTED';
      return { kind: 'retry', reason: timedOut ? `no answer within ${this.timeoutMs} ms` : `network error ${(err as { code?: string }).code ?? (err as Error).message}` };
    } finally {
      clearTimeout(timer);
    }
    release();
    this.observeRateHeaders(res);
    const serverTimeMs = parseDate(res.headers['date']);

    if (res.status === 429) {
      const reset = num(res.headers['x-rate-limit-reset']);
      const waitMs = reset !== undefined ? reset * 1000 : this.limiter.windowMs;
      this.limiter.pauseFor(waitMs);
      return { kind: 'rate_limited', waitMs };
    }
    if (res.status === 401 || res.status === 403) {
      throw new AppError('ontraport.auth_failed', `Ontraport refused the app id / API key (HTTP ${res.status}); check PARTNERGATE_ONTRAPORT_APP_ID and PARTNERGATE_ONTRAPORT_API_KEY`);
    }
    if (res.status >= 500) return { kind: 'retry', reason: `HTTP ${res.status}` };
    if (res.status === 404 && req.notFoundIsNull) return { kind: 'ok', result: { data: null as T, serverTimeMs } };

    let envelope: { code?: unknown; data?: unknown; message?: unknown };
    try {
      envelope = JSON.parse(res.data) as typeof envelope;
      if (envelope === null || typeof envelope !== 'object') throw new Error('not an object');
    } catch {
      // A cut-off or garbled body is a transport accident more often than a real answer: try again.
      if (res.status >= 400) return this.fail(req, res.status, String(res.data).slice(0, 200));
      return { kind: 'retry', reason: `unreadable JSON body (HTTP ${res.status})` };
    }
    const code = Number(envelope.code);
    if (res.status >= 400 || code !== 0) {
      const text = describe(envelope.data ?? envelope.message);
      if (AUTH_WORDS.test(text)) {
        throw new AppError('ontraport.auth_failed', `Ontraport refused the app id / API key (${text.slice(0, 120)}); check PARTNERGATE_ONTRAPORT_APP_ID and PARTNERGATE_ONTRAPORT_API_KEY`);
      }
      if (res.status === 404 && req.notFoundIsNull) return { kind: 'ok', result: { data: null as T, serverTimeMs } };
      return this.fail(req, res.status, `code ${Number.isNaN(code) ? '?' : code}: ${text.slice(0, 200)}`);
    }
    return { kind: 'ok', result: { data: envelope.data as T, serverTimeMs } };
  }

  private fail(req: TransportRequest, status: number, detail: string): never {
    throw new AppError('ontraport.failed', `Ontraport ${req.method} ${req.path} answered HTTP ${status} (${detail})`);
  }

  private observeRateHeaders(res: AxiosResponse): void {
    const limit = num(res.headers['x-rate-limit-limit']);
    const remaining = num(res.headers['x-rate-limit-remaining']);
    const reset = num(res.headers['x-rate-limit-reset']);
    if (limit !== undefined || remaining !== undefined || reset !== undefined) this.lastRateHeaders = { limit, remaining, resetSeconds: reset, at: Date.now() };
    if (limit !== undefined || remaining !== undefined) this.limiter.observeHeaders(limit, remaining, reset);
  }
}

function num(header: unknown): number | undefined {
  if (header === undefined || header === null || header === '') return undefined;
  const n = Number(header);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

function parseDate(header: unknown): number {
  const ms = typeof header === 'string' ? Date.parse(header) : NaN;
  return Number.isFinite(ms) ? ms : Date.now();
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return String(value);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
