/**
 * Several gateway instances on one store (each with its own connection pool, as in production behind a load
 * balancer): a session opened on one works on the other, and a sign-out or password change on one ends it on both.
 */
import { expect } from 'chai';
import { openStore, type Store } from '../../src/store/index.js';
import { useTestGateway } from '../support/gateway.js';
import { clearTables, forEachStore } from '../support/store.js';
import { csrfIn, newBrowser, PASSWORD, seedPartner, sessionInfo, signInWithForm, submitForm } from './support/fixtures.js';

forEachStore('auth: sessions shared by two gateway instances', (ctx) => {
  let secondStore: Store;
  before(async () => {
    secondStore = await openStore(ctx.config);
  });
  const a = useTestGateway(() => ctx.store);
  const b = useTestGateway(() => secondStore);
  // Registered after the gateways' hooks, so it runs after both have closed.
  after(async () => {
    await secondStore?.close();
  });
  beforeEach(async () => {
    await clearTables(ctx.store);
  });

  /** The same browser talking to either instance: the cookie is copied across (one site behind a balancer). */
  function onOther(cookie: string) {
    const browser = newBrowser();
    browser.setCookie(b.url, 'pg_session', cookie);
    return browser;
  }

  it('a session opened on one instance works on the other; sign-out on the other ends it on both', async () => {
    const p = await seedPartner(ctx.store, { email: 'shared@example.test' });
    const onA = newBrowser();
    expect((await signInWithForm(onA, a.url, 'shared@example.test')).status).to.equal(303);
    const cookie = onA.cookie(a.url, 'pg_session')!;
    const onB = onOther(cookie);
    const info = await sessionInfo(onB, b.url);
    expect(info.status).to.equal(200);
    expect(info.body.partnerId).to.equal(p.partnerId);

    // The CSRF token is the session's, so a form rendered by A posts fine to B.
    const page = await onA.request('GET', `${a.url}/sso/sign-out`);
    const out = await onB.request('POST', `${b.url}/sso/sign-out`, { _csrf: csrfIn(page.text) });
    expect(out.status).to.equal(303);
    expect((await sessionInfo(onA, a.url)).status).to.equal(401);
    expect((await sessionInfo(onOther(cookie), b.url)).status).to.equal(401);
  });

  it('a password change on one instance ends the other sessions everywhere', async () => {
    await seedPartner(ctx.store, { email: 'shared2@example.test' });
    const first = newBrowser();
    const second = newBrowser();
    await signInWithForm(first, a.url, 'shared2@example.test');
    await signInWithForm(second, b.url, 'shared2@example.test');
    const res = await submitForm(first, a.url, '/sso/password', { current_password: PASSWORD, new_password: 'another long password', new_password_confirm: 'another long password' });
    expect(res.status).to.equal(303);
    expect((await sessionInfo(second, b.url)).status).to.equal(401);
    expect((await sessionInfo(onOther(second.cookie(b.url, 'pg_session')!), a.url)).status).to.equal(401);
    expect((await sessionInfo(first, a.url)).status).to.equal(200);
  });

  it('throttling counts attempts made on both instances together', async () => {
    await seedPartner(ctx.store, { email: 'shared3@example.test' });
    // Default limit: 5 failures per account.
    for (let i = 0; i < 5; i++) {
      const gw = i % 2 === 0 ? a : b;
      expect((await signInWithForm(newBrowser(`203.0.113.${i + 20}`), gw.url, 'shared3@example.test', 'wrong password!')).status).to.equal(401);
    }
    expect((await signInWithForm(newBrowser('203.0.113.40'), b.url, 'shared3@example.test')).status).to.equal(429);
    expect((await signInWithForm(newBrowser('203.0.113.41'), a.url, 'shared3@example.test')).status).to.equal(429);
  });
});
