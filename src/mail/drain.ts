/**
 * Draining the outbox: due rows are claimed a few at a time (one statement), rendered, handed to the pooled
 * SMTP transport with as many in flight as it has connections, and marked sent together (one statement). A row
 * is `sending` from its claim until it is marked, so a crash in between leaves it `sending`; ten minutes later a
 * drain flags it "interrupted" instead of sending it again (it may have arrived). At most two claims' worth of
 * rows (PARTNERGATE_MAIL_DRAIN_BATCH each) are `sending` at once: that bounds what one crash can leave that way.
 * The pool's connections are held while a drain runs and closed after it.
 *
 * Bulk drains (the gateway's background jobs, `partnergate mail drain`, a migration's `--send`) hold the store
 * lease `mail.drain` while they run, so one process at a time sends the outbox and a provider's rate cap
 * (PARTNERGATE_SMTP_RATE_PER_SECOND, enforced by the transport) holds across processes.
 */
import type { Kysely } from 'kysely';
import type { DataKeyring, Logger, Views } from '../common/index.js';
import { acquireLease, acquireLeaseFromDead, processHolder, releaseLease, type Database, type EmailOutbox } from '../store/index.js';
import * as repo from './outbox.repo.js';
import { emailParams, renderEmail } from './render.js';
import type { MailTransport } from './transport.js';

export const DRAIN_LEASE = 'mail.drain';
const LEASE_TTL_MS = 60_000;

export interface OutboxResult {
  sent: number;
  failed: Array<{ key: string; to: string; error: string }>;
  retrying: number;
  interrupted: number;
  /** Another process holds the drain lease: this call sent nothing (it is sending them). */
  busy?: boolean;
}

export interface DrainDeps {
  db: Kysely<Database>;
  keys: DataKeyring;
  transport: MailTransport;
  views: Views;
  logger: Logger;
}

export interface DrainOptions {
  /** Rows one claim takes (two claims are in progress at once); default the transport's connections. */
  batch?: number;
  /** Attempts before a temporary SMTP error becomes final (default 5). */
  maxAttempts?: number;
  now?: () => number;
  /** Called after each batch is marked, with the number sent so far. */
  onSent?: (n: number) => void;
  /** Take the `mail.drain` lease (bulk drains); a one-off send after a request does not. */
  lease?: boolean;
}

/**
 * Sends every due email. Permanent SMTP refusals (5xx) fail the row at once; temporary ones are retried with
 * backoff up to `maxAttempts`. A sent row keeps no parameters (a resend issues a new email with a new link).
 *
 * Two lanes, each claiming `batch` rows, sending them side by side over the pool and marking them: while one
 * lane waits on the store the other keeps the connections busy. At most 2 x `batch` rows are ever `sending`
 * (what one crash can leave flagged "interrupted"); a larger batch costs fewer commits per email.
 */
export async function processEmailOutbox(deps: DrainDeps, opts: DrainOptions = {}): Promise<OutboxResult> {
  const now = opts.now ?? Date.now;
  const result: OutboxResult = { sent: 0, failed: [], retrying: 0, interrupted: 0 };
  const holder = processHolder();
  // A drain killed mid-way leaves its lease: taken over at once when its process is gone (same host).
  if (opts.lease && !(await acquireLeaseFromDead(deps.db, DRAIN_LEASE, holder, LEASE_TTL_MS)).held) return { ...result, busy: true };
  const letGo = deps.transport.hold?.();
  try {
    result.interrupted = await repo.markInterrupted(deps.db, now() - 10 * 60_000);
    const maxAttempts = opts.maxAttempts ?? 5;
    const connections = Math.max(1, deps.transport.maxConnections ?? 1);
    const lanes = 2;
    const perClaim = Math.max(1, opts.batch ?? Math.ceil(connections / lanes));
    let stop = false;
    let renewedAt = Date.now();
    const lane = async () => {
      while (!stop) {
        const rows = await repo.claimDue(deps.db, now(), perClaim);
        if (rows.length === 0) return;
        const sent: number[] = [];
        await Promise.all(
          rows.map(async (row) => {
            try {
              await sendRow(deps, row);
              sent.push(row.id);
            } catch (err) {
              await failRow(deps, row, err, maxAttempts, now(), result);
            }
          }),
        );
        await repo.markSentMany(deps.db, sent, deps.transport.fromDomain, now());
        result.sent += sent.length;
        opts.onSent?.(result.sent);
        // A drain that lost its lease (stalled past the TTL, another process took over) stops.
        if (opts.lease && Date.now() - renewedAt > LEASE_TTL_MS / 6) {
          renewedAt = Date.now();
          if (!(await acquireLease(deps.db, DRAIN_LEASE, holder, LEASE_TTL_MS))) stop = true;
        }
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
  } finally {
    letGo?.();
    if (opts.lease) await releaseLease(deps.db, DRAIN_LEASE, holder).catch(() => undefined);
  }
  return result;
}

async function sendRow(deps: DrainDeps, row: EmailOutbox): Promise<void> {
  const msg = renderEmail(deps.views, row.template, emailParams(deps.keys, row.params_json));
  // A stable Message-ID per outbox row lets mail systems drop a copy should one ever be resent.
  await deps.transport.send({ to: row.to_address, ...msg, messageId: `<partnergate-outbox-${row.id}@${deps.transport.fromDomain}>` });
}

async function failRow(deps: DrainDeps, row: EmailOutbox, err: unknown, maxAttempts: number, at: number, result: OutboxResult): Promise<void> {
  const e = err as { message?: string; responseCode?: number };
  const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500;
  const final = permanent || row.attempts >= maxAttempts;
  const backoff = Math.min(60 * 60_000, 2 ** row.attempts * 30_000);
  await repo.markRetry(deps.db, row.id, e.message ?? String(err), at + backoff, final);
  if (final) result.failed.push({ key: row.idempotency_key, to: row.to_address, error: e.message ?? String(err) });
  else result.retrying++;
  deps.logger.warn({ outboxId: row.id, template: row.template, code: e.responseCode, final }, 'email not sent');
}
