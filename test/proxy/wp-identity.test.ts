/**
 * Identity at the real WordPress: what PHP's $_SERVER shows of every spoofed identity header (PHP folds case,
 * `-`, `_` and `.`), the Connection-header attack, and wp-shim's sign-in from the gateway's assertion, which
 * must trust only a valid signature.
 */
import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { deriveKey } from '../../src/common/index.js';
import { signInAs, startTestGateway, type TestGateway } from '../support/gateway.js';
import { createTestStore, type TestStore } from '../support/store.js';
import { startWordPress, type WordPress } from '../support/wordpress.js';
import { addPartner } from './fixtures.js';
import { send } from './http.js';
import type { PhpEcho } from './wp-flows.js';

/** Every spelling PHP turns into the same $_SERVER key. */
function spellings(name: string): string[] {
  const parts = name.split('-');
  return [
    name,
    name.toLowerCase(),
    name.toUpperCase(),
    name.replace(/-/g, '_'),
    name.toLowerCase().replace(/-/g, '.'),
    parts.map((p, i) => (i % 2 ? p.toUpperCase() : p.toLowerCase())).join('_'),
    parts.join('-').replace(/-([^-]*)$/, '_$1'),
  ];
}

const identityHeaders = [
  'X-Partnergate-Identity',
  'X-Partnergate-Partner-Id',
  'X-Forwarded-User',
  'X-Forwarded-Email',
  'X-Forwarded-Preferred-Username',
  'X-Forwarded-Groups',
  'X-Forwarded-Access-Token',
  'X-Auth-Request-User',
  'X-Auth-Request-Email',
  'X-Auth-Request-Preferred-Username',
  'X-Auth-Request-Groups',
  'X-Auth-Request-Access-Token',
  'Remote-User',
  'Remote-Email',
  'Remote-Groups',
  'X-Remote-User',
  'X-WP-User',
  'X-Forwarded-For',
  'X-Forwarded-Host',
  'X-Forwarded-Proto',
  'X-Forwarded-Server',
  'X-Real-IP',
  'Forwarded',
];

describe('proxy: identity headers at the real WordPress', function () {
  this.timeout(60_000);
  let wp: WordPress;
  let ts: TestStore;
  let gw: TestGateway;
  let base: string;
  let partnerCookie: string;

  const echoVia = async (url: string, headers: Array<[string, string]>) => (await send(`${url}/?pg_echo=request`, { headers })).json<PhpEcho>();
  const assertionLogin = (on: boolean) => wp.php(`Partnergate\\Shim\\update_settings( array( 'assertion_login' => ${on ? 'true' : 'false'} ) ); return true;`);

  before(async () => {
    wp = await startWordPress();
    ts = await createTestStore('sqlite');
    // The test client stands for a browser connecting directly: no peer is a trusted proxy (test/http covers one that is).
    gw = await startTestGateway(ts.store, { ...wp.gatewayEnv(), PARTNERGATE_TRUST_PROXY: 'false' });
    base = gw.url;
    const partner = await addPartner(ts.store, { email: wp.partner.email });
    partnerCookie = (await signInAs(gw, partner.partnerId, { email: wp.partner.email })).cookie;
  });
  after(async () => {
    await assertionLogin(false);
    await gw?.close();
    await ts?.dispose();
  });

  it('control: a header that is not an identity header reaches PHP in every spelling (the check below can fail)', async () => {
    const seen = await echoVia(base, spellings('X-Harmless-Header').map((n, i) => [n, `spoof-${i}`] as [string, string]));
    expect(seen.headers.HTTP_X_HARMLESS_HEADER).to.match(/spoof-/);
  });

  for (const name of identityHeaders) {
    it(`strips a client-sent ${name} in every spelling before PHP sees it`, async () => {
      const seen = await echoVia(base, spellings(name).map((n, i) => [n, `spoof-${i}`] as [string, string]));
      const leaked = Object.entries(seen.headers).filter(([, v]) => String(v).includes('spoof-'));
      expect(leaked, JSON.stringify(leaked)).to.deep.equal([]);
    });
  }

  it('gives PHP its own X-Forwarded-For/Host/Proto', async () => {
    const seen = await echoVia(base, [['X-Forwarded-For', '6.6.6.6'], ['X_Forwarded_Proto', 'https']]);
    expect(seen.headers.HTTP_X_FORWARDED_FOR).to.equal('127.0.0.1');
    expect(seen.headers.HTTP_X_FORWARDED_HOST).to.equal(new URL(base).host);
    expect(seen.headers.HTTP_X_FORWARDED_PROTO).to.equal('http');
    expect(seen.server.HTTPS).to.equal(null);
  });

  it('survives the Connection-header attack: what it injects reaches PHP and Connection names none of it', async () => {
    const seen = await echoVia(base, [
      ['Cookie', partnerCookie],
      ['Connection', 'close, X-Forwarded-For, X-Forwarded-Host, X-Forwarded-Proto, X-Partnergate-Identity, X_Partnergate_Identity'],
    ]);
    expect(seen.headers.HTTP_X_FORWARDED_FOR).to.equal('127.0.0.1');
    expect(seen.headers.HTTP_X_FORWARDED_HOST).to.equal(new URL(base).host);
    const { payload } = await jwtVerify(seen.headers.HTTP_X_PARTNERGATE_IDENTITY!, deriveKey(wp.secret, 'identity-assertion'), { audience: wp.url, issuer: base });
    expect(payload.email).to.equal(wp.partner.email);
    expect(seen.headers.HTTP_CONNECTION ?? '').not.to.match(/forwarded|partnergate/i);
  });

  it('signs the matching WordPress user in from the assertion only when assertion_login is on', async () => {
    await assertionLogin(false);
    expect((await echoVia(base, [['Cookie', partnerCookie]])).user.id).to.equal(0);
    await assertionLogin(true);
    const seen = await echoVia(base, [['Cookie', partnerCookie]]);
    expect(seen.user).to.deep.equal({ id: wp.partner.id, login: wp.partner.login });
    expect(seen.cookies).not.to.have.property('pg_session');
    expect((await echoVia(base, [])).user.id).to.equal(0);
  });

  it('treats an assertion sign-in like a cookie for REST (X-WP-Nonce required) and not as a wp-admin session', async () => {
    await assertionLogin(true);
    const cookie: [string, string] = ['Cookie', partnerCookie];
    expect((await send(`${base}/wp-json/wp/v2/users/me`, { headers: [cookie] })).status).to.equal(401);
    const nonce = (await send(`${base}/wp-admin/admin-ajax.php?action=rest-nonce`, { headers: [cookie] })).text;
    const me = await send(`${base}/wp-json/wp/v2/users/me`, { headers: [cookie, ['X-WP-Nonce', nonce]] });
    expect(me.status).to.equal(200);
    expect(me.json<{ id: number }>().id).to.equal(wp.partner.id);
    const adminArea = await send(`${base}/wp-admin/`, { headers: [cookie] });
    expect(adminArea.status).to.equal(302);
    expect(adminArea.headers.location).to.contain('/wp-login.php');
  });

  describe('tokens sent straight to WordPress (bypassing the gateway)', () => {
    const now = () => Math.floor(Date.now() / 1000);
    const sign = (claims: Record<string, unknown>, opts: { key?: Uint8Array; aud?: string; iss?: string; iat?: number; exp?: number } = {}) =>
      new SignJWT({ email: wp.partner.email, ...claims })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject('1')
        .setAudience(opts.aud ?? wp.url)
        .setIssuer(opts.iss ?? base)
        .setIssuedAt(opts.iat ?? now())
        .setExpirationTime(opts.exp ?? now() + 60)
        .setJti('j')
        .sign(opts.key ?? deriveKey(wp.secret, 'identity-assertion'));
    const manual = (header: object, claims: object, key: Uint8Array | null) => {
      const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
      return `${input}.${key ? createHmac(header && (header as { alg?: string }).alg === 'HS512' ? 'sha512' : 'sha256', key).update(input).digest('base64url') : ''}`;
    };
    const at = async (token: string) => (await echoVia(wp.url, [['Host', new URL(base).host], ['X-Partnergate-Identity', token]])).user.id;

    before(() => assertionLogin(true));

    it('control: a valid assertion signs the partner in', async () => {
      expect(await at(await sign({}))).to.equal(wp.partner.id);
    });

    const forged: Array<[string, () => Promise<string> | string]> = [
      ['signed with the hand-off key', () => sign({}, { key: deriveKey(wp.secret, 'handoff') })],
      ['signed with another secret', () => sign({}, { key: deriveKey('another-secret-another-secret-another-secret', 'identity-assertion') })],
      ['for another upstream (aud)', () => sign({}, { aud: 'http://other.example:8080' })],
      ['from another gateway (iss)', () => sign({}, { iss: 'https://evil.example' })],
      ['expired', () => sign({}, { iat: now() - 120, exp: now() - 60 })],
      ['issued in the future', () => sign({}, { iat: now() + 600, exp: now() + 660 })],
      ['alg none', () => manual({ alg: 'none', typ: 'JWT' }, { email: wp.partner.email, sub: '1', aud: wp.url, iss: base, iat: now(), exp: now() + 60 }, null)],
      ['alg HS512', () => manual({ alg: 'HS512', typ: 'JWT' }, { email: wp.partner.email, sub: '1', aud: wp.url, iss: base, iat: now(), exp: now() + 60 }, deriveKey(wp.secret, 'identity-assertion'))],
      ['payload changed after signing', async () => {
        const [h, , s] = (await sign({})).split('.');
        return `${h}.${Buffer.from(JSON.stringify({ email: wp.partner.email, sub: '1', aud: wp.url, iss: base, iat: now(), exp: now() + 3600 })).toString('base64url')}.${s}`;
      }],
      ['naming an administrator', () => sign({ email: wp.admin.email })],
      ['naming an unknown email', () => sign({ email: 'nobody@example.test' })],
      ['not a JWT at all', () => 'not-a-jwt'],
    ];
    for (const [name, make] of forged) {
      it(`signs nobody in with an assertion ${name}`, async () => {
        expect(await at(await make())).to.equal(0);
      });
    }
  });
});
