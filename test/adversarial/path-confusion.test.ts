/**
 * Path confusion at every public/private boundary (`/partner-center`, `/sso`, `/healthz`, `/metrics`):
 * encoded slashes, dot segments, double slashes, `#`, `;`, query tricks, case, trailing dots, spoofed
 * X-Forwarded-Uri / X-Original-URL. Signed out, no variant may reach a partner page; whatever goes to WordPress
 * carries no identity; `/metrics` behind its token stays behind it.
 */
import { expect } from 'chai';
import { recordCase } from '../support/adversarial.js';
import { useTestGateway } from '../support/gateway.js';
import { createTestStore, type TestStore } from '../support/store.js';
import { startFakeUpstream, type FakeUpstream } from '../proxy/fake-upstream.js';
import { rawRequest } from './raw-http.js';

const CLASS = 'path confusion';
const METRICS_TOKEN = 'metrics-token-for-the-adversarial-suite';

/** Variants of a private partner page that a confused gateway might serve without a session. */
const privateVariants = [
  '/partner-center/commissions',
  '/partner-center//commissions',
  '//partner-center/commissions',
  '/partner-center/./commissions',
  '/x/../partner-center/commissions',
  '/partner-center/%2e%2e/partner-center/commissions',
  '/partner-center/%2E/commissions',
  '/partner-center%2fcommissions',
  '/partner-center%2Fcommissions',
  '/partner-center/..%2fpartner-center/commissions',
  '/partner-center\\commissions',
  '/partner-center%5ccommissions',
  '/PARTNER-CENTER/commissions',
  '/Partner-Center/commissions',
  '/partner-center;x=1/commissions',
  '/partner-center/commissions;jsessionid=1',
  '/partner-center/commissions#/healthz',
  '/partner-center/commissions?x=/healthz',
  '/partner-center/commissions?/sso/sign-in',
  '/healthz/../partner-center/commissions',
  '/healthz/%2e%2e/partner-center/commissions',
  '/sso/../partner-center/commissions',
  '/sso/..%2fpartner-center/commissions',
  '/metrics/../partner-center/commissions',
  '/partner-center/assets/../commissions',
  '/partner-center/assets/..%2fcommissions',
  '/partner-center/assets/%2e%2e/commissions',
  '/partner-center./commissions',
  '/partner-center../commissions',
  '/partner-center%00/commissions',
  '/partner-center%20/commissions',
  '/partner-center/commissions/',
  '/partner-center/commissions/.',
  '/%70artner-center/commissions',
  '/partner-center/%63ommissions',
  '/partner-center/earnings',
  '/partner-center/',
  '/partner-center',
  '/partner-center/exports/commissions.csv',
  '/partner-center/api/reports/commissions',
];

const spoofHeaders: Array<[string, string]> = [
  ['X-Forwarded-Uri', '/healthz'],
  ['X-Original-URL', '/healthz'],
  ['X-Rewrite-URL', '/healthz'],
  ['X-Forwarded-Prefix', '/healthz'],
];

describe('adversarial: path confusion', function () {
  this.timeout(60_000);
  let ts: TestStore;
  let upstream: FakeUpstream;

  before(async () => {
    ts = await createTestStore('sqlite');
    upstream = await startFakeUpstream();
  });
  const tg = useTestGateway(() => ts.store, () => ({ PARTNERGATE_UPSTREAM_URL: upstream.url, PARTNERGATE_METRICS_TOKEN: METRICS_TOKEN }));
  // Registered after the gateway's hooks: the upstream and the store close after the gateway.
  after(async () => {
    await upstream?.close();
    await ts?.dispose();
  });

  /** Signed out, a request is safe when it is refused, sent to sign-in, or went to WordPress without identity. */
  async function safeWhenSignedOut(path: string, headers: Array<[string, string]> = []): Promise<{ held: boolean; why: string }> {
    const r = await rawRequest(tg.url, path, headers);
    const location = String(r.headers.location ?? '');
    if (r.status === 303 || r.status === 302) {
      const ok = location.startsWith('/sso/sign-in') || location.startsWith(`${tg.url}/sso/sign-in`);
      return { held: ok, why: `redirect to ${location}` };
    }
    if ([400, 401, 403, 404].includes(r.status)) {
      const leaked = /commission|earnings/i.test(r.text) && /<table/i.test(r.text);
      return { held: !leaked, why: `status ${r.status}` };
    }
    if (r.status === 200 && r.headers['content-type']?.includes('application/json') && r.text.includes('"rawHeaders"')) {
      // The fake upstream echoes what it received: no identity assertion may have been added.
      const echoed = JSON.parse(r.text) as { headers: Record<string, string> };
      const identity = Object.keys(echoed.headers).some((h) => h.toLowerCase().startsWith('x-partnergate'));
      return { held: !identity, why: 'proxied to WordPress' };
    }
    return { held: false, why: `status ${r.status}` };
  }

  for (const path of privateVariants) {
    it(`signed out, ${JSON.stringify(path)} never reaches a partner page`, async () => {
      const { held, why } = await safeWhenSignedOut(path);
      expect(recordCase(CLASS, path, held), why).to.equal(true);
    });
  }

  for (const [name, value] of spoofHeaders) {
    it(`a spoofed ${name}: ${value} does not make a private path public`, async () => {
      const { held, why } = await safeWhenSignedOut('/partner-center/commissions', [[name, value]]);
      expect(recordCase(CLASS, `${name} spoof`, held), why).to.equal(true);
    });
  }

  const metricsVariants = ['/metrics', '/metrics/', '//metrics', '/x/../metrics', '/metrics?x', '/metrics#x', '/%6detrics', '/metrics;x'];
  for (const path of metricsVariants) {
    it(`${JSON.stringify(path)} without the token does not expose metrics`, async () => {
      const r = await rawRequest(tg.url, path);
      const exposed = r.text.includes('partnergate_http_requests_total');
      expect(recordCase(CLASS, `metrics ${path}`, !exposed), `status ${r.status}`).to.equal(true);
    });
  }

  it('with the token, /metrics answers (the rule above is not vacuous)', async () => {
    const r = await rawRequest(tg.url, '/metrics', [['Authorization', `Bearer ${METRICS_TOKEN}`]]);
    expect(r.status).to.equal(200);
    expect(r.text).to.contain('partnergate_http_requests_total');
  });

  it('public paths stay public: /healthz and the sign-in page answer signed out', async () => {
    expect((await rawRequest(tg.url, '/healthz')).status).to.equal(200);
    expect((await rawRequest(tg.url, '/sso/sign-in')).status).to.equal(200);
  });
});
