/**
 * Per-request bookkeeping done once in `server.ts` for every request, own or proxied: the request id (the
 * client's `X-Request-Id` when well formed, else a new one; set on the request so the proxy passes it to
 * WordPress and the express context reuses it, and on the answer), the metrics observation, and the access log
 * line. Like the proxy's hooks, the listener is one function made here, never a closure per request: what it
 * needs rides on the response under symbols.
 *
 * The line (`msg: "request"`): reqId, method, path (never the query string: one-time tokens travel there),
 * status, bytes (written to the socket for this answer, headers included, like nginx's `$bytes_sent`), ms
 * (until the answer is complete or the client went away), upstreamMs (proxied only: until WordPress's
 * response headers arrived, like nginx's `$upstream_header_time`), ip (the client as the trusted proxies vouch
 * for it), class (own or proxied), and aborted when the client left before the answer was complete (status
 * 499, nginx's "client closed request", when it left before any answer was sent).
 *
 * A websocket upgrade gets the same id (passed to WordPress) and one line when its connection closes, as nginx
 * logs one: status 101 when WordPress switched protocols (else the answer it or the gateway gave), bytes and ms
 * over the whole connection, `websocket: true`. It is not a metrics observation: a connection's lifetime is not a
 * request's latency.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { bulkLogger, jsonAscii, type Logger } from '../common/index.js';
import type { Metrics, RouteClass } from './metrics.js';
import { clientAddress, type TrustFn } from './forwarded.js';
import { requestIdFor } from './request-context.js';

const kStart = Symbol('partnergate.start');
const kClass = Symbol('partnergate.routeClass');
const kReq = Symbol('partnergate.req');
const kBytesBefore = Symbol('partnergate.bytesBefore');
const kUpstreamStart = Symbol('partnergate.upstreamStart');
const kUpstreamMs = Symbol('partnergate.upstreamMs');
const kIp = Symbol('partnergate.clientIp');
const kStatus = Symbol('partnergate.upgradeStatus');

interface Observed extends ServerResponse {
  [kStart]: bigint;
  [kClass]: RouteClass;
  [kReq]: IncomingMessage;
  [kBytesBefore]: number;
  [kUpstreamStart]?: bigint;
  [kUpstreamMs]?: number;
  [kIp]?: string;
}

/** An upgrade's client socket, observed like a response. */
interface ObservedUpgrade extends Duplex {
  [kStart]: bigint;
  [kClass]: RouteClass;
  [kReq]: IncomingMessage;
  [kUpstreamStart]?: bigint;
  [kUpstreamMs]?: number;
  [kIp]?: string;
  [kStatus]?: number;
  bytesWritten?: number;
}

/** The proxy calls this when it sends the request (or upgrade: its client socket) to WordPress... */
export function upstreamStarted(res: ServerResponse | Duplex): void {
  (res as Observed)[kUpstreamStart] = process.hrtime.bigint();
}

/** ...and this when WordPress's response headers arrive. */
export function upstreamAnswered(res: ServerResponse | Duplex): void {
  const r = res as Observed;
  const started = r[kUpstreamStart];
  if (started !== undefined) r[kUpstreamMs] = Number(process.hrtime.bigint() - started) / 1e6;
}

/** Whoever answers an upgrade (WordPress's 101 or other answer, the gateway's refusal) records the status here; the first one counts. */
export function upgradeAnswered(socket: Duplex, status: number): void {
  const s = socket as ObservedUpgrade;
  if (s[kStatus] === undefined) s[kStatus] = status;
}

/** What one access line says, kept until its batch is written (plain values: no request, socket or response). */
interface AccessRecord {
  id: string;
  method: string;
  url: string;
  status: number;
  bytes: number;
  seconds: number;
  cls: RouteClass;
  ip: string | undefined;
  upstreamMs: number | undefined;
  /** Fixed members the observer adds (aborted, websocket), already JSON. */
  tail: string;
}

/**
 * The line's fields as JSON members (see `bulkLogger`): strings from the request go through `jsonAscii`, which
 * escapes quotes, control characters, lone surrogates and anything beyond ASCII (an X-Forwarded-For entry the
 * trusted proxies pass on, read as latin1); the rest are numbers and the observer's own words. The path is
 * written without its query string.
 */
function accessFields(r: AccessRecord): string {
  const q = r.url.indexOf('?');
  let fields = `"reqId":${jsonAscii(r.id)},"method":${jsonAscii(r.method)},"path":${jsonAscii(q < 0 ? r.url : r.url.slice(0, q))},"status":${r.status},"bytes":${r.bytes},"ms":${Math.round(r.seconds * 1e4) / 10}${r.ip === undefined ? '' : `,"ip":${jsonAscii(r.ip)}`},"class":"${r.cls}"`;
  if (r.upstreamMs !== undefined) fields += `,"upstreamMs":${Math.round(r.upstreamMs * 10) / 10}`;
  return fields + r.tail;
}

export interface RequestObserver {
  /** Gives the request its id and arranges the metrics observation and log line for when the answer ends. */
  begin(req: IncomingMessage, res: ServerResponse, routeClass: RouteClass): void;
  /** The same for a websocket upgrade: its id, and its line when the connection closes. */
  beginUpgrade(req: IncomingMessage, socket: Duplex, routeClass: RouteClass): void;
  /** Writes access log lines still buffered (the server calls it once it has closed). */
  flush(): void;
}

export function createRequestObserver(opts: { logger: Logger; metrics: Metrics; accessLog: boolean; trust: TrustFn }): RequestObserver {
  const { metrics, trust } = opts;
  // Below info level the line would be dropped anyway: do not build it.
  const accessLog = opts.accessLog && opts.logger.isLevelEnabled('info');
  // Every field of the line is the gateway's own (no header, no query string), so it is written without pino's
  // per-object path (serialisers, the redaction pass); to stdout the records are queued and formatted and written
  // in batches (src/common/bulk-log.ts).
  const log = accessLog ? bulkLogger<AccessRecord>(opts.logger, 'request', accessFields) : undefined;

  /** One line's record; `status` and the numbers as observed. */
  function queueLine(req: IncomingMessage, status: number, bytes: number, seconds: number, cls: RouteClass, ip: string | undefined, upstreamMs: number | undefined, tail: string): void {
    const id = req.headers['x-request-id']; // begin() set it
    log?.add({
      id: typeof id === 'string' ? id : '',
      method: req.method ?? '',
      // express rewrites req.url while routing (mount paths) and keeps what arrived in originalUrl.
      url: (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/',
      status,
      bytes,
      seconds,
      cls,
      ip,
      upstreamMs,
      tail,
    });
  }

  function onClose(this: Observed): void {
    const finished = this.writableFinished;
    const seconds = Number(process.hrtime.bigint() - this[kStart]) / 1e9;
    if (finished) metrics.observe(this[kClass], this.statusCode, seconds);
    if (!accessLog) return;
    const req = this[kReq];
    const status = finished || this.headersSent ? this.statusCode : 499;
    queueLine(req, status, req.socket.bytesWritten - this[kBytesBefore], seconds, this[kClass], this[kIp], this[kUpstreamMs], finished ? '' : ',"aborted":true');
  }

  function onUpgradeClose(this: ObservedUpgrade): void {
    const seconds = Number(process.hrtime.bigint() - this[kStart]) / 1e9;
    const status = this[kStatus];
    queueLine(this[kReq], status ?? 499, this.bytesWritten ?? 0, seconds, this[kClass], this[kIp], this[kUpstreamMs], status === undefined ? ',"websocket":true,"aborted":true' : ',"websocket":true');
  }

  return {
    begin(req, res, routeClass) {
      const id = requestIdFor(req);
      req.headers['x-request-id'] = id;
      res.setHeader('X-Request-Id', id);
      const r = res as Observed;
      r[kStart] = process.hrtime.bigint();
      r[kClass] = routeClass;
      r[kReq] = req;
      r[kBytesBefore] = req.socket.bytesWritten;
      // Read as the request arrived: the proxy rewrites X-Forwarded-For for WordPress before the answer ends.
      if (accessLog) r[kIp] = clientAddress(req, trust);
      res.on('close', onClose); // a response closes once: `once` would allocate a wrapper per request
    },
    beginUpgrade(req, socket, routeClass) {
      req.headers['x-request-id'] = requestIdFor(req);
      if (!accessLog) return;
      const s = socket as ObservedUpgrade;
      s[kStart] = process.hrtime.bigint();
      s[kClass] = routeClass;
      s[kReq] = req;
      s[kIp] = clientAddress(req, trust);
      socket.once('close', onUpgradeClose);
    },
    flush: () => log?.flush(),
  };
}
