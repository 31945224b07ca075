/**
 * Header hygiene between the browser and WordPress, as pure functions over header objects so that the table of
 * attack cases can test them directly.
 *
 * Why every variant: PHP (and CGI generally) folds `-`, `_`, `.` and case into one `$_SERVER['HTTP_X_FORWARDED_USER']`,
 * so `X_Forwarded_User`, `x.forwarded.user` and `X-FORWARDED-USER` all reach WordPress as the same variable. A
 * header is therefore judged on its canonical name: lower case, every character other than a letter or digit
 * turned into `-`. Node keeps each distinct spelling as its own key of `req.headers` (lower-cased) and lists
 * every one in `req.rawHeaders`, so walking `rawHeaders` finds them all.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** Identity headers that SSO proxies (oauth2-proxy, Pomerium, Authelia, web-server auth modules) and Partnergate set. */
export const identityHeaderNames: readonly string[] = [
  'x-forwarded-user',
  'x-forwarded-email',
  'x-forwarded-preferred-username',
  'x-forwarded-groups',
  'x-forwarded-access-token',
  'remote-user',
  'remote-email',
  'remote-groups',
  'remote-name',
  'x-remote-user',
  'x-remote-email',
  'x-wp-user',
];

/** Any header whose canonical name starts with one of these is an identity claim nobody but the gateway may make. */
export const identityHeaderPrefixes: readonly string[] = ['x-auth-request-', 'x-partnergate-'];

/**
 * Client copies of what the gateway itself says about the connection (replaced, never trusted), and routing
 * overrides some PHP stacks honour.
 */
const forwardingNames = new Set(['forwarded', 'x-real-ip', 'x-original-url', 'x-rewrite-url']);
const FORWARDING_PREFIX = 'x-forwarded-';

/** Hop-by-hop headers (RFC 9110 §7.6.1) and ones Node has already acted on (`expect`). Never forwarded as sent. */
const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'http2-settings', 'expect']);

/** Headers a `Connection:` list may never remove: message framing and the target. */
const protectedFromConnection = new Set(['host', 'content-length', 'transfer-encoding', 'content-type']);

const NON_CANONICAL = /[^a-z0-9-]/;
const NON_ALNUM = /[^a-z0-9]/g;

/** The name as PHP would see it, in header form: lower case, every separator folded into `-`. */
export function canonicalHeaderName(name: string): string {
  const lower = name.toLowerCase();
  return NON_CANONICAL.test(lower) ? lower.replace(NON_ALNUM, '-') : lower;
}

export interface HygieneOptions {
  /** The gateway's own identity assertion header (config.identityHeader). */
  identityHeader: string;
}

/** What the gateway says about the connection, set after the client's copies are gone. */
export interface ForwardedFacts {
  /** Client address as seen on the socket. */
  for: string;
  /** Scheme of the public origin (`http` or `https`). */
  proto: string;
  /** Host the client asked for (its Host header), or the public host when it sent none. */
  host: string;
}

/**
 * Cleans request headers in place before they are copied to the upstream request, and sets the gateway's own
 * forwarding headers. Built once; `clean` only branches per header.
 */
export class RequestHygiene {
  readonly identityHeader: string;
  private readonly identity: Set<string>;

  constructor(opts: HygieneOptions) {
    this.identityHeader = canonicalHeaderName(opts.identityHeader);
    this.identity = new Set([...identityHeaderNames, this.identityHeader]);
  }

  /** True when a header of this name must not reach WordPress as the client sent it. */
  isStripped(name: string, upgrade: boolean): boolean {
    const lower = name.toLowerCase();
    if (hopByHop.has(lower)) return !(upgrade && lower === 'upgrade');
    const canonical = NON_CANONICAL.test(lower) ? lower.replace(NON_ALNUM, '-') : lower;
    if (this.identity.has(canonical) || forwardingNames.has(canonical)) return true;
    if (canonical.startsWith(FORWARDING_PREFIX)) return true;
    for (const prefix of identityHeaderPrefixes) if (canonical.startsWith(prefix)) return true;
    return false;
  }

  /**
   * Removes every client-sent identity, forwarding and hop-by-hop header (and those the client named in
   * `Connection`), then sets X-Forwarded-For/Proto/Host. The gateway's own headers are set after the removal,
   * so no `Connection:` list can take them away, and the client's `Connection` value is never forwarded.
   * @param headers `req.headers` (mutated)
   * @param rawHeaders `req.rawHeaders`: every spelling the client used
   * @param upgrade a websocket upgrade: `Upgrade` is kept and `Connection: Upgrade` sent
   */
  clean(headers: IncomingHttpHeaders | OutgoingHttpHeaders, rawHeaders: readonly string[], upgrade: boolean, facts: ForwardedFacts): void {
    const connection = headers.connection;
    if (connection !== undefined) {
      for (const token of String(connection).split(',')) {
        const named = token.trim().toLowerCase();
        if (named && !protectedFromConnection.has(named) && !(upgrade && named === 'upgrade')) delete headers[named];
      }
    }
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!;
      if (this.isStripped(name, upgrade)) delete headers[name.toLowerCase()];
    }
    headers['x-forwarded-for'] = facts.for;
    headers['x-forwarded-proto'] = facts.proto;
    headers['x-forwarded-host'] = facts.host;
    if (upgrade) headers.connection = 'Upgrade';
  }
}

/**
 * Removes the gateway's own cookies (its session and CSRF cookies are no business of WordPress or its plugins)
 * from a Cookie header. Returns the session cookie's value when present and the header that remains
 * (undefined when nothing remains). Cookies are split on `;` as browsers send them; the first of duplicates wins.
 */
export function takeGatewayCookies(cookieHeader: string, sessionName: string, otherNames: readonly string[]): { session?: string; rest?: string } {
  let session: string | undefined;
  const kept: string[] = [];
  for (const part of cookieHeader.split(';')) {
    const pair = part.trim();
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const name = eq >= 0 ? pair.slice(0, eq).trim() : pair;
    if (name === sessionName) {
      if (session === undefined) session = pair.slice(eq + 1).trim();
    } else if (!otherNames.includes(name)) {
      kept.push(pair);
    }
  }
  return { session: session || undefined, rest: kept.length ? kept.join('; ') : undefined };
}

/**
 * Response headers that concern only one hop, dropped from WordPress's answer, and the gateway's own
 * `Connection` put in place of WordPress's. `Connection` is overwritten, not deleted and added again: deleting a
 * property of the headers object turns it into a slow dictionary for everything that reads it afterwards (http-proxy
 * copies every header to the answer), which cost about 2% of a proxied request.
 */
export function dropResponseHopByHop(headers: IncomingHttpHeaders, connection: 'keep-alive' | 'close'): void {
  const named = headers.connection;
  if (named !== undefined) {
    for (const token of String(named).split(',')) {
      const name = token.trim().toLowerCase();
      if (name && name !== 'connection' && !protectedFromConnection.has(name) && name !== 'set-cookie') delete headers[name];
    }
  }
  headers.connection = connection;
  if (headers['keep-alive'] !== undefined) delete headers['keep-alive'];
  if (headers['proxy-connection'] !== undefined) delete headers['proxy-connection'];
}

/**
 * A response to a request that carried the identity assertion is about that partner: no shared cache may keep
 * it or hand it to someone else. `Cache-Control` gets `private` (a `public` or `s-maxage` WordPress set is
 * dropped; the browser's own lifetime stays) and `Vary` gets `Cookie`.
 */
export function markPrivate(headers: IncomingHttpHeaders): void {
  const cc = headers['cache-control'];
  if (cc === undefined || cc === '') {
    headers['cache-control'] = 'private';
  } else {
    const kept = cc.split(',').map((d) => d.trim()).filter((d) => d !== '' && !/^(public|private|s-maxage\s*=.*|proxy-revalidate)$/i.test(d));
    headers['cache-control'] = ['private', ...kept].join(', ');
  }
  const vary = headers.vary;
  if (vary === undefined || vary === '') headers.vary = 'Cookie';
  else if (vary.trim() !== '*' && !vary.split(',').some((v) => v.trim().toLowerCase() === 'cookie')) headers.vary = `${vary}, Cookie`;
}

/** Rewrites of WordPress's answer when it was asked under its own host (upstreamPreserveHost false). */
export interface OriginRewrite {
  /** e.g. `http://10.0.0.5:8081` (lower case). */
  upstreamOrigin: string;
  /** Lower-case host name of the upstream, no port. */
  upstreamHostname: string;
}

function startsWithOrigin(value: string, origin: string): boolean {
  if (value.length < origin.length || value.slice(0, origin.length).toLowerCase() !== origin) return false;
  const next = value.charAt(origin.length);
  return next === '' || next === '/' || next === '?' || next === '#';
}

/**
 * `Location`-style value: an absolute URL on the upstream's origin (or protocol-relative on its host) moves to
 * the public origin; anything else is left alone.
 */
export function rewriteUrlValue(value: string, rw: OriginRewrite, publicOrigin: string): string {
  if (startsWithOrigin(value, rw.upstreamOrigin)) return publicOrigin + value.slice(rw.upstreamOrigin.length);
  const schemeless = rw.upstreamOrigin.slice(rw.upstreamOrigin.indexOf('//'));
  if (value.startsWith('//') && startsWithOrigin(value, schemeless)) return publicOrigin.slice(publicOrigin.indexOf('//')) + value.slice(schemeless.length);
  return value;
}

/** Every `<url>` of a Link header that points at the upstream origin. */
export function rewriteLinkHeader(value: string, rw: OriginRewrite, publicOrigin: string): string {
  return value.replace(/<([^>]*)>/g, (whole, url: string) => `<${rewriteUrlValue(url, rw, publicOrigin)}>`);
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * A Set-Cookie whose Domain names the upstream host gets the public host instead (keeping a leading dot).
 * When the public host is an IP address the attribute is dropped: browsers refuse Domain on IPs.
 */
export function rewriteCookieDomain(cookie: string, rw: OriginRewrite, publicHostname: string): string {
  return cookie.replace(/;\s*domain\s*=\s*(\.?)([^;]*)/i, (whole, dot: string, domain: string) => {
    if (domain.trim().toLowerCase() !== rw.upstreamHostname) return whole;
    if (IPV4.test(publicHostname) || publicHostname.includes(':')) return '';
    return `; Domain=${dot}${publicHostname}`;
  });
}

/** The host name of a Host header value (`example.com:8080` -> `example.com`, `[::1]:80` -> `::1`). */
export function hostnameOf(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']')).toLowerCase();
  const colon = host.lastIndexOf(':');
  return (colon >= 0 ? host.slice(0, colon) : host).toLowerCase();
}

/**
 * With `upstreamPreserveHost` false: every URL and cookie Domain in WordPress's answer that names the upstream's
 * host is moved back to the public host the client used (`host`, as the proxy set X-Forwarded-Host).
 */
export function rewriteResponseOrigins(headers: IncomingHttpHeaders, rw: OriginRewrite, proto: string, host: string): void {
  const origin = `${proto}://${host}`;
  if (headers.location !== undefined) headers.location = rewriteUrlValue(headers.location, rw, origin);
  const contentLocation = headers['content-location'];
  if (typeof contentLocation === 'string') headers['content-location'] = rewriteUrlValue(contentLocation, rw, origin);
  if (typeof headers.link === 'string') headers.link = rewriteLinkHeader(headers.link, rw, origin);
  const refresh = headers.refresh;
  if (typeof refresh === 'string') headers.refresh = refresh.replace(/(url\s*=\s*['"]?)([^'"\s]+)/i, (_m, p: string, u: string) => p + rewriteUrlValue(u, rw, origin));
  const cookies = headers['set-cookie'];
  if (cookies) {
    const hostname = hostnameOf(host);
    headers['set-cookie'] = cookies.map((c) => rewriteCookieDomain(c, rw, hostname));
  }
}
