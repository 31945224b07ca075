/**
 * The pass-through to WordPress: one http-proxy-middleware instance created at start-up, with its default
 * plugins ejected and replaced by the few hooks this gateway needs. Per request the path only branches: header
 * hygiene in place, a length check, and (only when the Partnergate session cookie is present) a session lookup
 * for the identity assertion. Every hook is a function made once at start-up (the factories
 * below), never a closure per request.
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
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { parse as parseUrl } from 'node:url';
import { createProxyMiddleware, type Plugin } from 'http-proxy-middleware';
import { createHandoffBinder } from '../auth/handoff-binding.js';
import type { GatewayDeps } from '../deps.js';
import { compileTrust, upgradeAnswered } from '../http/index.js';
import type { ClickRecorder } from '../tracking/index.js';
import { createUpstreamAgent } from './agent.js';
import { createBodyCounter } from './body-limit.js';
import { createTimeoutHook } from './fault.js';
import { RequestHygiene, type OriginRewrite } from './headers.js';
import { createErrorHook, createHttpHooks } from './http-hooks.js';
import { createIdentityAsserter } from './identity.js';
import { createPageSender, type ProxyPageOptions } from './pages.js';
import { createRequestPreparer } from './prepare.js';
import { kBodyBytes, kClickCookie, kResponse, type TaggedRequest } from './tags.js';
import { createWebsocketHooks } from './websocket.js';

export interface UpstreamProxy {
  web(req: IncomingMessage, res: ServerResponse): void;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Frees pooled upstream sockets and ends open websockets. */
  close(): void;
}

export type UpstreamProxyDeps = Pick<GatewayDeps, 'config' | 'store' | 'logger' | 'sessionPolicy' | 'cookies' | 'now' | 'metrics'>;

export interface UpstreamProxyOptions extends ProxyPageOptions {
  /** Records clicks on partners' links (src/tracking); its attribution cookie is the gateway's, not WordPress's. */
  clicks?: ClickRecorder;
}

const SLASH = 47;

/**
 * Wires the proxy from its parts, each made once here: the pages, the agent, the request preparer (hygiene,
 * cookies, identity), the hooks of http-proxy, and the middleware that runs them.
 */
export function createUpstreamProxy(deps: UpstreamProxyDeps, opts: UpstreamProxyOptions): UpstreamProxy {
  const { config, logger, metrics } = deps;
  if (!config.upstreamUrl) throw new Error('createUpstreamProxy: no upstream URL configured');
  const target = new URL(config.upstreamUrl);
  const basePath = target.pathname === '/' ? '' : target.pathname.replace(/\/+$/, '');
  const timeoutMs = config.upstreamTimeoutMs;
  const maxUpload = config.maxUploadBytes;
  const hygiene = new RequestHygiene({ identityHeader: config.identityHeader });
  const handoffBinder = createHandoffBinder(config.wpShimSecret, config.cookieSecure);
  const clicks = opts.clicks;
  const rewrite: OriginRewrite | undefined = config.upstreamPreserveHost
    ? undefined
    : { upstreamOrigin: target.origin.toLowerCase(), upstreamHostname: target.hostname.toLowerCase().replace(/^\[|\]$/g, '') };
  const publicProto = () => (config.publicUrl.startsWith('https:') ? 'https' : 'http');
  const publicHost = () => config.publicUrl.replace(/^https?:\/\//, '').replace(/\/.*$/, '');

  const sendPage = createPageSender(opts, maxUpload);
  const agent = createUpstreamAgent(target, timeoutMs, config.upstreamMaxSockets);
  const { prepare, withIdentity } = createRequestPreparer({
    hygiene,
    trust: compileTrust(config.trustProxy),
    sessionCookie: deps.cookies.session,
    otherCookies: [deps.cookies.preCsrf, handoffBinder.cookieName, ...(clicks ? [clicks.cookieName] : [])],
    asserter: createIdentityAsserter({
      db: deps.store.db,
      policy: deps.sessionPolicy,
      secret: config.wpShimSecret,
      audience: target.origin,
      publicUrl: () => config.publicUrl,
      now: deps.now,
    }),
    logger,
    publicProto,
    publicHost,
  });
  const countBody = createBodyCounter(maxUpload, sendPage);
  const onUpstreamTimeout = createTimeoutHook(timeoutMs);
  const { onProxyReq, onProxyRes } = createHttpHooks({ basePath, timeoutMs, onUpstreamTimeout, identityHeader: hygiene.identityHeader, rewrite, handoffBinder, publicProto });
  const { onProxyReqWs, onClientSocketError, closeAll } = createWebsocketHooks(basePath, timeoutMs, onUpstreamTimeout);
  const onProxyError = createErrorHook({ metrics, logger, sendPage });

  // http-proxy-middleware builds the proxy (http-proxy with the options below) and hands it to this plugin. Plain
  // HTTP requests then go to that proxy server directly, with one options object made here: the middleware's own
  // per-request wrapper does nothing for this configuration (no path filter, router or path rewrite) but an async
  // hop, a copy of the options and a parse of the target URL for every request (BENCHMARKS.md, proxy section).
  let proxyServer: Parameters<Plugin>[0] | undefined;
  const gatewayPlugin: Plugin = (server) => {
    // Only the `stream` pass: deleteLength, timeout and XHeaders are done (differently) by this module.
    const passes = server as unknown as { webPasses: Array<{ name: string }> };
    passes.webPasses = passes.webPasses.filter((pass) => pass.name === 'stream');
    server.on('proxyReq', onProxyReq as never);
    server.on('proxyReqWs', onProxyReqWs as never);
    server.on('proxyRes', onProxyRes as never);
    server.on('error', onProxyError as never);
    proxyServer = server;
  };

  const proxyOptions = {
    // Parsed once (http-proxy reads host, hostname, port, protocol and path), not once per request.
    target: parseUrl(target.origin),
    changeOrigin: !config.upstreamPreserveHost,
    xfwd: false,
    ws: false,
    toProxy: true,
    agent,
  };
  const middleware = createProxyMiddleware<IncomingMessage, ServerResponse>({ ...proxyOptions, ejectPlugins: true, plugins: [gatewayPlugin] });
  const server = proxyServer!;

  function forward(req: IncomingMessage, res: ServerResponse): void {
    if (req.socket.destroyed) return;
    try {
      server.web(req, res, proxyOptions);
    } catch (err) {
      // The middleware swallowed a synchronous throw (and the request hung); the client gets the 502 page instead.
      onProxyError(err as Error, req, res);
    }
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
        upgradeAnswered(socket, 400);
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      const session = prepare(req, true);
      if (session === undefined) return forwardUpgrade(req, socket, head);
      void withIdentity(req, session).then(() => forwardUpgrade(req, socket, head));
    },
    close() {
      agent.destroy();
      closeAll();
    },
  };
}
