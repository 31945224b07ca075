/**
 * The account's rate limit shared by every process on the store (several workers, several gateways, the admin
 * CLI): the local limiter (rate-limiter.ts) keeps one process fair and cheap, and each request also holds one
 * of N slots kept in the store (`job_leases` rows `ontraport.rate|<account>|0..N-1`, claimed atomically).
 * A slot is held from the send until the answer, then for one more window counted from the answer: the same
 * rule as the local limiter, so no window the server looks at holds more than N requests of the deployment.
 * A 429 or `X-Rate-Limit-Remaining: 0` blocks every slot until the reset, for every process; a Remaining lower
 * than expected slows this process through its local limiter's phantom slots.
 *
 * Cost: two small writes per request (claim, hold), nothing while idle. A process that dies mid-request
 * leaves its slot busy for at most the window plus the request timeout.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from '../common/logger.js';
import { blockPool, claimPoolSlot, holdPoolSlot } from '../store/leases.js';
import type { Database } from '../store/tables.js';
import type { RateLimiterStats, ReleaseSlot, RollingWindowLimiter } from './rate-limiter.js';

/** What the transport needs from a limiter (the local one, or this shared one). */
export interface RateLimiter {
  readonly windowMs: number;
  acquire(): Promise<ReleaseSlot>;
  observeHeaders(limit: number | undefined, remaining: number | undefined, resetSeconds: number | undefined): void;
  pauseFor(ms: number): void;
  stats(): RateLimiterStats;
}

export interface StoreRateLimiterOptions {
  db: Kysely<Database>;
  /** Base URL + app id: one pool per account. */
  accountKey: string;
  /** The longest a request can take (its hard timeout): an in-flight slot's lease. */
  requestTimeoutMs: number;
  logger?: Logger;
}

/** Longest sleep between looks at a full pool: slots held in flight free up early when the answer comes. */
const MAX_POLL_MS = 250;

export class StoreRateLimiter implements RateLimiter {
  private readonly prefix: string;
  private readonly holder = `rate:${process.pid}:${randomUUID().slice(0, 8)}`;
  private seq = 0;
  /** Store writes started by answers (hold, block): awaited by tests through `settle()`. */
  private pending = new Set<Promise<unknown>>();

  constructor(
    private readonly local: RollingWindowLimiter,
    private readonly options: StoreRateLimiterOptions,
  ) {
    this.prefix = `ontraport.rate|${options.accountKey}|`;
  }

  get windowMs(): number {
    return this.local.windowMs;
  }

  private get limit(): number {
    return this.local.stats().limit;
  }

  async acquire(): Promise<ReleaseSlot> {
    const releaseLocal = await this.local.acquire();
    const holder = `${this.holder}:${++this.seq}`;
    let slot: number;
    try {
      slot = await this.claim(holder);
    } catch (err) {
      releaseLocal();
      throw err;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      releaseLocal();
      this.track(holdPoolSlot(this.options.db, this.prefix, slot, holder, Date.now() + this.windowMs));
    };
  }

  private async claim(holder: string): Promise<number> {
    for (;;) {
      const now = Date.now();
      const got = await claimPoolSlot(this.options.db, this.prefix, this.limit, holder, this.windowMs + this.options.requestTimeoutMs, now);
      if ('slot' in got) return got.slot;
      await sleep(Math.max(1, Math.min(MAX_POLL_MS, got.retryAt - now + 1)));
    }
  }

  observeHeaders(limit: number | undefined, remaining: number | undefined, resetSeconds: number | undefined): void {
    this.local.observeHeaders(limit, remaining, resetSeconds);
    if (remaining !== undefined && remaining <= 0) this.block(resetSeconds !== undefined ? resetSeconds * 1000 : this.windowMs);
  }

  pauseFor(ms: number): void {
    this.local.pauseFor(ms);
    this.block(ms);
  }

  stats(): RateLimiterStats {
    return this.local.stats();
  }

  /** Resolves when the store writes started so far are done. */
  async settle(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  private block(ms: number): void {
    const until = Date.now() + Math.max(0, Math.min(ms, this.windowMs * 2));
    this.track(blockPool(this.options.db, this.prefix, this.limit, until));
  }

  private track(work: Promise<unknown>): void {
    const p = work.catch((err) => this.options.logger?.warn({ err: (err as Error).message }, 'ontraport shared rate limit: store write failed')).finally(() => this.pending.delete(p));
    this.pending.add(p);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
