/** Header hygiene and rewriting, as tables of named cases (the pure functions behind the proxy). */
import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { canonicalHeaderName, hostnameOf, RequestHygiene, rewriteCookieDomain, rewriteLinkHeader, rewriteUrlValue, takeGatewayCookies, type OriginRewrite } from '../../src/proxy/headers.js';
import { deriveKey } from '../../src/common/shim-keys.js';

const hygiene = new RequestHygiene({ identityHeader: 'X-Partnergate-Identity' });
const facts = { for: '203.0.113.9', proto: 'https', host: 'www.example.com' };

describe('proxy headers: which client headers never reach WordPress', () => {
  const rows: Array<[string, string, boolean, boolean?]> = [
    ['the identity header', 'X-Partnergate-Identity', true],
    ['the identity header, lower case', 'x-partnergate-identity', true],
    ['the identity header with underscores', 'X_Partnergate_Identity', true],
    ['the identity header with dots (PHP folds them)', 'X.Partnergate.Identity', true],
    ['the identity header, mixed separators', 'x-PARTNERGATE_identity', true],
    ['any X-Partnergate-* header', 'X-Partnergate-Partner-Id', true],
    ['X-Partnergate-* with underscores', 'X_PARTNERGATE_ROLE', true],
    ['oauth2-proxy user', 'X-Forwarded-User', true],
    ['oauth2-proxy user, underscore', 'X_Forwarded_User', true],
    ['oauth2-proxy email', 'X-Forwarded-Email', true],
    ['oauth2-proxy preferred username', 'x-forwarded-preferred-username', true],
    ['oauth2-proxy groups', 'X-FORWARDED-GROUPS', true],
    ['oauth2-proxy access token', 'X-Forwarded-Access-Token', true],
    ['auth_request user', 'X-Auth-Request-User', true],
    ['auth_request email, underscores', 'X_Auth_Request_Email', true],
    ['auth_request anything', 'X-Auth-Request-Whatever-Comes-Next', true],
    ['Authelia Remote-User', 'Remote-User', true],
    ['Authelia Remote-User, underscore', 'remote_user', true],
    ['Authelia Remote-Email', 'Remote-Email', true],
    ['Authelia Remote-Groups', 'Remote-Groups', true],
    ['Authelia Remote-Name', 'Remote-Name', true],
    ['X-Remote-User', 'X-Remote-User', true],
    ['X-WP-User', 'X-WP-User', true],
    ['X-WP-User with dots', 'x.wp.user', true],
    ['client X-Forwarded-For', 'X-Forwarded-For', true],
    ['client X-Forwarded-Proto, underscore', 'X_Forwarded_Proto', true],
    ['client X-Forwarded-Host', 'X-Forwarded-Host', true],
    ['client X-Forwarded-Port', 'X-Forwarded-Port', true],
    ['client X-Forwarded-Ssl', 'X-Forwarded-Ssl', true],
    ['client X-Forwarded-Uri (auth-skip confusion)', 'X-Forwarded-Uri', true],
    ['client Forwarded', 'Forwarded', true],
    ['client X-Real-IP', 'X-Real-IP', true],
    ['IIS X-Original-URL', 'X-Original-URL', true],
    ['IIS X-Rewrite-URL', 'X-Rewrite-Url', true],
    ['Connection', 'Connection', true],
    ['Keep-Alive', 'Keep-Alive', true],
    ['Proxy-Connection', 'Proxy-Connection', true],
    ['TE', 'TE', true],
    ['Trailer', 'Trailer', true],
    ['Proxy-Authorization', 'Proxy-Authorization', true],
    ['Expect (Node already answered it)', 'Expect', true],
    ['Upgrade on a plain request', 'Upgrade', true],
    ['Upgrade on a websocket upgrade', 'Upgrade', false, true],
    ['Host', 'Host', false],
    ['Cookie', 'Cookie', false],
    ['Authorization (WordPress Application Passwords)', 'Authorization', false],
    ['Content-Type', 'Content-Type', false],
    ['Content-Length', 'Content-Length', false],
    ['Transfer-Encoding', 'Transfer-Encoding', false],
    ['X-WP-Nonce', 'X-WP-Nonce', false],
    ['Sec-WebSocket-Key', 'Sec-WebSocket-Key', false],
    ['any other X-Forwarded-* header', 'X-Forwarded-Something-New', true],
    ['a name that only ends like one', 'X-My-Remote-User', false],
    ['User-Agent', 'User-Agent', false],
    ['Referer', 'Referer', false],
  ];
  for (const [name, header, stripped, upgrade] of rows) {
    it(`${stripped ? 'strips' : 'keeps'} ${name} (${header})`, () => {
      expect(hygiene.isStripped(header, upgrade ?? false)).to.equal(stripped);
    });
  }

  it('strips a custom identity header name in every spelling', () => {
    const custom = new RequestHygiene({ identityHeader: 'X-Site-Identity' });
    for (const h of ['X-Site-Identity', 'x_site_identity', 'X.SITE.IDENTITY']) expect(custom.isStripped(h, false), h).to.equal(true);
    expect(hygiene.isStripped('X-Site-Identity', false)).to.equal(false);
  });

  it('folds names the way PHP does', () => {
    expect(canonicalHeaderName('X_Forwarded.User')).to.equal('x-forwarded-user');
    expect(canonicalHeaderName('Content-Type')).to.equal('content-type');
  });
});

describe('proxy headers: cleaning a request', () => {
  function clean(raw: Array<[string, string]>, upgrade = false): IncomingHttpHeaders {
    const headers: IncomingHttpHeaders = {};
    for (const [k, v] of raw) {
      const key = k.toLowerCase();
      headers[key] = headers[key] === undefined ? v : `${headers[key] as string}, ${v}`;
    }
    hygiene.clean(headers, raw.flat(), upgrade, facts);
    return headers;
  }

  const rows: Array<[string, Array<[string, string]>, (h: IncomingHttpHeaders) => void]> = [
    ['sets its forwarding headers', [['Host', 'www.example.com']], (h) => expect(h).to.include({ 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'www.example.com' })],
    ['replaces a client X-Forwarded-For', [['X-Forwarded-For', '6.6.6.6']], (h) => expect(h['x-forwarded-for']).to.equal('203.0.113.9')],
    ['removes every spelling of a spoofed user at once', [['X-Forwarded-User', 'a'], ['x_forwarded_user', 'b'], ['X.Forwarded.User', 'c']], (h) => expect(Object.keys(h).filter((k) => k.includes('user'))).to.deep.equal([])],
    ['Connection naming its own headers removes nothing it sets', [['Connection', 'X-Forwarded-For, X-Forwarded-Host, X-Forwarded-Proto, X-Partnergate-Identity']], (h) => {
      expect(h).to.include({ 'x-forwarded-for': '203.0.113.9', 'x-forwarded-host': 'www.example.com', 'x-forwarded-proto': 'https' });
      expect(h).not.to.have.property('connection');
    }],
    ['Connection cannot remove the framing or the target', [['Connection', 'Content-Length, Transfer-Encoding, Host, Content-Type'], ['Content-Length', '5'], ['Host', 'h'], ['Content-Type', 'text/plain']], (h) => expect(h).to.include({ 'content-length': '5', host: 'h', 'content-type': 'text/plain' })],
    ['Connection removes the end-to-end header it names (hop-by-hop by declaration)', [['Connection', 'X-Custom'], ['X-Custom', '1'], ['X-Other', '2']], (h) => {
      expect(h).not.to.have.property('x-custom');
      expect(h['x-other']).to.equal('2');
    }],
    ['a websocket upgrade keeps Upgrade and sends Connection: Upgrade', [['Connection', 'Upgrade'], ['Upgrade', 'websocket']], (h) => expect(h).to.include({ upgrade: 'websocket', connection: 'Upgrade' })],
  ];
  for (const [name, raw, check] of rows) {
    it(name, () => check(clean(raw, name.includes('websocket'))));
  }
});

describe('proxy headers: the gateway\'s own cookies', () => {
  const rows: Array<[string, string, { session?: string; rest?: string }]> = [
    ['only the session', 'pg_session=abc', { session: 'abc', rest: undefined }],
    ['session between others', 'a=1; pg_session=abc; b=2', { session: 'abc', rest: 'a=1; b=2' }],
    ['the CSRF cookie goes too', 'pg_csrf=x; wp=1', { session: undefined, rest: 'wp=1' }],
    ['first of duplicate sessions wins', 'pg_session=first; pg_session=second', { session: 'first', rest: undefined }],
    ['look-alike names stay', 'xpg_session=1; pg_session_old=2', { session: undefined, rest: 'xpg_session=1; pg_session_old=2' }],
    ['empty session value counts as none', 'pg_session=; a=1', { session: undefined, rest: 'a=1' }],
    ['stray separators and a flag cookie', ';; a=1;flag; ', { session: undefined, rest: 'a=1; flag' }],
    ['values with = inside', 'wp=a=b=c; pg_session=s=1', { session: 's=1', rest: 'wp=a=b=c' }],
  ];
  for (const [name, header, expected] of rows) {
    it(name, () => expect(takeGatewayCookies(header, 'pg_session', ['pg_csrf'])).to.deep.equal(expected));
  }
});

describe('proxy headers: moving upstream URLs and cookie domains to the public host', () => {
  const rw: OriginRewrite = { upstreamOrigin: 'http://10.0.0.5:8081', upstreamHostname: '10.0.0.5' };
  const pub = 'https://www.example.com';
  const urlRows: Array<[string, string, string]> = [
    ['the origin alone', 'http://10.0.0.5:8081', 'https://www.example.com'],
    ['a path', 'http://10.0.0.5:8081/wp-admin/', 'https://www.example.com/wp-admin/'],
    ['a query', 'http://10.0.0.5:8081?p=1', 'https://www.example.com?p=1'],
    ['a fragment', 'http://10.0.0.5:8081#top', 'https://www.example.com#top'],
    ['upper-case scheme and host', 'HTTP://10.0.0.5:8081/x', 'https://www.example.com/x'],
    ['a longer port is another origin', 'http://10.0.0.5:80810/x', 'http://10.0.0.5:80810/x'],
    ['a host that only starts the same', 'http://10.0.0.5:8081.evil.example/x', 'http://10.0.0.5:8081.evil.example/x'],
    ['user-info trick', 'http://10.0.0.5:8081@evil.example/x', 'http://10.0.0.5:8081@evil.example/x'],
    ['another host', 'https://elsewhere.example/x', 'https://elsewhere.example/x'],
    ['protocol-relative on the upstream', '//10.0.0.5:8081/x', '//www.example.com/x'],
    ['a relative path', '/wp-login.php?loggedout=true', '/wp-login.php?loggedout=true'],
  ];
  for (const [name, value, expected] of urlRows) {
    it(`Location: ${name}`, () => expect(rewriteUrlValue(value, rw, pub)).to.equal(expected));
  }

  it('Link: every URL on the upstream', () => {
    expect(rewriteLinkHeader('<http://10.0.0.5:8081/wp-json/>; rel="https://api.w.org/", <https://cdn.example/x>; rel=preload', rw, pub)).to.equal(
      '<https://www.example.com/wp-json/>; rel="https://api.w.org/", <https://cdn.example/x>; rel=preload',
    );
  });

  const cookieRows: Array<[string, string, string, string]> = [
    ['Domain of the upstream', 'a=1; Domain=10.0.0.5; Path=/', 'www.example.com', 'a=1; Domain=www.example.com; Path=/'],
    ['leading dot kept', 'a=1; domain=.10.0.0.5; Path=/', 'www.example.com', 'a=1; Domain=.www.example.com; Path=/'],
    ['attribute name in capitals', 'a=1; DOMAIN=10.0.0.5', 'www.example.com', 'a=1; Domain=www.example.com'],
    ['another domain untouched', 'a=1; Domain=example.org; Path=/', 'www.example.com', 'a=1; Domain=example.org; Path=/'],
    ['no Domain untouched', 'a=1; Path=/; HttpOnly', 'www.example.com', 'a=1; Path=/; HttpOnly'],
    ['public IPv4: Domain dropped', 'a=1; Domain=10.0.0.5; Path=/', '192.0.2.1', 'a=1; Path=/'],
    ['public IPv6: Domain dropped', 'a=1; Domain=10.0.0.5; Path=/', '::1', 'a=1; Path=/'],
  ];
  for (const [name, cookie, host, expected] of cookieRows) {
    it(`Set-Cookie: ${name}`, () => expect(rewriteCookieDomain(cookie, rw, host)).to.equal(expected));
  }

  const hostRows: Array<[string, string]> = [
    ['www.example.com:8443', 'www.example.com'],
    ['WWW.Example.COM', 'www.example.com'],
    ['[::1]:8080', '::1'],
    ['127.0.0.1', '127.0.0.1'],
  ];
  for (const [host, expected] of hostRows) {
    it(`host name of ${host}`, () => expect(hostnameOf(host)).to.equal(expected));
  }
});

describe('proxy keys: one key per purpose from the shared secret', () => {
  /** RFC 5869 by hand, as a check on the library call. */
  function hkdf(ikm: string, info: string): Buffer {
    const prk = createHmac('sha256', Buffer.alloc(32)).update(ikm).digest();
    return createHmac('sha256', prk).update(Buffer.concat([Buffer.from(info), Buffer.from([1])])).digest();
  }
  const secret = 'a-shared-secret-of-at-least-32-characters';

  it('is HKDF-SHA256 with empty salt and info "partnergate <purpose>"', () => {
    expect(Buffer.from(deriveKey(secret, 'handoff')).equals(hkdf(secret, 'partnergate handoff'))).to.equal(true);
    expect(Buffer.from(deriveKey(secret, 'identity-assertion')).equals(hkdf(secret, 'partnergate identity-assertion'))).to.equal(true);
  });

  it('gives different 32-byte keys for the two purposes', () => {
    const a = Buffer.from(deriveKey(secret, 'handoff'));
    const b = Buffer.from(deriveKey(secret, 'identity-assertion'));
    expect(a.length).to.equal(32);
    expect(a.equals(b)).to.equal(false);
  });

  it('refuses an unknown purpose and an empty secret', () => {
    expect(() => deriveKey(secret, 'session' as never)).to.throw(/unknown key purpose/);
    expect(() => deriveKey('', 'handoff')).to.throw(/empty/);
  });
});
