/**
 * The SMTP side of the outbox: one nodemailer transport per process, pooled (a few connections kept open and
 * reused, messages sent over them side by side) and rate-capped when the provider caps it. Without an SMTP URL,
 * messages are logged instead (development only; no secrets in them).
 */
import { connect, type Socket } from 'node:net';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from '../common/index.js';
import { createMimeWriter, type OutgoingEmail } from './mime.js';

export interface MailTransport {
  /** Domain of the From address, used in Message-IDs. */
  fromDomain: string;
  /** Messages worth having in flight at once (the pool's connections): the outbox keeps this many busy. */
  maxConnections?: number;
  send(message: OutgoingEmail): Promise<{ messageId: string | null }>;
  /**
   * Keeps the pooled connections open until the returned function is called; when the last holder lets go they
   * are closed (an idle gateway holds no connection to the mail server).
   */
  hold?(): () => void;
  close(): void;
}

export interface PoolOptions {
  /** SMTP connections open side by side (nodemailer `maxConnections`). */
  maxConnections?: number;
  /** Messages per connection before it is replaced (nodemailer `maxMessages`). */
  maxMessages?: number;
  /** Most messages handed over per second; 0 or unset: no cap (nodemailer `rateLimit` per 1000 ms). */
  ratePerSecond?: number;
}

/**
 * The SMTP URL with the pool settings added; what the URL itself says wins (an operator who wrote
 * `?maxConnections=2` into PARTNERGATE_SMTP_URL keeps 2).
 */
export function pooledSmtpUrl(smtpUrl: string, pool: PoolOptions = {}): { url: string; maxConnections: number } {
  const url = new URL(smtpUrl);
  const q = url.searchParams;
  const setDefault = (key: string, value: number | string | undefined) => {
    if (value !== undefined && !q.has(key)) q.set(key, String(value));
  };
  setDefault('pool', 'true');
  setDefault('maxConnections', pool.maxConnections ?? 4);
  setDefault('maxMessages', pool.maxMessages);
  if (pool.ratePerSecond) {
    setDefault('rateDelta', 1000);
    setDefault('rateLimit', pool.ratePerSecond);
  }
  const pooled = q.get('pool') === 'true';
  return { url: url.toString(), maxConnections: pooled ? Math.max(1, Number(q.get('maxConnections')) || 5) : 1 };
}

/** The pool settings from the configuration (PARTNERGATE_SMTP_MAX_CONNECTIONS, _MAX_MESSAGES, _RATE_PER_SECOND). */
export function poolOptionsOf(config: { smtpMaxConnections: number; smtpMaxMessages: number; smtpRatePerSecond: number }): PoolOptions {
  return { maxConnections: config.smtpMaxConnections, maxMessages: config.smtpMaxMessages, ratePerSecond: config.smtpRatePerSecond };
}

/** SMTP when a URL is configured; otherwise messages are logged (development only; no secrets in them). */
export function createMailTransport(opts: { smtpUrl?: string; from: string; logger: Logger; pool?: PoolOptions }): MailTransport {
  const smtp = opts.smtpUrl ? pooledSmtpUrl(opts.smtpUrl, opts.pool) : undefined;
  let transporter: Transporter | undefined;
  let holders = 0;
  const open = (): Transporter => {
    if (transporter) return transporter;
    if (!smtp) return (transporter = nodemailer.createTransport({ jsonTransport: true }) as unknown as Transporter);
    transporter = nodemailer.createTransport(smtp.url, { from: opts.from });
    withNoDelay(transporter);
    return transporter;
  };
  const mime = createMimeWriter(opts.from);
  const shut = () => {
    transporter?.close();
    transporter = undefined;
  };
  return {
    fromDomain: /@([A-Za-z0-9.-]+)/.exec(opts.from)?.[1] ?? 'localhost',
    maxConnections: smtp?.maxConnections ?? 1,
    async send(m) {
      // Over SMTP the message goes as one finished buffer when it can (mime.ts: measured 0.74-0.85 -> 0.56 ms of CPU per email).
      const raw = smtp ? mime.build(m) : null;
      if (raw) {
        // The Message-ID given spares nodemailer making a random one for its own bookkeeping.
        await open().sendMail({ envelope: { from: mime.envelopeFrom, to: [m.to] }, raw, messageId: m.messageId });
        return { messageId: m.messageId };
      }
      // base64 bodies: nodemailer otherwise scans every text twice with regular expressions to choose between
      // quoted-printable and base64, then quoted-printable-encodes in JavaScript (a fifth of a drain's CPU).
      const info = await open().sendMail({ from: opts.from, to: m.to, subject: m.subject, text: m.text, html: m.html, messageId: m.messageId, textEncoding: 'base64' });
      if (!smtp) opts.logger.info({ to: m.to, subject: m.subject }, 'email not sent: no SMTP configured (PARTNERGATE_SMTP_URL)');
      return { messageId: info.messageId ?? null };
    },
    hold() {
      holders++;
      let held = true;
      return () => {
        if (!held) return;
        held = false;
        if (--holders === 0) shut();
      };
    },
    close: shut,
  };
}

/**
 * nodemailer leaves Nagle's algorithm on: its small SMTP writes then wait for delayed ACKs, about 50 ms per
 * message even on loopback (measured: 50 ms -> 10 ms per message, bench/migration.ts). Its `getSocket` hook hands
 * it our own connected TCP socket with TCP_NODELAY; TLS (smtps:// or STARTTLS) is still negotiated by nodemailer
 * on it. When ours cannot connect, nodemailer is left to connect by itself and meet the error on its own path:
 * a pool handed the error by the hook would keep the failed connection's slot and never send again.
 * Proxied connections keep nodemailer's own socket.
 */
function withNoDelay(transporter: Transporter): void {
  const inner = (transporter as unknown as { transporter?: { getSocket?: GetSocket; options?: { proxy?: unknown } } }).transporter;
  if (!inner?.getSocket || inner.options?.proxy) return;
  inner.getSocket = (options, callback) => {
    const socket = connect({ host: options.host ?? 'localhost', port: options.port ?? (options.secure ? 465 : 587) });
    socket.setNoDelay(true);
    const onError = () => callback(null);
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      coalesceWrites(socket);
      callback(null, { connection: socket });
    });
  };
}

/**
 * nodemailer writes a message as many small chunks (each header line, each encoded body line); with Nagle off
 * each became its own write system call and packet (the largest single cost of a drain in a CPU profile). The
 * writes made in one tick now leave together: the socket is corked at the first and uncorked on the next tick.
 */
function coalesceWrites(socket: Socket): void {
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  const uncork = () => socket.uncork();
  socket.write = ((...args: unknown[]) => {
    if (!socket.writableCorked) {
      socket.cork();
      process.nextTick(uncork);
    }
    return write(...args);
  }) as Socket['write'];
}

type GetSocket = (options: { host?: string; port?: number; secure?: boolean }, callback: (err: Error | null, socket?: { connection: Socket }) => void) => void;
