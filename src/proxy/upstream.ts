/**
 * The pass-through to WordPress: one http-proxy-middleware instance created at start-up, with its default
 * plugins ejected and replaced by the few hooks this gateway needs. Per request the path only branches: header
 * hygiene in place, a length check, and (only when the Partnergate session cookie is present) a session lookup
 * for the identity assertion. Every hook is a function made once here, never a closure per request.
 *
 * What it guarantees:
 * - the request line, query string, cookies (minus the gateway's own) and body reach WordPress byte for byte;
 *   the answer comes back as WordPress sent it (streamed, compressed or not), minus hop-by-hop headers;
 * - with `upstreamPreserveHost` false, Location/Content-Location/Link/Refresh URLs and cookie Domains that name
 *   the upstream's host are moved back to the public host the client used;
 * - no request hangs: the upstream socket may stay silent at most `upstreamTimeoutMs` (connect, headers, or a
 *   stalled body) before the client gets a 504 (or a cut response if WordPress had already started answering);
 * - a client that goes away frees the upstream socket at once;
 * - bodies over `maxUploadBytes` get 413, by Content-Length before anything is sent, or by counting a chunked body;
 * - an answer to a request that carried the identity assertion is marked `Cache-Control: private`, `Vary: Cookie`;
 * - at most `upstreamMaxSockets` sockets to WordPress at once; further requests wait for a free one.
 * - with click tracking on, a click on a partner's link is queued (never awaited) and the answer carries the
 *   attribution cookie after WordPress's own cookies, marked `Cache-Control: private`; that cookie never
 *   reaches WordPress (src/tracking).
 */
import { Agent, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createProxyMiddleware, type Plugin } from 'http-proxy-middleware';
import { createHandoffBinder } from '../auth/handoff-binding.js';
import type { GatewayDeps } from '../deps.js';
import { compileTrust, forwardedFor, upstreamAnswered, upstreamStarted, type UpstreamErrorKind } from '../http/index.js';
import { holdHeaderForFirstChunk } from './first-chunk.js';
import { dropResponseHopByHop, markPrivate, RequestHygiene, rewriteResponseOrigins, takeGatewayCookies, type OriginRewrite } from './headers.js';
import { createIdentityAsserter } from './identity.js';
import type { ClickRecorder } from '../tracking/index.js';

export interface UpstreamProxy {
  web(req: IncomingMessage, res: ServerResponse): void;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Frees pooled upstream sockets and ends open websockets. */
  close(): void;
}

export type UpstreamProxyDeps = Pick<GatewayDeps, 'config' | 'store' | 'logger' | 'sessionPolicy' | 'cookies' | 'now' | 'metrics'>;

export interface UpstreamProxyOptions {
  /** The branded page for WordPress being down (502) or too slow (504). */
  errorPage: (status: 502 | 504) => string;
  /** A plain page for requests the gateway refuses before WordPress sees them (400, 413). */
  refusalPage?: (status: 400 | 413, message: string) => string;
  /** Records clicks on partners' links (src/tracking); its attribution cookie is the gateway's, not WordPress's. */
  clicks?: ClickRecorder;
}

/** A free (pooled) upstream socket is closed after this long: below Apache's 5 s keep-alive, so it is never reused stale. */
const FREE_SOCKET_IDLE_MS = 4_000;
const SLASH = 47;

const kProxyReq = Symbol('partnergate.proxyReq');
const kBodyBytes = Symbol('partnergate.bodyBytes');
const kTooLarge = Symbol('partnergate.bodyTooLarge');
const kResponse = Symbol('partnergate.response');
const kPeer = Symbol('partnergate.peer');
const kClickCookie = Symbol('partnergate.clickCookie');

interface TaggedRequest extends IncomingMessage {
  [kProxyReq]?: ClientRequest;
  [kBodyBytes]?: number;
  [kTooLarge]?: boolean;
  [kResponse]?: ServerResponse;
  [kClickCookie]?: string;
}
interface TaggedResponse extends ServerResponse {
  [kProxyReq]?: ClientRequest;
}
interface TaggedSocket extends Duplex {
  [kProxyReq]?: ClientRequest;
  /** The other end of a websocket pair, destroyed with this one. */
  [kPeer]?: Duplex;
}
interface TaggedUpgradeRequest extends ClientRequest {
  [kPeer]?: TaggedSocket;
}

class ProxyFault extends Error {
  constructor(
    readonly code: 'PG_UPSTREAM_TIMEOUT' | 'PG_BODY_TOO_LARGE',
    message: string,
  ) {
    super(message);
  }
}

const TIMEOUT_CODES = new Set(['PG_UPSTREAM_TIMEOUT', 'ETIMEDOUT', 'ESOCKETTIMEDOUT']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

function upstreamErrorKind(code: string | undefined): UpstreamErrorKind {
  if (code === 'ECONNREFUSED') return 'refused';
  if (TIMEOUT_CODES.has(code ?? '')) return 'timeout';
  return RESET_CODES.has(code ?? '') ? 'reset' : 'unavailable';
}

function noop(): void {}

function defaultRefusal(status: number, message: string): string {
  const esc = message.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error ${status}</title></head><body><h1>${esc}</h1><p>Error ${status}</p></body></html>`;
}

export function createUpstreamProxy(deps: UpstreamProxyDeps, opts: UpstreamProxyOptions): UpstreamProxy {
  const { config, logger, metrics } = deps;
  if (!config.upstreamUrl) throw new Error('createUpstreamProxy: no upstream URL configured');
  const target = new URL(config.upstreamUrl);
  const basePath = target.pathname === '/' ? '' : target.pathname.replace(/\/+$/, '');
  const timeoutMs = config.upstreamTimeoutMs;
  const maxUpload = config.maxUploadBytes;
  const hygiene = new RequestHygiene({ identityHeader: config.identityHeader });
  const trust = compileTrust(config.trustProxy);
  const identityHeader = hygiene.identityHeader;
  const sessionCookie = deps.cookies.session;
  const handoffBinder = createHandoffBinder(config.wpShimSecret, config.cookieSecure);
  const clicks = opts.clicks;
  const otherCookies = [deps.cookies.preCsrf, handoffBinder.cookieName, ...(clicks ? [clicks.cookieName] : [])];
  const cookieMarkers = [`${sessionCookie}=`, ...otherCookies.map((n) => `${n}=`)];
  const rewrite: OriginRewrite | undefined = config.upstreamPreserveHost
    ? undefined
    : { upstreamOrigin: target.origin.toLowerCase(), upstreamHostname: target.hostname.toLowerCase().replace(/^\[|\]$/g, '') };
  const asserter = createIdentityAsserter({
    db: deps.store.db,
    policy: deps.sessionPolicy,
    secret: config.wpShimSecret,
    audience: target.origin,
    publicUrl: () => config.publicUrl,
    now: deps.now,
  });

  const page = (status: 502 | 504) => Buffer.from(opts.errorPage(status));
  const refusal = opts.refusalPage ?? defaultRefusal;
  const pages = {
    400: Buffer.from(refusal(400, 'This address is not valid.')),
    413: Buffer.from(refusal(413, `The upload is larger than this site accepts (${maxUpload >= 1_048_576 ? `${Math.floor(maxUpload / 1_048_576)} MiB` : `${Math.floor(maxUpload / 1024)} KiB`} at most).`)),
    502: page(502),
    504: page(504),
  };

  // maxSockets: a flood of slow requests queues here instead of opening a socket (and a PHP worker) each.
  const agentOptions = { keepAlive: true, timeout: timeoutMs, scheduling: 'lifo' as const, maxSockets: config.upstreamMaxSockets };
  const agent = target.protocol === 'https:' ? new HttpsAgent(agentOptions) : new Agent(agentOptions);
  agent.on('free', (socket: Socket) => {
    if (!(socket as unknown as { _httpMessage?: unknown })._httpMessage) socket.setTimeout(FREE_SOCKET_IDLE_MS);
  });
  const upgraded = new Set<Duplex>();

  const publicProto = () => (config.publicUrl.startsWith('https:') ? 'https' : 'http');
  const publicHost = () => config.publicUrl.replace(/^https?:\/\//, '').replace(/\/.*$/, '');

  function sendPage(res: ServerResponse, status: 400 | 413 | 502 | 504, close: boolean): void {
    const body = pages[status];
    const headers: Record<string, string | number> = { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': body.length, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };
    if (close) headers.Connection = 'close';
    if (status === 502 || status === 504) headers['Retry-After'] = '30';
    res.writeHead(status, headers);
    res.end(body);
  }

  function hasGatewayCookie(cookie: string): boolean {
    for (const marker of cookieMarkers) if (cookie.includes(marker)) return true;
    return false;
  }

  /** Hygiene and the gateway's cookies; returns the Partnergate session cookie value when the request carries one. */
  function prepare(req: IncomingMessage, upgrade: boolean): string | undefined {
    const headers = req.headers;
    hygiene.clean(headers, req.rawHeaders, upgrade, { for: forwardedFor(req, trust), proto: publicProto(), host: headers.host ?? publicHost() });
    const cookie = headers.cookie;
    if (cookie === undefined || !hasGatewayCookie(cookie)) return undefined;
    const { session, rest } = takeGatewayCookies(cookie, sessionCookie, otherCookies);
    if (rest === undefined) delete headers.cookie;
    else headers.cookie = rest;
    return session;
  }

  async function withIdentity(req: IncomingMessage, session: string): Promise<void> {
    try {
      const token = await asserter.assertionFor(session);
      if (token) req.headers[identityHeader] = token;
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'proxy: identity assertion skipped (session lookup failed)');
    }
  }

  // --- hooks, made once ---------------------------------------------------------------------------------

  function onUpstreamTimeout(this: ClientRequest): void {
    this.destroy(new ProxyFault('PG_UPSTREAM_TIMEOUT', `WordPress sent nothing for ${timeoutMs} ms`));
  }

  /** The client went away before the answer was complete: free the upstream socket now. */
  function onResponseClose(this: TaggedResponse): void {
    if (this.writableFinished) return;
    const upstream = this[kProxyReq];
    if (upstream && !upstream.destroyed) upstream.destroy();
  }

  /** Either end of a websocket closing ends the other: pipes alone miss a destroy without FIN. */
  function onUpgradeClientClose(this: TaggedSocket): void {
    upgraded.delete(this);
    const peer = this[kPeer];
    if (peer) peer.destroy();
    const upstream = this[kProxyReq];
    if (upstream && !upstream.destroyed) upstream.destroy();
  }

  function onUpstreamSocketClose(this: TaggedSocket): void {
    this[kPeer]?.destroy();
  }

  function onUpstreamUpgrade(this: TaggedUpgradeRequest, _res: IncomingMessage, upstreamSocket: TaggedSocket): void {
    const client = this[kPeer];
    if (!client) return;
    client[kPeer] = upstreamSocket;
    upstreamSocket[kPeer] = client;
    upstreamSocket.once('close', onUpstreamSocketClose);
    if (client.destroyed) upstreamSocket.destroy();
  }

  function onClientSocketError(this: Duplex): void {
    this.destroy();
  }

  function countBody(this: TaggedRequest, chunk: Buffer): void {
    const total = (this[kBodyBytes] ?? 0) + chunk.length;
    this[kBodyBytes] = total;
    if (total <= maxUpload) return;
    this.off('data', countBody);
    this[kTooLarge] = true;
    const upstream = this[kProxyReq];
    const res = this[kResponse];
    if (upstream) upstream.destroy(new ProxyFault('PG_BODY_TOO_LARGE', 'chunked body over the limit'));
    else if (res && !res.headersSent) sendPage(res, 413, true);
  }

  function onProxyReq(proxyReq: ClientRequest, req: TaggedRequest, res: TaggedResponse): void {
    // http-proxy joins the path with url.parse and collapses `//`: send the request target exactly as received.
    const path = basePath ? basePath + req.url : req.url!;
    if (proxyReq.path !== path && !proxyReq.headersSent) proxyReq.path = path;
    proxyReq.setTimeout(timeoutMs, onUpstreamTimeout);
    upstreamStarted(res);
    res[kProxyReq] = proxyReq;
    res.on('close', onResponseClose);
    if (req[kBodyBytes] !== undefined) {
      req[kProxyReq] = proxyReq;
      if (req[kTooLarge]) proxyReq.destroy(new ProxyFault('PG_BODY_TOO_LARGE', 'chunked body over the limit'));
    }
  }

  function onProxyReqWs(proxyReq: TaggedUpgradeRequest, req: IncomingMessage, socket: TaggedSocket): void {
    const path = basePath ? basePath + req.url : req.url!;
    if (proxyReq.path !== path) proxyReq.path = path;
    proxyReq.setTimeout(timeoutMs, onUpstreamTimeout);
    proxyReq[kPeer] = socket;
    proxyReq.once('upgrade', onUpstreamUpgrade);
    socket[kProxyReq] = proxyReq;
    socket.once('close', onUpgradeClientClose);
    upgraded.add(socket);
  }

  function onProxyRes(proxyRes: IncomingMessage, req: TaggedRequest, res: ServerResponse): void {
    upstreamAnswered(res);
    holdHeaderForFirstChunk(proxyRes, res);
    const headers = proxyRes.headers;
    dropResponseHopByHop(headers);
    const clickCookie = req[kClickCookie];
    if (clickCookie !== undefined) {
      headers['set-cookie'] = [...(headers['set-cookie'] ?? []), clickCookie];
      // One visitor's attribution cookie must not be stored by a shared cache and handed to the next visitor.
      markPrivate(headers);
    }
    headers.connection = (res as ServerResponse & { shouldKeepAlive: boolean }).shouldKeepAlive ? 'keep-alive' : 'close';
    const status = proxyRes.statusCode ?? 0;
    if (status >= 300 && status < 400 && headers.location !== undefined) bindHandoff(headers);
    // Hygiene removed any client copy: the header is present only when this gateway asserted an identity.
    if (req.headers[identityHeader] !== undefined) markPrivate(headers);
    if (rewrite !== undefined) rewriteResponseOrigins(headers, rewrite, publicProto(), req.headers['x-forwarded-host'] as string);
  }

  /** WordPress sends a partner to the hand-off: tie that link to this browser (see src/auth/handoff-binding.ts). */
  function bindHandoff(headers: IncomingMessage['headers']): void {
    const line = handoffBinder.cookieForRedirect(headers.location!);
    if (line !== undefined) headers['set-cookie'] = [...(headers['set-cookie'] ?? []), line];
  }

  function onProxyError(err: Error & { code?: string }, req: IncomingMessage, res: ServerResponse | Duplex): void {
    const status = err.code === 'PG_BODY_TOO_LARGE' ? 413 : TIMEOUT_CODES.has(err.code ?? '') ? 504 : 502;
    // A client that went away had its upstream request ended by the gateway (onResponseClose): not WordPress's fault.
    if (status !== 413 && !req.socket.destroyed) {
      metrics.upstreamError(upstreamErrorKind(err.code));
      logger.warn({ code: err.code ?? err.message, status, method: req.method, path: (req.url ?? '').split('?')[0], reqId: req.headers['x-request-id'] }, 'proxy: WordPress did not answer');
    }
    if (!('writeHead' in res)) {
      const socket = res as Duplex & { bytesWritten?: number };
      if (!socket.destroyed && socket.writable && !socket.bytesWritten) {
        socket.end(`HTTP/1.1 ${status === 504 ? '504 Gateway Timeout' : '502 Bad Gateway'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      } else {
        socket.destroy();
      }
      return;
    }
    if (res.headersSent || res.destroyed || !res.writable) {
      res.destroy();
      return;
    }
    sendPage(res, status, status === 413);
  }

  const gatewayPlugin: Plugin = (proxyServer) => {
    // Only the `stream` pass: deleteLength, timeout and XHeaders are done (differently) by this module.
    const server = proxyServer as unknown as { webPasses: Array<{ name: string }> };
    server.webPasses = server.webPasses.filter((pass) => pass.name === 'stream');
    proxyServer.on('proxyReq', onProxyReq as never);
    proxyServer.on('proxyReqWs', onProxyReqWs as never);
    proxyServer.on('proxyRes', onProxyRes as never);
    proxyServer.on('error', onProxyError as never);
  };

  const middleware = createProxyMiddleware<IncomingMessage, ServerResponse>({
    target: target.origin,
    changeOrigin: !config.upstreamPreserveHost,
    xfwd: false,
    ws: false,
    toProxy: true,
    agent,
    ejectPlugins: true,
    plugins: [gatewayPlugin],
  });

  function forward(req: IncomingMessage, res: ServerResponse): void {
    if (req.socket.destroyed) return;
    void middleware(req, res, noop);
  }

  function forwardUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (socket.destroyed) return;
    middleware.upgrade(req, socket as Socket, head);
  }

  return {
    web(req, res) {
      const url = req.url;
      if (url === undefined || url.charCodeAt(0) !== SLASH) return sendPage(res, 400, false);
      const length = req.headers['content-length'];
      if (length !== undefined) {
        if (Number(length) > maxUpload) return sendPage(res, 413, true);
      } else if (req.headers['transfer-encoding'] !== undefined) {
        const tagged = req as TaggedRequest;
        tagged[kBodyBytes] = 0;
        tagged[kResponse] = res;
        req.pause();
        req.on('data', countBody);
      }
      // Before prepare(): that takes the attribution cookie out of what WordPress sees.
      if (clicks !== undefined) {
        const line = clicks.observe(req);
        if (line !== undefined) (req as TaggedRequest)[kClickCookie] = line;
      }
      const session = prepare(req, false);
      if (session === undefined) return forward(req, res);
      void withIdentity(req, session).then(() => forward(req, res));
    },
    upgrade(req, socket, head) {
      socket.on('error', onClientSocketError);
      const url = req.url;
      if (url === undefined || url.charCodeAt(0) !== SLASH) {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      const session = prepare(req, true);
      if (session === undefined) return forwardUpgrade(req, socket, head);
      void withIdentity(req, session).then(() => forwardUpgrade(req, socket, head));
    },
    close() {
      agent.destroy();
      // Destroying a client socket also ends its upstream socket (onUpgradeClientClose).
      for (const socket of upgraded) socket.destroy();
      upgraded.clear();
    },
  };
}
