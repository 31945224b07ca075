/**
 * The WordPress hand-off (`/sso/wordpress?token=`) with tokens minted exactly as the wp-shim plugin mints them
 * (test/support/handoff.ts): one use, one minute, this gateway's audience, the hand-off key only. The real
 * WordPress side is covered by test/proxy/wp-identity.test.ts and test/proxy/wp-shim-php.test.ts.
 */
import { expect } from 'chai';
import { mintHandoffToken } from '../support/handoff.js';
import { useTestGateway, startTestGateway } from '../support/gateway.js';
import { clearTables, forEachStore } from '../support/store.js';
import { handoffBindingFor, newBrowser, seedPartner, sessionInfo } from './support/fixtures.js';

const SECRET = 'wp-shim-shared-secret-for-tests-0123456789abcdef';
const WP = 'http://wordpress.example.test';

forEachStore('auth: WordPress hand-off', (ctx) => {
  const tg = useTestGateway(() => ctx.store, { PARTNERGATE_WP_SHIM_SECRET: SECRET }, { now: () => Date.now() + clockOffset });
  let clockOffset = 0;
  beforeEach(async () => {
    clockOffset = 0;
    await clearTables(ctx.store);
  });

  const mint = (claims: Partial<Parameters<typeof mintHandoffToken>[1]> = {}, opts: Parameters<typeof mintHandoffToken>[2] = {}) =>
    mintHandoffToken(SECRET, { iss: WP, aud: tg.url, sub: '42', email: 'wp@example.test', ...claims }, opts);
  /** Opens the link in a browser that signed in to WordPress through the gateway (it holds the binding cookie). */
  const open = (token: string, browser = newBrowser(), rd?: string, base = tg.url) => {
    browser.setCookie(base, 'pg_handoff', handoffBindingFor(SECRET, token) ?? '');
    return browser.request('GET', `${base}/sso/wordpress?token=${encodeURIComponent(token)}${rd ? `&rd=${encodeURIComponent(rd)}` : ''}`);
  };
  const count = async (table: 'accounts' | 'sessions') => (await ctx.store.db.selectFrom(table).select(ctx.store.db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;

  it('opens a session for the partner with that email (creating the account), then follows a safe rd', async () => {
    const p = await seedPartner(ctx.store, { email: 'WP@example.test', withAccount: false });
    const browser = newBrowser();
    const res = await open(mint({ rd: '/partner-center/links' }), browser);
    expect(res.status).to.equal(303);
    expect(res.location).to.equal(`${tg.url}/partner-center/links`);
    expect(res.headers.get('referrer-policy')).to.equal('no-referrer');
    const info = await sessionInfo(browser, tg.url);
    expect(info.status).to.equal(200);
    expect(info.body).to.include({ partnerId: p.partnerId, authMethod: 'wordpress' });
    const account = await ctx.store.db.selectFrom('accounts').selectAll().executeTakeFirstOrThrow();
    expect(account).to.include({ partner_id: p.partnerId, email: 'wp@example.test', role: 'partner', password_hash: null });
    // An existing account is reused; the query's rd wins over the token's; unsafe targets fall back.
    const again = await open(mint({ rd: '/partner-center/links' }), newBrowser(), '//evil.example/');
    expect(again.location).to.equal(`${tg.url}/partner-center/`);
    expect(await count('accounts')).to.equal(1);
    const evilClaim = await open(mint({ rd: 'https://evil.example/' }));
    expect(evilClaim.location).to.equal(`${tg.url}/partner-center/`);
  });

  it('a replayed token fails with a clear page and opens nothing', async () => {
    await seedPartner(ctx.store, { email: 'wp@example.test' });
    const token = mint();
    expect((await open(token)).status).to.equal(303);
    const replay = await open(token);
    expect(replay.status).to.equal(400);
    expect(replay.text).to.contain('it was already used');
    expect(await count('sessions')).to.equal(1);
  });

  it('an expired token fails (older than its 60 seconds), and so does a token claiming a longer life', async () => {
    await seedPartner(ctx.store, { email: 'wp@example.test' });
    const iat = Math.floor(Date.now() / 1000) - 90;
    const expired = await open(mint({ iat, exp: iat + 60 }));
    expect(expired.status).to.equal(400);
    expect(expired.text).to.contain('it has expired');
    const now = Math.floor(Date.now() / 1000);
    const long = await open(mint({ iat: now, exp: now + 3600 }));
    expect(long.status).to.equal(400);
    expect(long.text).to.contain('lifetime is not valid');
    // Used 61 s after minting (gateway clock moved): expired.
    const token = mint();
    clockOffset = 70_000;
    expect((await open(token)).status).to.equal(400);
    expect(await count('sessions')).to.equal(0);
  });

  it('forged, foreign and malformed tokens fail: wrong key, identity-assertion key, alg none, another audience, missing claims', async () => {
    await seedPartner(ctx.store, { email: 'wp@example.test' });
    const wrongSecret = mintHandoffToken('another-secret-of-at-least-32-characters-xx', { iss: WP, aud: tg.url, sub: '42', email: 'wp@example.test' });
    const cases: Array<[string, string, string]> = [
      ['signed with another secret', wrongSecret, 'signature or contents'],
      ['signed with the identity-assertion key', mint({}, { purpose: 'identity-assertion' }), 'signature or contents'],
      ['alg none', mint({}, { header: '{"alg":"none","typ":"JWT"}' }).split('.').slice(0, 2).join('.') + '.', 'signature or contents'],
      ['alg none with the signature kept', mint({}, { header: '{"alg":"none","typ":"JWT"}' }), 'signature or contents'],
      ['another audience', mint({ aud: 'http://other-gateway.example.test' }), 'made for another site'],
      ['no jti', mint({ jti: '' }), 'contents are not valid'],
      ['tampered payload', tamper(mint()), 'signature or contents'],
      ['not a JWT', 'hello', 'signature or contents'],
      ['empty', '', 'missing'],
    ];
    for (const [name, token, message] of cases) {
      const res = await open(token);
      expect(res.status, name).to.equal(400);
      expect(res.text, name).to.contain(message);
      expect(res.text, name).to.not.match(/at .*\.ts:\d+/);
    }
    expect(await count('sessions')).to.equal(0);
  });

  it('an unknown user gets a clear 403 page and nothing is created; admins cannot be signed in by WordPress', async () => {
    const res = await open(mint({ email: 'subscriber@example.test' }));
    expect(res.status).to.equal(403);
    expect(res.text).to.contain('Your website account is not a partner account');
    expect(await count('accounts')).to.equal(0);
    expect(await count('sessions')).to.equal(0);

    await seedPartner(ctx.store, { email: 'boss@example.test', role: 'admin' });
    const admin = await open(mint({ email: 'boss@example.test' }));
    expect(admin.status).to.equal(403);
    expect(await count('sessions')).to.equal(0);
  });

  it('a new session id every time: a cookie carried into the hand-off is replaced', async () => {
    await seedPartner(ctx.store, { email: 'wp@example.test' });
    const browser = newBrowser();
    await open(mint(), browser);
    const first = browser.cookie(tg.url, 'pg_session');
    await open(mint(), browser);
    expect(browser.cookie(tg.url, 'pg_session')).to.not.equal(first);
    expect(await count('sessions')).to.equal(1);
  });

  it('situation 3: a token addressed to the partner center host is accepted, any other host is not', async () => {
    await seedPartner(ctx.store, { email: 'wp@example.test' });
    const pc = await startTestGateway(ctx.store, { PARTNERGATE_WP_SHIM_SECRET: SECRET, PARTNERGATE_PARTNER_CENTER_HOST: 'partners.example.test' });
    try {
      const ok = await open(mintHandoffToken(SECRET, { iss: WP, aud: 'http://partners.example.test', sub: '42', email: 'wp@example.test' }), newBrowser(), undefined, pc.url);
      expect(ok.status).to.equal(303);
      const other = await open(mintHandoffToken(SECRET, { iss: WP, aud: 'http://elsewhere.example.test', sub: '42', email: 'wp@example.test' }), newBrowser(), undefined, pc.url);
      expect(other.status).to.equal(400);
    } finally {
      await pc.close();
    }
  });
});

function tamper(token: string): string {
  const [h, p, s] = token.split('.');
  const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
  claims.email = 'someone-else@example.test';
  return `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
}
