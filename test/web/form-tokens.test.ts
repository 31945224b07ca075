/**
 * Which CSRF token a page's forms carry: before sign-in, the double-submit cookie's (set when missing); once
 * signed in, the session's, and no new pre-session cookie is handed out on every page.
 */
import { expect } from 'chai';
import { signInAs, type TestGateway } from '../support/gateway.js';
import { forEachStore } from '../support/store.js';
import { openPartnerCenter } from './helpers.js';
import type { Fixture } from './fixture.js';

const formTokenIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1];

forEachStore('web: form tokens before and after sign-in', (ctx) => {
  let tg: TestGateway;
  let fx: Fixture;
  before(async () => {
    ({ tg, fx } = await openPartnerCenter(ctx.store));
  });
  after(async () => {
    await tg?.close();
  });

  it('a signed-out page sets the pre-session cookie and its forms carry that value; a page sent the cookie keeps it', async () => {
    const first = await fetch(`${tg.url}/sso/sign-in`);
    const set = first.headers.getSetCookie().find((c) => c.startsWith('pg_csrf='));
    expect(set, 'pre-session cookie').to.be.a('string');
    const value = set!.split(';')[0]!.slice('pg_csrf='.length);
    expect(formTokenIn(await first.text())).to.equal(value);

    const again = await fetch(`${tg.url}/sso/sign-in`, { headers: { cookie: `pg_csrf=${value}` } });
    expect(again.headers.getSetCookie().some((c) => c.startsWith('pg_csrf='))).to.equal(false);
    expect(formTokenIn(await again.text())).to.equal(value);
  });

  it('a signed-in page sets no pre-session cookie, and its forms carry the session token, which a POST accepts', async () => {
    const signedIn = await signInAs(tg, fx.a.id);
    const page = await fetch(`${tg.url}/partner-center/`, { headers: { cookie: signedIn.cookie } });
    expect(page.status).to.equal(200);
    expect(page.headers.getSetCookie().filter((c) => c.startsWith('pg_csrf='))).to.deep.equal([]);
    const token = formTokenIn(await page.text());
    expect(token).to.equal(signedIn.csrfToken);

    const out = await fetch(`${tg.url}/sso/sign-out`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: signedIn.cookie, 'content-type': 'application/x-www-form-urlencoded', origin: tg.url },
      body: new URLSearchParams({ _csrf: token! }).toString(),
    });
    expect(out.status).to.equal(303);
    // Signed out: the next page is a signed-out one again, with a pre-session cookie for its form.
    const after = await fetch(`${tg.url}/sso/sign-in`, { headers: { cookie: signedIn.cookie } });
    expect(after.headers.getSetCookie().some((c) => c.startsWith('pg_csrf='))).to.equal(true);
  });
});
