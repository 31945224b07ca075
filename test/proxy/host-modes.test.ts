/**
 * Host and origin in front of the real WordPress: situation 2 with the client's Host preserved, situation 2 with
 * the upstream's own Host (Location, Link and cookie Domain moved back to the public host), and situation 3 (the
 * partner center on its own host, everything else of the site proxied).
 */
import { expect } from 'chai';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createTestStore, type TestStore } from '../support/store.js';
import { startWordPress, type WordPress } from '../support/wordpress.js';
import { send } from './http.js';
import type { PhpEcho } from './wp-flows.js';

describe('proxy: host and origin modes in front of the real WordPress', function () {
  this.timeout(60_000);
  let wp: WordPress;
  let ts: TestStore;
  const gateways: TestGateway[] = [];
  const gateway = async (env: Record<string, string>) => {
    const gw = await startTestGateway(ts.store, { PARTNERGATE_UPSTREAM_URL: wp.url, PARTNERGATE_WP_SHIM_SECRET: wp.secret, ...env });
    gateways.push(gw);
    return gw;
  };
  const wpHost = () => new URL(wp.url).host;

  before(async () => {
    wp = await startWordPress();
    ts = await createTestStore('sqlite');
  });
  after(async () => {
    for (const gw of gateways) await gw.close();
    await ts?.dispose();
  });

  it('preserving the Host: WordPress sees the public host and its Location, Link and cookie Domain pass unchanged', async () => {
    const gw = await gateway({});
    const publicHost = `www.example.test:${gw.port}`;
    const seen = (await send(`${gw.url}/?pg_echo=request`, { headers: [['Host', publicHost]] })).json<PhpEcho>();
    expect(seen.headers.HTTP_HOST).to.equal(publicHost);
    expect(seen.headers.HTTP_X_FORWARDED_HOST).to.equal(publicHost);
    const r = await send(`${gw.url}/?pg_echo=redirect`, { headers: [['Host', publicHost]] });
    expect(r.status).to.equal(302);
    expect(r.headers.location).to.equal(`http://${publicHost}/pg-landing/?from=echo`);
    expect(r.headers.link).to.equal(`<http://${publicHost}/wp-json/>; rel="https://api.w.org/"`);
    expect(r.setCookies).to.have.length(1);
    expect(r.setCookies[0]).to.match(/^pg_domain_test=yes; .*domain=www\.example\.test/i);
  });

  it('with the upstream\'s own Host: Location, Link and cookie Domain naming the upstream move to the public host', async () => {
    const gw = await gateway({ PARTNERGATE_UPSTREAM_PRESERVE_HOST: 'false' });
    const publicHost = `localhost:${gw.port}`;
    const seen = (await send(`${gw.url}/?pg_echo=request`, { headers: [['Host', publicHost]] })).json<PhpEcho>();
    expect(seen.headers.HTTP_HOST).to.equal(wpHost());
    expect(seen.headers.HTTP_X_FORWARDED_HOST).to.equal(publicHost);
    const r = await send(`${gw.url}/?pg_echo=redirect`, { headers: [['Host', publicHost]] });
    expect(r.headers.location).to.equal(`http://${publicHost}/pg-landing/?from=echo`);
    expect(r.headers.link).to.equal(`<http://${publicHost}/wp-json/>; rel="https://api.w.org/"`);
    expect(r.setCookies[0]).to.match(/; Domain=localhost(;|$)/);
    expect(r.setCookies[0]).not.to.contain('127.0.0.1');
  });

  it('with the upstream\'s own Host and a public IP address: the cookie loses its Domain (browsers refuse it on IPs)', async () => {
    const gw = await gateway({ PARTNERGATE_UPSTREAM_PRESERVE_HOST: 'false' });
    const r = await send(`${gw.url}/?pg_echo=redirect`);
    expect(r.headers.location).to.equal(`${gw.url}/pg-landing/?from=echo`);
    expect(r.setCookies[0]).not.to.match(/domain=/i);
  });

  it('situation 3: the partner center host serves only Partnergate; the site\'s host reaches WordPress', async () => {
    const gw = await gateway({ PARTNERGATE_PARTNER_CENTER_HOST: 'partners.example.test' });
    const home = await send(`${gw.url}/`, { headers: [['Host', 'partners.example.test']] });
    expect(home.status).to.equal(302);
    expect(home.headers.location).to.equal('/partner-center/');
    const wpPathOnPartnerHost = await send(`${gw.url}/wp-login.php`, { headers: [['Host', 'partners.example.test']] });
    expect(wpPathOnPartnerHost.status).to.equal(404);
    expect(wpPathOnPartnerHost.text).not.to.contain('user_login');
    const site = await send(`${gw.url}/?pg_echo=request`, { headers: [['Host', 'www.example.test']] });
    expect(site.json<PhpEcho>().headers.HTTP_HOST).to.equal('www.example.test');
    const login = await send(`${gw.url}/wp-login.php`, { headers: [['Host', 'www.example.test']] });
    expect(login.status).to.equal(200);
    expect(login.text).to.contain('user_login');
  });
});
