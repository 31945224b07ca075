/**
 * The identity assertion the gateway adds for a signed-in partner, checked at the upstream with jose, on both
 * stores (it resolves the Partnergate session).
 */
import { expect } from 'chai';
import { decodeJwt, jwtVerify } from 'jose';
import { deriveKey } from '../../src/common/index.js';
import { signInAs, startTestGateway, type TestGateway } from '../support/gateway.js';
import { forEachStore } from '../support/store.js';
import { startFakeUpstream, type EchoedRequest, type FakeUpstream } from './fake-upstream.js';
import { addPartner } from './fixtures.js';
import { send } from './http.js';

const SECRET = 'identity-assertion-test-secret-0123456789abcdef';

forEachStore('proxy: identity assertion for signed-in partners', (ctx) => {
  let up: FakeUpstream;
  let gw: TestGateway;

  before(async () => {
    up = await startFakeUpstream();
    gw = await startTestGateway(ctx.store, { PARTNERGATE_UPSTREAM_URL: up.url, PARTNERGATE_WP_SHIM_SECRET: SECRET, PARTNERGATE_PUBLIC_URL: 'https://partners.example.test' });
  });
  after(async () => {
    await gw?.close();
    await up?.close();
  });

  const echo = async (headers: Array<[string, string]>) => (await send(`${gw.url}/echo`, { headers })).json<EchoedRequest>();

  it('adds a 60-second HS256 JWT for the upstream with the account, email, partner id and referral code', async () => {
    const partner = await addPartner(ctx.store, { referralCode: 'ORID-7781' });
    const signed = await signInAs(gw, partner.partnerId, { email: partner.email });
    const seen = await echo([['Cookie', signed.cookie]]);
    const token = seen.headers['x-partnergate-identity'] as string;
    const { payload, protectedHeader } = await jwtVerify(token, deriveKey(SECRET, 'identity-assertion'), { algorithms: ['HS256'], audience: up.url, issuer: 'https://partners.example.test' });
    expect(protectedHeader.alg).to.equal('HS256');
    expect(payload).to.include({ sub: String(signed.accountId), email: partner.email, partner_id: partner.partnerId, referral_code: 'ORID-7781', role: 'partner' });
    expect(payload.exp! - payload.iat!).to.equal(60);
    expect(payload.jti).to.be.a('string');
  });

  it('is not valid as a hand-off token (another key) and changes jti per request', async () => {
    const partner = await addPartner(ctx.store);
    const signed = await signInAs(gw, partner.partnerId, { email: partner.email });
    const a = (await echo([['Cookie', signed.cookie]])).headers['x-partnergate-identity'] as string;
    const b = (await echo([['Cookie', signed.cookie]])).headers['x-partnergate-identity'] as string;
    expect(decodeJwt(a).jti).not.to.equal(decodeJwt(b).jti);
    let refused = false;
    await jwtVerify(a, deriveKey(SECRET, 'handoff')).catch(() => (refused = true));
    expect(refused).to.equal(true);
  });

  it('never forwards the gateway\'s own cookies, and keeps the others in order', async () => {
    const partner = await addPartner(ctx.store);
    const signed = await signInAs(gw, partner.partnerId, { email: partner.email });
    const { preCsrf } = gw.gateway.deps.cookies;
    expect(preCsrf).to.equal('__Host-pg_csrf'); // https public URL: __Host- cookies
    const seen = await echo([['Cookie', `first=1; ${signed.cookie}; ${preCsrf}=${'c'.repeat(43)}; last=2`]]);
    expect(seen.headers.cookie).to.equal('first=1; last=2');
  });

  it('replaces a client-sent assertion (every spelling) with its own, even when the client names it in Connection', async () => {
    const partner = await addPartner(ctx.store);
    const signed = await signInAs(gw, partner.partnerId, { email: partner.email });
    const seen = await echo([
      ['Cookie', signed.cookie],
      ['X-Partnergate-Identity', 'forged.jwt.value'],
      ['x_partnergate_identity', 'forged'],
      ['X.Partnergate.Identity', 'forged'],
      ['Connection', 'X-Partnergate-Identity'],
    ]);
    const names = seen.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase().replace(/[^a-z0-9]/g, '-'));
    expect(names.filter((n) => n === 'x-partnergate-identity')).to.have.length(1);
    const { payload } = await jwtVerify(seen.headers['x-partnergate-identity'] as string, deriveKey(SECRET, 'identity-assertion'), { audience: up.url });
    expect(payload.sub).to.equal(String(signed.accountId));
  });

  const noAssertion: Array<[string, () => Promise<string>]> = [
    ['an anonymous request', async () => ''],
    ['an unknown session cookie', async () => `${gw.gateway.deps.cookies.session}=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`],
    ['an over-long session cookie', async () => `${gw.gateway.deps.cookies.session}=${'A'.repeat(500)}`],
    [
      'an expired session',
      async () => {
        const partner = await addPartner(ctx.store);
        const signed = await signInAs(gw, partner.partnerId, { email: partner.email });
        await ctx.store.db.updateTable('sessions').set({ idle_expires_at: 1 }).where('account_id', '=', signed.accountId).execute();
        return signed.cookie;
      },
    ],
    [
      'a session still waiting for its second factor',
      async () => {
        const partner = await addPartner(ctx.store);
        const signed = await signInAs(gw, partner.partnerId, { email: partner.email });
        await ctx.store.db.updateTable('sessions').set({ totp_pending: 1 }).where('account_id', '=', signed.accountId).execute();
        return signed.cookie;
      },
    ],
    [
      'a disabled account',
      async () => {
        const partner = await addPartner(ctx.store);
        const signed = await signInAs(gw, partner.partnerId, { email: partner.email });
        await ctx.store.db.updateTable('accounts').set({ disabled_at: 1 }).where('id', '=', signed.accountId).execute();
        return signed.cookie;
      },
    ],
  ];
  for (const [name, cookieOf] of noAssertion) {
    it(`adds no assertion (and strips forged ones) for ${name}`, async () => {
      const cookie = await cookieOf();
      const seen = await echo([...(cookie ? ([['Cookie', cookie]] as Array<[string, string]>) : []), ['X-Partnergate-Identity', 'forged']]);
      expect(seen.headers).not.to.have.property('x-partnergate-identity');
      expect(String(seen.headers.cookie ?? '')).not.to.contain('pg_session');
    });
  }
});
