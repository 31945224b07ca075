/**
 * The click recorder the pass-through calls for every request. On the request path it does only what is cheap:
 * a substring test for `orid=` in the raw URL and for the attribution cookie's name in the Cookie header; only a
 * request that passes parses anything, and a counted one adds a plain object to a bounded array (a full array
 * drops the visit and counts it: recording never blocks or slows the answer). A timer made once empties the array
 * in batches: partners and promo tools are checked against the store, the visitor becomes a keyed hash with a
 * key that changes every UTC day, and rows go in with `on conflict do nothing`, so a visitor counts once per
 * partner and day. `stop()` writes what is left (called on shutdown).
 */
import { createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Kysely } from 'kysely';
import type { Logger } from '../common/index.js';
import type { Database } from '../store/index.js';
import { attributionIn, DAY_MS, formatAttribution, isNotAVisit, isPageLoad, referralOf, type Referral } from './classify.js';
import { insertVisits, partnersByReferralCode, promoToolPrograms, type VisitRow } from './visits.repo.js';

export interface ClickRecorderDeps {
  db: Kysely<Database>;
  /** The data key; the daily visitor-hash keys are derived from it. */
  dataKey: Buffer;
  logger: Logger;
  now: () => number;
  cookieSecure: boolean;
  /** How long the attribution cookie lasts, in days. */
  cookieDays: number;
  /** Most visits waiting to be written; more are dropped and counted. */
  queueMax: number;
  flushMs: number;
}

export interface ClickStats {
  /** Visits accepted into the queue. */
  queued: number;
  /** Visits dropped because the queue was full. */
  dropped: number;
  /** Rows written (a visitor's second visit the same day is not a row). */
  written: number;
  /** Visitors (distinct within a batch) whose referral code names no partner in the store. */
  unknownPartner: number;
}

export interface ClickRecorder {
  readonly cookieName: string;
  /**
   * Looks at a request about to be passed through; when it is a click, queues it and returns the Set-Cookie
   * line to add to the answer (the attribution cookie), else undefined.
   */
  observe(req: IncomingMessage): string | undefined;
  /** Writes everything queued so far. */
  flush(): Promise<void>;
  /** Stops the timer and writes what is left. */
  stop(): Promise<void>;
  stats(): ClickStats;
}

interface PendingVisit extends Referral {
  at: number;
  path: string;
  address: string;
  agent: string;
}

const MAX_PATH = 512;

export function createClickRecorder(deps: ClickRecorderDeps): ClickRecorder {
  const { db, logger, now, cookieDays } = deps;
  const cookieName = deps.cookieSecure ? '__Host-pg_ref' : 'pg_ref';
  const cookieMarker = `${cookieName}=`;
  const cookieTail = `; Path=/; HttpOnly; SameSite=Lax${deps.cookieSecure ? '; Secure' : ''}`;
  let queue: PendingVisit[] = [];
  const stats: ClickStats = { queued: 0, dropped: 0, written: 0, unknownPartner: 0 };
  let flushing: Promise<void> | undefined;
  let stopped = false;

  const dayKeys = new Map<number, Buffer>();
  function dayKey(day: number): Buffer {
    let key = dayKeys.get(day);
    if (key === undefined) {
      if (dayKeys.size >= 4) dayKeys.clear();
      key = createHmac('sha256', deps.dataKey).update(`partnergate visitor key ${day}`).digest();
      dayKeys.set(day, key);
    }
    return key;
  }

  function enqueue(req: IncomingMessage, referral: Referral, at: number, url: string): void {
    if (stopped) return;
    if (queue.length >= deps.queueMax) {
      stats.dropped += 1;
      return;
    }
    const q = url.indexOf('?');
    const address = req.socket.remoteAddress ?? '';
    queue.push({
      referralCode: referral.referralCode,
      promoToolId: referral.promoToolId,
      subId: referral.subId,
      at,
      path: (q < 0 ? url : url.slice(0, q)).slice(0, MAX_PATH),
      address: address.startsWith('::ffff:') ? address.slice(7) : address,
      agent: req.headers['user-agent'] ?? '',
    });
    stats.queued += 1;
  }

  function cookieLine(a: Referral, setDay: number, countedDay: number, at: number): string {
    const maxAge = Math.floor(((setDay + cookieDays) * DAY_MS - at) / 1000);
    return `${cookieMarker}${formatAttribution(a, setDay, countedDay)}; Max-Age=${maxAge}${cookieTail}`;
  }

  function observe(req: IncomingMessage): string | undefined {
    const url = req.url!;
    const q = url.indexOf('?');
    const tagged = q >= 0 && url.includes('orid=', q);
    const cookie = req.headers.cookie;
    if (!tagged && (cookie === undefined || !cookie.includes(cookieMarker))) return undefined;
    if (isNotAVisit(req.method, req.headers)) return undefined;
    const at = now();
    const today = Math.floor(at / DAY_MS);
    if (tagged) {
      const referral = referralOf(url.slice(q + 1));
      if (referral !== undefined) {
        enqueue(req, referral, at, url);
        return cookieLine(referral, today, today, at);
      }
    }
    // A visitor coming back with the cookie counts on the first page load of each day while the cookie lasts.
    if (cookie === undefined || !isPageLoad(req.headers)) return undefined;
    const kept = attributionIn(cookie, cookieName);
    if (kept === undefined || kept.countedDay >= today || kept.setDay + cookieDays <= today) return undefined;
    enqueue(req, kept, at, url);
    return cookieLine(kept, kept.setDay, today, at);
  }

  // Visitors already written, per day: repeats in later batches cost no store round trip. Bounded; a visitor
  // forgotten here is still counted once, by the unique index.
  let countedDay = -1;
  const counted = new Set<string>();
  const MAX_COUNTED = 100_000;

  /** The batch without repeats (same referral code, visitor and day), each with its visitor hash. */
  function fresh(batch: PendingVisit[]): Array<{ v: PendingVisit; day: number; hash: string }> {
    const seen = new Set<string>();
    const out: Array<{ v: PendingVisit; day: number; hash: string }> = [];
    for (const v of batch) {
      const day = Math.floor(v.at / DAY_MS);
      // One HMAC per visitor of the batch, not per request: a busy visitor's repeats cost a string compare.
      const raw = `${day}\n${v.referralCode}\n${v.address}\n${v.agent}`;
      if (seen.has(raw)) continue;
      seen.add(raw);
      const hash = createHmac('sha256', dayKey(day)).update(`${v.address}\n${v.agent}`).digest('base64url').slice(0, 22);
      const key = `${day} ${v.referralCode} ${hash}`;
      if (counted.has(key)) continue;
      out.push({ v, day, hash });
    }
    return out;
  }

  function remember(day: number, code: string, hash: string): void {
    if (day !== countedDay || counted.size >= MAX_COUNTED) {
      counted.clear();
      countedDay = day;
    }
    counted.add(`${day} ${code} ${hash}`);
  }

  async function write(all: PendingVisit[]): Promise<void> {
    const batch = fresh(all);
    if (batch.length === 0) return;
    const partners = await partnersByReferralCode(db, [...new Set(batch.map((b) => b.v.referralCode))]);
    const toolIds = [...new Set(batch.flatMap((b) => (b.v.promoToolId === null ? [] : [b.v.promoToolId])))];
    const tools = await promoToolPrograms(db, toolIds);
    const rows: VisitRow[] = [];
    const partnerCodes = new Map([...partners.values()].map((p) => [p.id, p.referralCode]));
    for (const { v, day, hash } of batch) {
      const partner = partners.get(v.referralCode);
      if (partner === undefined) {
        stats.unknownPartner += 1;
        continue;
      }
      const program = v.promoToolId === null ? undefined : tools.get(v.promoToolId);
      // A promo tool of another program (or none at all) is not this partner's: the click counts, without the tool.
      const toolOk = program !== undefined && (program === null || program === partner.programId);
      rows.push({
        partner_id: partner.id,
        promo_tool_id: toolOk ? v.promoToolId : null,
        sub_id: v.subId,
        landing_path: v.path || '/',
        visited_at: v.at,
        visit_day: day,
        visitor_hash: hash,
      });
    }
    stats.written += await insertVisits(db, rows);
    for (const r of rows) remember(r.visit_day, partnerCodes.get(r.partner_id)!, r.visitor_hash);
  }

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        await write(batch);
      } catch (err) {
        logger.error({ err: (err as Error).message, visits: batch.length }, 'tracking: a batch of clicks could not be written');
      }
    }
  }

  function flush(): Promise<void> {
    // One writer at a time; a flush asked for during a write waits for it, then writes what came in since.
    const next = (flushing ?? Promise.resolve()).then(drain);
    flushing = next;
    void next.finally(() => {
      if (flushing === next) flushing = undefined;
    });
    return next;
  }

  let lastDropped = 0;
  function onTimer(): void {
    if (stats.dropped !== lastDropped) {
      logger.warn({ dropped: stats.dropped - lastDropped, queueMax: deps.queueMax }, 'tracking: click queue full, visits dropped');
      lastDropped = stats.dropped;
    }
    if (queue.length > 0 && flushing === undefined) void flush();
  }
  const timer = setInterval(onTimer, deps.flushMs);
  timer.unref();

  return {
    cookieName,
    observe,
    flush,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await flush();
    },
    stats: () => ({ ...stats }),
  };
}
