/**
 * The rolling-window limiter every Ontraport caller in the process shares (one per account: base URL + app id).
 *
 * Ontraport allows N requests per rolling window per account. A request holds a slot from the moment it is sent
 * until its answer arrives, and then keeps it for one more window counted from that answer. The server saw the
 * request somewhere between send and answer, so counting from the answer means any window the server looks at
 * holds at most N of our requests whatever the network latency (counting from the send would not be safe).
 *
 * The server's `X-Rate-Limit-*` headers correct the local count: when the server says fewer requests remain
 * than we think (another process uses the same account), the difference is booked as phantom slots; when it
 * says none remain, or answers 429, everybody waits until the reset it names.
 */

export interface RateLimiterOptions {
  /** Requests allowed per window. */
  limit: number;
  /** Window length in ms. */
  windowMs: number;
  /** Clock and timer, replaceable in unit tests. */
  now?: () => number;
}

export interface RateLimiterStats {
  limit: number;
  windowMs: number;
  inFlight: number;
  usedInWindow: number;
  waiting: number;
  pausedUntil: number;
}

/** Returned by `acquire`: call it when the answer (or the failure) arrives. Calling it twice is harmless. */
export type ReleaseSlot = () => void;

export class RollingWindowLimiter {
  private limit: number;
  private readonly configuredLimit: number;
  readonly windowMs: number;
  private readonly now: () => number;
  /** Times (ms) at which completed requests stop counting against the window: answer time + window. */
  private expiries: number[] = [];
  private inFlight = 0;
  private pausedUntil = 0;
  private readonly queue: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private timerAt = 0;

  constructor(options: RateLimiterOptions) {
    if (!(options.limit >= 1) || !(options.windowMs >= 1)) throw new RangeError('rate limiter: limit and windowMs must be >= 1');
    this.limit = Math.floor(options.limit);
    this.configuredLimit = this.limit;
    this.windowMs = options.windowMs;
    this.now = options.now ?? Date.now;
  }

  /** Waits for a free slot (first come, first served). */
  acquire(): Promise<ReleaseSlot> {
    return new Promise<ReleaseSlot>((resolve) => {
      this.queue.push(() => resolve(this.makeRelease()));
      this.pump();
    });
  }

  /** Corrects the local view from a response's `X-Rate-Limit-Limit` / `-Remaining` / `-Reset` (seconds). */
  observeHeaders(limit: number | undefined, remaining: number | undefined, resetSeconds: number | undefined): void {
    const now = this.now();
    if (limit !== undefined && limit >= 1 && limit < this.limit) this.limit = Math.floor(limit);
    if (limit !== undefined && limit >= this.configuredLimit) this.limit = this.configuredLimit;
    if (remaining === undefined) return;
    this.prune(now);
    if (remaining <= 0) {
      this.pauseFor(resetSeconds !== undefined ? resetSeconds * 1000 : this.windowMs);
      return;
    }
    // Slots the server counts that we do not: other processes on the same account. Booked as phantoms for a
    // whole window (we cannot know when those requests were made; erring long is the safe side).
    const serverUsed = this.limit - remaining;
    const localUsed = this.expiries.length + this.inFlight;
    const missing = serverUsed - localUsed;
    for (let i = 0; i < missing; i++) this.insertExpiry(now + this.windowMs);
    this.pump();
  }

  /** The server answered 429: nobody sends until `ms` from now. */
  pauseFor(ms: number): void {
    const until = this.now() + Math.max(0, Math.min(ms, this.windowMs * 2));
    if (until > this.pausedUntil) this.pausedUntil = until;
    this.schedule(this.pausedUntil);
  }

  stats(): RateLimiterStats {
    const now = this.now();
    this.prune(now);
    return {
      limit: this.limit,
      windowMs: this.windowMs,
      inFlight: this.inFlight,
      usedInWindow: this.expiries.length + this.inFlight,
      waiting: this.queue.length,
      pausedUntil: this.pausedUntil,
    };
  }

  private makeRelease(): ReleaseSlot {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight--;
      this.insertExpiry(this.now() + this.windowMs);
      this.pump();
    };
  }

  private insertExpiry(at: number): void {
    // Kept sorted; appends are the common case.
    let i = this.expiries.length;
    while (i > 0 && this.expiries[i - 1]! > at) i--;
    this.expiries.splice(i, 0, at);
  }

  private prune(now: number): void {
    let drop = 0;
    while (drop < this.expiries.length && this.expiries[drop]! <= now) drop++;
    if (drop) this.expiries.splice(0, drop);
  }

  private pump(): void {
    const now = this.now();
    this.prune(now);
    if (now < this.pausedUntil) {
      if (this.queue.length) this.schedule(this.pausedUntil);
      return;
    }
    while (this.queue.length && this.expiries.length + this.inFlight < this.limit) {
      this.inFlight++;
      this.queue.shift()!();
    }
    if (this.queue.length && this.expiries.length + this.inFlight >= this.limit && this.expiries.length) {
      // Full: the next slot frees when the oldest completed request leaves the window. (If every slot is in
      // flight, a release will pump.)
      this.schedule(this.expiries[0]!);
    }
  }

  private schedule(at: number): void {
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    // +1 ms: timers may fire a hair early relative to Date.now(); pump re-checks anyway.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, Math.max(0, at - this.now()) + 1);
    this.timer.unref?.();
  }
}

const sharedLimiters = new Map<string, RollingWindowLimiter>();

/**
 * The process-wide limiter of one account. The first caller's limit and window win; later callers with
 * other numbers share it anyway (two limiters for one account would let twice the traffic through).
 */
export function sharedRateLimiter(accountKey: string, options: RateLimiterOptions): RollingWindowLimiter {
  let limiter = sharedLimiters.get(accountKey);
  if (!limiter) {
    limiter = new RollingWindowLimiter(options);
    sharedLimiters.set(accountKey, limiter);
  }
  return limiter;
}

/** Tests only: forget the shared limiters so each test starts from an empty window. */
export function resetSharedRateLimiters(): void {
  sharedLimiters.clear();
}
