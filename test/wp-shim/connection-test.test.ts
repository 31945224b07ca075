/**
 * The connection test of Settings -> Partnergate: the gateway's `GET /sso/wp-shim/ping` checks the plugin's
 * signature and answers its version and the clock skew, and wp-shim's `test_connection()` (run in the real
 * WordPress against a real gateway) names what is wrong: green against a matching gateway, secret mismatch,
 * unreachable, clock skew, gateway not proxying this site.
 */
import { expect } from 'chai';
import { hkdfSync } from 'node:crypto';
import { SignJWT } from 'jose';
import request from 'supertest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createTestStore, type TestStore } from '../support/store.js';
import { startWordPress, type WordPress } from '../support/wordpress.js';

type Verdict = { ok: boolean; code: string; message: string };

const pingKey = (secret: string) => new Uint8Array(hkdfSync('sha256', Buffer.from(secret), Buffer.alloc(0), Buffer.from('partnergate shim-ping'), 32));

describe('wp-shim: test connection (gateway ping)', function () {
  this.timeout(60_000);
  let wp: WordPress;
  let ts: TestStore;
  let gw: TestGateway | undefined;

  const testConnection = (skewSeconds = 0) => wp.php<Verdict>(`return Partnergate\\Shim\\test_connection( time() + (${skewSeconds}) );`);
  const gateway = async (env: Record<string, string> = {}) => {
    await gw?.close();
    gw = await startTestGateway(ts.store, wp.gatewayEnv(env));
    return gw;
  };

  before(async () => {
    wp = await startWordPress();
    ts = await createTestStore('sqlite');
  });
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });
  after(async () => {
    await ts?.dispose();
  });

  describe('the gateway endpoint', () => {
    const token = (opts: { secret?: string; aud?: string; iat?: number; home?: string } = {}) => {
      const iat = opts.iat ?? Math.floor(Date.now() / 1000);
      return new SignJWT({ home: opts.home ?? `${wp.publicOrigin}/` })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(wp.publicOrigin)
        .setAudience(opts.aud ?? wp.publicOrigin)
        .setIssuedAt(iat)
        .setExpirationTime(iat + 60)
        .setJti('ping-1')
        .sign(pingKey(opts.secret ?? wp.secret));
    };

    it('answers a correctly signed ping with its version, the skew and that it proxies the site', async () => {
      const g = await gateway();
      const r = await request(g.url).get('/sso/wp-shim/ping').set('Authorization', `Bearer ${await token({ iat: Math.floor(Date.now() / 1000) - 90 })}`);
      expect(r.status).to.equal(200);
      expect(r.body).to.include({ gateway: 'partnergate', proxying: true, upstream_configured: true });
      expect(r.body.version).to.match(/^\d+\.\d+\.\d+/);
      expect(r.body.skew_seconds).to.be.within(-92, -88);
    });

    it('refuses a ping signed with another secret (401 bad_signature) or with the hand-off key', async () => {
      const g = await gateway();
      const other = await request(g.url).get('/sso/wp-shim/ping').set('Authorization', `Bearer ${await token({ secret: 'x'.repeat(40) })}`);
      expect(other.status).to.equal(401);
      expect(other.body.error).to.equal('bad_signature');
      const handoffKey = new Uint8Array(hkdfSync('sha256', Buffer.from(wp.secret), Buffer.alloc(0), Buffer.from('partnergate handoff'), 32));
      const wrongPurpose = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setAudience(wp.publicOrigin).setIssuedAt().sign(handoffKey);
      expect((await request(g.url).get('/sso/wp-shim/ping').set('Authorization', `Bearer ${wrongPurpose}`)).body.error).to.equal('bad_signature');
    });

    it('names a missing token (400, field authorization) and a token for another gateway (401 wrong_audience)', async () => {
      const g = await gateway();
      const missing = await request(g.url).get('/sso/wp-shim/ping');
      expect(missing.status).to.equal(400);
      expect(missing.body.field).to.equal('authorization');
      const elsewhere = await request(g.url).get('/sso/wp-shim/ping').set('Authorization', `Bearer ${await token({ aud: 'https://other.example' })}`);
      expect(elsewhere.status).to.equal(401);
      expect(elsewhere.body.error).to.equal('wrong_audience');
    });

    it('says it does not proxy a site whose home URL is not one of its origins', async () => {
      const g = await gateway();
      const r = await request(g.url).get('/sso/wp-shim/ping').set('Authorization', `Bearer ${await token({ home: 'https://www.other.example/' })}`);
      expect(r.status).to.equal(200);
      expect(r.body.proxying).to.equal(false);
    });
  });

  describe("wp-shim's verdict", () => {
    it('is green against a gateway with the same secret that proxies this site', async () => {
      await gateway();
      const v = await testConnection();
      expect(v, v.message).to.include({ ok: true, code: 'ok' });
      expect(v.message).to.match(/^Connected: Partnergate \d+\.\d+\.\d+ answered/);
    });

    it('says the secret does not match when the gateway has another one', async () => {
      await gateway({ PARTNERGATE_WP_SHIM_SECRET: 'another-secret-another-secret-another-secret' });
      expect(await testConnection()).to.deep.include({ ok: false, code: 'secret_mismatch' });
    });

    it('says the gateway cannot be reached when nothing listens', async () => {
      const v = await testConnection();
      expect(v).to.include({ ok: false, code: 'unreachable' });
      expect(v.message).to.contain(wp.publicOrigin);
    });

    it('gives Site Health the same verdict: good when connected, critical with the reason when not', async () => {
      const health = () => wp.php<{ status: string; test: string; description: string }>(`return Partnergate\\Shim\\site_health_connection();`);
      const down = await health();
      expect(down).to.include({ status: 'critical', test: 'partnergate_shim_connection' });
      expect(down.description).to.contain('cannot be reached');
      await gateway();
      expect((await health()).status).to.equal('good');
      expect(await wp.php(`return isset( apply_filters( 'site_status_tests', array( 'direct' => array() ) )['direct']['partnergate_shim_connection'] );`)).to.equal(true);
    });

    it('reports clock skew beyond what the tokens tolerate', async () => {
      await gateway();
      const v = await testConnection(-120);
      expect(v).to.include({ ok: false, code: 'clock_skew' });
      expect(v.message).to.match(/differ by 1[12]\d seconds/);
    });

    it('says the gateway does not proxy this site when it has no upstream', async () => {
      await gateway({ PARTNERGATE_UPSTREAM_URL: '' });
      expect(await testConnection()).to.include({ ok: false, code: 'not_proxying' });
    });
  });
});
