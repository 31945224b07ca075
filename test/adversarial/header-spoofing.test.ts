/**
 * Identity header spoofing, judged at the real WordPress (Debian's 6.1 behind the gateway, wp-shim loaded, the
 * test plugin's `?pg_echo=request` showing what PHP put in `$_SERVER`). wp-shim's `assertion_login` is switched on
 * for this file, so a client-sent copy of the gateway's identity assertion that slipped through would sign a
 * WordPress user in: the spoofed assertion is a genuinely valid one (right key, issuer, audience, lifetime),
 * proven by a positive control sent to WordPress directly. Cases: every identity header the gateway or another
 * SSO proxy sets, in every case and `-`/`_`/`.` spelling, duplicated, named in `Connection:`, in a chunked trailer,
 * and malformed on the wire; signed out and signed in as another partner.
 */
import { expect } from 'chai';
import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { deriveKey } from '../../src/common/index.js';
import { identityHeaderNames } from '../../src/proxy/headers.js';
import { signInAs, startTestGateway, type TestGateway } from '../support/gateway.js';
import { createTestStore, type TestStore } from '../support/store.js';
import { startWordPress, type WordPress } from '../support/wordpress.js';
import { seedPartner } from '../auth/support/fixtures.js';
import { rawExchange, send } from '../proxy/http.js';
import { basicAuth, type PhpEcho } from '../proxy/wp-flows.js';
import { expectAllHeld, mapLimit, type CaseResult } from './support.js';

const CLASS = 'identity header spoofing';
const ECHO = '/?pg_echo=request';

/** Every spelling PHP folds into the same `HTTP_*` variable (and some it does not, which must go too). */
function spellings(name: string): string[] {
  const words = name.split('-');
  const title = words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('-');
  return [
    title,
    name.toLowerCase(),
    name.toUpperCase(),
    words.map((w, i) => (i % 2 ? w.toUpperCase() : w)).join('-'),
    title.replace(/-/g, '_'),
    name.toUpperCase().replace(/-/g, '_'),
    name.replace(/-/g, '.'),
    words.join('_').replace('_', '-'),
  ].filter((v, i, all) => all.indexOf(v) === i);
}

describe('adversarial: identity header spoofing at the real WordPress', function () {
  this.timeout(120_000);
  let wp: WordPress;
  let ts: TestStore;
  let gw: TestGateway;
  let base: string;
  /** A valid assertion for the WordPress partner user, as only the gateway should be able to send. */
  let forged: string;
  let partnerCookie: string;

  const settings = (body: Record<string, unknown>) =>
    send(`${wp.url}/wp-json/partnergate/v1/settings`, { method: 'POST', headers: [basicAuth(wp.admin.login, wp.admin.appPassword), ['Content-Type', 'application/json']], body: JSON.stringify(body) });

  async function assertionFor(email: string, sub: string): Promise<string> {
    const iat = Math.floor(Date.now() / 1000);
    return new SignJWT({ email, partner_id: 1, referral_code: '1', role: 'partner' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(new URL(wp.publicOrigin).origin)
      .setAudience(new URL(wp.url).origin)
      .setSubject(sub)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 60)
      .setJti(randomUUID())
      .sign(deriveKey(wp.secret, 'identity-assertion'));
  }

  before(async () => {
    wp = await startWordPress();
    ts = await createTestStore('sqlite');
    // The attacker connects directly: its peer address is no trusted proxy (a trusted one extends X-Forwarded-For: test/http).
    gw = await startTestGateway(ts.store, { ...wp.gatewayEnv(), PARTNERGATE_TRUST_PROXY: 'false' });
    base = gw.url;
    expect((await settings({ assertion_login: true })).status).to.equal(200);
    forged = await assertionFor(wp.pilotPartner.email, '999');
    // The browser signed in at the gateway is the WordPress "partner" user; the forged assertion names another.
    const p = await seedPartner(ts.store, { email: wp.partner.email });
    partnerCookie = (await signInAs(gw, p.partnerId, { email: wp.partner.email })).cookie;
  });
  after(async () => {
    await settings({ assertion_login: false }).catch(() => undefined);
    await gw?.close();
    await ts?.dispose();
  });

  const echo = (headers: Array<[string, string]>) => send(`${base}${ECHO}`, { headers });

  /** What PHP saw: none of the spoofed values anywhere in `HTTP_*`, and the WordPress user is who it must be. */
  function judge(name: string, status: number, seen: PhpEcho | undefined, spoofed: string[], expectedUser: number): CaseResult {
    if (!seen) return { name, held: status >= 400 && status < 500, why: `status ${status}` };
    const leaked = Object.entries(seen.headers).filter(([, v]) => spoofed.some((s) => String(v).includes(s)));
    const held = leaked.length === 0 && seen.user.id === expectedUser;
    return { name, held, why: `user ${seen.user.id} (expected ${expectedUser}); leaked ${leaked.map(([k]) => k).join(', ') || 'nothing'}` };
  }

  async function tryHeaders(name: string, headers: Array<[string, string]>, spoofed: string[], signedIn: boolean): Promise<CaseResult> {
    const r = await echo(signedIn ? [...headers, ['Cookie', partnerCookie]] : headers);
    const seen = r.status === 200 && String(r.headers['content-type']).includes('json') ? r.json<PhpEcho>() : undefined;
    return judge(name, r.status, seen, spoofed, signedIn ? wp.partner.id : 0);
  }

  it('positive controls: the forged assertion is valid (WordPress signs the user in when it arrives directly), and the gateway\'s own assertion works', async () => {
    const direct = await send(`${wp.url}${ECHO}`, { headers: [['X-Partnergate-Identity', forged]] });
    expect(direct.json<PhpEcho>().user.id, 'sent straight to WordPress, the forged assertion signs in').to.equal(wp.pilotPartner.id);
    const own = (await echo([['Cookie', partnerCookie]])).json<PhpEcho>();
    expect(own.user.id, 'the gateway\'s assertion for its signed-in partner').to.equal(wp.partner.id);
    expect(own.headers.HTTP_X_PARTNERGATE_IDENTITY).to.be.a('string');
    const anonymous = (await echo([])).json<PhpEcho>();
    expect(anonymous.user.id).to.equal(0);
    expect(anonymous.headers).to.not.have.property('HTTP_X_PARTNERGATE_IDENTITY');
  });

  it('every identity header in every case and -/_/. spelling: stripped, signed out and signed in as another partner', async () => {
    // The gateway's own header, one request per spelling; every other name, one request per spelling style
    // carrying all of them, each with its own value (so each case is still judged on its own in $_SERVER).
    const others = ['x-partnergate-user', 'x-partnergate-partner-id', 'x-auth-request-user', 'x-auth-request-email', 'x-auth-request-access-token', ...identityHeaderNames];
    const styles = spellings('x-partnergate-identity').length;
    const jobs: Array<() => Promise<CaseResult[]>> = [];
    for (const signedIn of [false, true]) {
      const suffix = signedIn ? ' (signed in)' : '';
      for (const spelling of spellings('x-partnergate-identity')) jobs.push(async () => [await tryHeaders(`${spelling}${suffix}`, [[spelling, forged]], [forged], signedIn)]);
      for (let style = 0; style < styles; style++) {
        jobs.push(async () => {
          const headers = others.map((n): [string, string] => [spellings(n)[style] ?? spellings(n)[0]!, `spoofed-${n}-${style}-${wp.pilotPartner.email}`]);
          const r = await echo(signedIn ? [...headers, ['Cookie', partnerCookie]] : headers);
          const seen = r.status === 200 ? r.json<PhpEcho>() : undefined;
          return headers.map(([name, value]) => judge(`${name}${suffix}`, r.status, seen, [value], signedIn ? wp.partner.id : 0));
        });
      }
    }
    const results = (await mapLimit(jobs, 4, (job) => job())).flat();
    expect(results.length).to.be.greaterThan(250);
    expectAllHeld(CLASS, results);
  });

  it('duplicated and mixed copies in one request (first, last, both spellings) are all stripped', async () => {
    const junk = 'spoofed-not-a-token';
    const cases: Array<[string, Array<[string, string]>]> = [
      ['two copies, forged first', [['X-Partnergate-Identity', forged], ['X-Partnergate-Identity', junk]]],
      ['two copies, forged last', [['X-Partnergate-Identity', junk], ['X-Partnergate-Identity', forged]]],
      ['dash and underscore side by side', [['X-Partnergate-Identity', junk], ['X_Partnergate_Identity', forged]]],
      ['underscore first, dash last', [['X_PARTNERGATE_IDENTITY', forged], ['x-partnergate-identity', junk]]],
      ['three spellings', [['x.partnergate.identity', forged], ['X_Partnergate-Identity', forged], ['X-PARTNERGATE-IDENTITY', forged]]],
      ['comma-joined value', [['X-Partnergate-Identity', `${forged}, ${forged}`]]],
      ['remote-user twice', [['Remote-User', 'admin'], ['REMOTE_USER', 'admin']]],
      ['x-forwarded-user and email together', [['X-Forwarded-User', 'admin'], ['X_Forwarded_Email', wp.admin.email]]],
    ];
    const results: CaseResult[] = [];
    for (const [name, headers] of cases) {
      const spoofed = [...new Set(headers.map(([, v]) => v))];
      results.push(await tryHeaders(`duplicate: ${name}`, headers, spoofed, false));
      results.push(await tryHeaders(`duplicate: ${name} (signed in)`, headers, spoofed, true));
    }
    expectAllHeld(CLASS, results);
  });

  it('forwarding headers: the client\'s copies are replaced by the gateway\'s facts, never appended to', async () => {
    const cases: Array<[string, string, (s: PhpEcho) => boolean]> = [
      ['X-Forwarded-For', '6.6.6.6', (s) => s.headers.HTTP_X_FORWARDED_FOR === '127.0.0.1'],
      ['X_Forwarded_For', '6.6.6.6', (s) => s.headers.HTTP_X_FORWARDED_FOR === '127.0.0.1'],
      ['X-Forwarded-Host', 'evil.example', (s) => s.headers.HTTP_X_FORWARDED_HOST === new URL(base).host],
      ['X-Forwarded-Proto', 'https', (s) => s.headers.HTTP_X_FORWARDED_PROTO === 'http'],
      ['X-Real-IP', '6.6.6.6', (s) => s.headers.HTTP_X_REAL_IP === undefined],
      ['Forwarded', 'for=6.6.6.6;host=evil.example;proto=https', (s) => s.headers.HTTP_FORWARDED === undefined],
      ['X-Original-URL', '/wp-admin/', (s) => s.headers.HTTP_X_ORIGINAL_URL === undefined],
      ['X-Rewrite-URL', '/wp-admin/', (s) => s.headers.HTTP_X_REWRITE_URL === undefined],
      ['X-Forwarded-Server', 'evil.example', (s) => s.headers.HTTP_X_FORWARDED_SERVER === undefined],
    ];
    const results: CaseResult[] = [];
    for (const [name, value, ok] of cases) {
      const r = await echo([[name, value]]);
      const seen = r.json<PhpEcho>();
      const leaked = Object.entries(seen.headers).some(([, v]) => String(v).includes(value) && value !== 'https');
      results.push({ name: `forwarding: ${name}`, held: ok(seen) && !leaked, why: JSON.stringify(seen.headers).slice(0, 300) });
    }
    expectAllHeld(CLASS, results);
  });

  it('Connection: naming the identity or forwarding headers cannot remove what the gateway adds', async () => {
    const cases: Array<[string, string]> = [
      ['identity header', 'X-Partnergate-Identity'],
      ['identity header, lower case', 'x-partnergate-identity'],
      ['identity header, underscores', 'X_Partnergate_Identity'],
      ['identity and keep-alive', 'keep-alive, X-Partnergate-Identity'],
      ['every forwarding header', 'X-Forwarded-For, X-Forwarded-Host, X-Forwarded-Proto, X-Partnergate-Identity'],
      ['host', 'Host'],
    ];
    const results: CaseResult[] = [];
    for (const [name, value] of cases) {
      const r = await echo([['Connection', value], ['Cookie', partnerCookie]]);
      const seen = r.status === 200 ? r.json<PhpEcho>() : undefined;
      const kept =
        seen !== undefined &&
        seen.user.id === wp.partner.id &&
        typeof seen.headers.HTTP_X_PARTNERGATE_IDENTITY === 'string' &&
        seen.headers.HTTP_X_FORWARDED_FOR === '127.0.0.1' &&
        seen.headers.HTTP_X_FORWARDED_HOST === new URL(base).host &&
        seen.headers.HTTP_X_FORWARDED_PROTO === 'http';
      results.push({ name: `Connection: ${name}`, held: kept, why: seen ? `user ${seen.user.id}; ${Object.keys(seen.headers).join(',')}` : `status ${r.status}` });
    }
    // `Connection: Cookie` is the client dropping its own cookies (RFC 9110 asks a proxy to honour it): the request
    // then carries no session, so it must reach WordPress anonymous, with no assertion at all.
    const dropped = await echo([['Connection', 'Cookie, X-Partnergate-Identity'], ['Cookie', partnerCookie], ['X-Partnergate-Identity', forged]]);
    const anon = dropped.json<PhpEcho>();
    results.push({ name: 'Connection: Cookie + forged copy', held: anon.user.id === 0 && anon.headers.HTTP_X_PARTNERGATE_IDENTITY === undefined, why: `user ${anon.user.id}` });
    // And naming the identity header while also sending a forged copy: still only the gateway's own.
    const both = await echo([['Connection', 'X-Partnergate-Identity'], ['X-Partnergate-Identity', forged], ['Cookie', partnerCookie]]);
    const seen = both.json<PhpEcho>();
    results.push({ name: 'Connection: identity + forged copy', held: seen.user.id === wp.partner.id && seen.headers.HTTP_X_PARTNERGATE_IDENTITY !== forged, why: `user ${seen.user.id}` });
    expectAllHeld(CLASS, results);
  });

  it('on the wire: a chunked trailer, space before the colon, obs-fold continuation and a NUL are refused or stripped', async () => {
    const port = gw.port;
    const host = new URL(base).host;
    const parse = (raw: string): { status: number; seen?: PhpEcho } => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
      const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
      const json = body.slice(body.indexOf('{'), body.lastIndexOf('}') + 1);
      try {
        return { status, seen: JSON.parse(json) as PhpEcho };
      } catch {
        return { status };
      }
    };
    const wire: Array<[string, string]> = [
      ['chunked trailer', `POST ${ECHO} HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\nTrailer: X-Partnergate-Identity\r\nConnection: close\r\n\r\n1\r\na\r\n0\r\nX-Partnergate-Identity: ${forged}\r\n\r\n`],
      ['space before colon', `GET ${ECHO} HTTP/1.1\r\nHost: ${host}\r\nX-Partnergate-Identity : ${forged}\r\nConnection: close\r\n\r\n`],
      ['obs-fold continuation', `GET ${ECHO} HTTP/1.1\r\nHost: ${host}\r\nX-Note: a\r\n X-Partnergate-Identity: ${forged}\r\nConnection: close\r\n\r\n`],
      ['tab in the name', `GET ${ECHO} HTTP/1.1\r\nHost: ${host}\r\nX-Partnergate-Identity\t: ${forged}\r\nConnection: close\r\n\r\n`],
      ['NUL in the value', `GET ${ECHO} HTTP/1.1\r\nHost: ${host}\r\nX-Partnergate-Identity: ${forged}\u0000x\r\nConnection: close\r\n\r\n`],
      ['bare LF line ends', `GET ${ECHO} HTTP/1.1\nHost: ${host}\nX-Partnergate-Identity: ${forged}\nConnection: close\n\n`],
    ];
    const results: CaseResult[] = [];
    for (const [name, request] of wire) {
      const raw = await rawExchange(port, request, '\u0000never');
      const { status, seen } = parse(raw);
      results.push(judge(`wire: ${name}`, status, seen, [forged], 0));
    }
    expectAllHeld(CLASS, results);
  });
});
