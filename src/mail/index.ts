/**
 * Mail: every email goes through the outbox. `queueEmail` records it once per idempotency key (in the caller's
 * transaction when given one); `processEmailOutbox` sends due rows over SMTP (nodemailer). A row is claimed
 * before sending and marked after, so two workers never send the same row, and a crash between the two is
 * reported as "interrupted" instead of being sent again. Templates: `templates/emails/<name>.{subject,text,html}.hbs`.
 *
 * Secrets at rest: an email's parameters (reset, set-password and confirmation links among them) are sealed with
 * the data key (src/common/sealed.ts) when queued, and dropped once the email is sent, so neither a dump of the
 * outbox nor a backup holds a usable link.
 */
import { connect, type Socket } from 'node:net';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Kysely, Transaction } from 'kysely';
import { AppError, isSealed, seal, unseal, type DataKeyring, type Logger } from '../common/index.js';
import type { Database } from '../store/index.js';
import type { Views } from '../common/index.js';
import * as repo from './outbox.repo.js';

export interface MailTransport {
  /** Domain of the From address, used in Message-IDs. */
  fromDomain: string;
  send(message: { to: string; subject: string; text: string; html?: string; messageId: string }): Promise<{ messageId: string | null }>;
  close(): void;
}

/** SMTP when a URL is configured; otherwise messages are logged (development only; no secrets in them). */
export function createMailTransport(opts: { smtpUrl?: string; from: string; logger: Logger }): MailTransport {
  const transporter: Transporter = opts.smtpUrl
    ? nodemailer.createTransport(opts.smtpUrl, { from: opts.from })
    : (nodemailer.createTransport({ jsonTransport: true }) as unknown as Transporter);
  if (opts.smtpUrl) withNoDelay(transporter);
  return {
    fromDomain: /@([A-Za-z0-9.-]+)/.exec(opts.from)?.[1] ?? 'localhost',
    async send(m) {
      const info = await transporter.sendMail({ from: opts.from, to: m.to, subject: m.subject, text: m.text, html: m.html, messageId: m.messageId });
      if (!opts.smtpUrl) opts.logger.info({ to: m.to, subject: m.subject }, 'email not sent: no SMTP configured (PARTNERGATE_SMTP_URL)');
      return { messageId: info.messageId ?? null };
    },
    close: () => transporter.close(),
  };
}

/**
 * nodemailer leaves Nagle's algorithm on: its small SMTP writes then wait for delayed ACKs, about 50 ms per
 * message even on loopback (measured: 50 ms -> 10 ms per message, bench/migration.ts). Its `getSocket` hook hands
 * it our own TCP socket with TCP_NODELAY; TLS (smtps:// or STARTTLS) is still negotiated by nodemailer on it.
 * Proxied connections keep nodemailer's own socket.
 */
function withNoDelay(transporter: Transporter): void {
  const inner = (transporter as unknown as { transporter?: { getSocket?: GetSocket; options?: { proxy?: unknown } } }).transporter;
  if (!inner?.getSocket || inner.options?.proxy) return;
  inner.getSocket = (options, callback) => {
    const socket = connect({ host: options.host ?? 'localhost', port: options.port ?? (options.secure ? 465 : 587) });
    socket.setNoDelay(true);
    const onError = (err: Error) => callback(err);
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      callback(null, { connection: socket });
    });
  };
}
type GetSocket = (options: { host?: string; port?: number; secure?: boolean }, callback: (err: Error | null, socket?: { connection: Socket }) => void) => void;

export interface QueueEmailInput {
  /** Same key, same email: queued once whoever asks again (e.g. `credentials:account:42`). */
  idempotencyKey: string;
  to: string;
  template: string;
  params: Record<string, unknown>;
}

/** Authenticated data of sealed outbox parameters: they open nowhere else. */
const PARAMS_PURPOSE = 'email_outbox.params';

/** Templates whose parameters hold a one-time link: never queued without a data key. */
const TEMPLATES_WITH_LINKS = new Set(['password-reset', 'new-credentials', 'partner-change-confirm']);

/**
 * The stored form of an email's parameters: sealed with the data key. `keys` is null only for emails that carry
 * no secret (callers without the gateway's configuration); a template with a one-time link is refused then.
 */
function storedParams(keys: DataKeyring | null, input: QueueEmailInput): string {
  const json = JSON.stringify(input.params);
  if (keys) return seal(keys, json, PARAMS_PURPOSE);
  if (TEMPLATES_WITH_LINKS.has(input.template)) throw new AppError('internal', `email ${input.template} carries a one-time link and must be queued with the data key`);
  return json;
}

/** Queues an email; returns false when one with this key was already queued or sent. */
export async function queueEmail(db: Kysely<Database> | Transaction<Database>, keys: DataKeyring | null, input: QueueEmailInput, now = Date.now()): Promise<boolean> {
  return repo.insertIfAbsent(db, { idempotency_key: input.idempotencyKey, to_address: input.to, template: input.template, params_json: storedParams(keys, input), now });
}

/** Queues many emails in one statement (a migration's batch); returns the keys this call queued. */
export async function queueEmails(db: Kysely<Database> | Transaction<Database>, keys: DataKeyring | null, inputs: readonly QueueEmailInput[], now = Date.now()): Promise<Set<string>> {
  return repo.insertManyIfAbsent(db, inputs.map((i) => ({ idempotency_key: i.idempotencyKey, to_address: i.to, template: i.template, params_json: storedParams(keys, i), now })));
}

/** An outbox row's parameters: opened with the data key, or read as JSON when queued before sealing existed. */
export function emailParams(keys: DataKeyring, paramsJson: string): Record<string, unknown> {
  return JSON.parse(isSealed(paramsJson) ? unseal(keys, paramsJson, PARAMS_PURPOSE) : paramsJson) as Record<string, unknown>;
}

export const findEmail = repo.findByKey;
export const findEmails = repo.findByKeys;
export const requeueEmail = repo.requeue;

export interface OutboxResult {
  sent: number;
  failed: Array<{ key: string; to: string; error: string }>;
  retrying: number;
  interrupted: number;
}

/** Renders an email from its three templates. */
export function renderEmail(views: Views, template: string, params: Record<string, unknown>): { subject: string; text: string; html?: string } {
  const subject = views.render(`emails/${template}.subject`, params).trim();
  const text = views.render(`emails/${template}.text`, params);
  const html = views.has(`emails/${template}.html`) ? views.render(`emails/${template}.html`, params) : undefined;
  return { subject, text, html };
}

/**
 * Sends every due email. Permanent SMTP refusals (5xx) fail the row at once; temporary ones are retried with
 * backoff up to `maxAttempts`. A sent row keeps no parameters (a resend issues a new email with a new link).
 */
export async function processEmailOutbox(
  deps: { db: Kysely<Database>; keys: DataKeyring; transport: MailTransport; views: Views; logger: Logger },
  opts: { limit?: number; maxAttempts?: number; now?: () => number; onSent?: (n: number) => void } = {},
): Promise<OutboxResult> {
  const now = opts.now ?? Date.now;
  const result: OutboxResult = { sent: 0, failed: [], retrying: 0, interrupted: 0 };
  result.interrupted = await repo.markInterrupted(deps.db, now() - 10 * 60_000);
  const maxAttempts = opts.maxAttempts ?? 5;
  for (;;) {
    const ids = await repo.dueIds(deps.db, now(), opts.limit ?? 100);
    if (ids.length === 0) break;
    let progressed = false;
    for (const id of ids) {
      const row = await repo.claim(deps.db, id, now());
      if (!row) continue;
      progressed = true;
      try {
        const params = emailParams(deps.keys, row.params_json);
        const msg = renderEmail(deps.views, row.template, params);
        // A stable Message-ID per outbox row lets mail systems drop a copy should one ever be resent.
        const sent = await deps.transport.send({ to: row.to_address, ...msg, messageId: `<partnergate-outbox-${row.id}@${deps.transport.fromDomain}>` });
        await repo.markSent(deps.db, row.id, sent.messageId, now());
        result.sent++;
        opts.onSent?.(result.sent);
      } catch (err) {
        const e = err as { message?: string; responseCode?: number };
        const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500;
        const final = permanent || row.attempts >= maxAttempts;
        const backoff = Math.min(60 * 60_000, 2 ** row.attempts * 30_000);
        await repo.markRetry(deps.db, row.id, e.message ?? String(err), now() + backoff, final);
        if (final) result.failed.push({ key: row.idempotency_key, to: row.to_address, error: e.message ?? String(err) });
        else result.retrying++;
        deps.logger.warn({ outboxId: row.id, template: row.template, code: e.responseCode, final }, 'email not sent');
      }
    }
    if (!progressed) break;
  }
  return result;
}
