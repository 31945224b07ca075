/**
 * Brute force against the sign-in throttle (limits here: 3 failures per account, 6 per client address, in 15
 * minutes): one account from many addresses (X-Forwarded-For from the trusted loopback proxy), many accounts
 * from one address, spellings of one email, addresses prepended to X-Forwarded-For by the client, a parallel
 * burst, the other forms that check a password (re-authentication, password change), password-reset requests,
 * and a second gateway instance on the same store. After the limit even the right password is refused, until
 * the window passes (the gateway's clock is moved); then it works again.
 */
import argon2 from 'argon2';
import { startTestGateway, useTestGateway } from '../support/gateway.js';
import { CookieBrowser } from '../support/oidc-provider.js';
import { forEachStore } from '../support/store.js';
import { csrfIn, PASSWORD, seedPartner } from '../auth/support/fixtures.js';
import { expectAllHeld, type CaseResult } from './support.js';

const CLASS = 'brute force';
const WINDOW = 15 * 60_000;

forEachStore('adversarial: brute force', (ctx) => {
  const ts = { get store() { return ctx.store; } };
  let clock = 0;
  let cheap: string;
  let n = 0;

  const tg = useTestGateway(() => ts.store, { PARTNERGATE_LOGIN_MAX_PER_ACCOUNT: '3', PARTNERGATE_LOGIN_MAX_PER_IP: '6' }, { now: () => Date.now() + clock });
  before(async () => {
    cheap = await argon2.hash(PASSWORD, { type: argon2.argon2id, memoryCost: 1024, timeCost: 1, parallelism: 1 });
  });

  async function victim(): Promise<{ email: string; partnerId: number }> {
    const email = `victim${++n}@example.test`;
    const p = await seedPartner(ts.store, { email, password: null });
    await ts.store.db.updateTable('accounts').set({ password_hash: cheap }).where('id', '=', p.accountId!).execute();
    return { email, partnerId: p.partnerId };
  }

  async function attempt(email: string, password: string, xff: string, base = tg.url): Promise<number> {
    const b = new CookieBrowser({ 'x-forwarded-for': xff });
    const page = await b.request('GET', `${base}/sso/sign-in`);
    const res = await b.request('POST', `${base}/sso/sign-in`, { _csrf: csrfIn(page.text), email, password });
    return res.status;
  }

  const passWindow = () => {
    clock += WINDOW + 1000;
  };

  it('one account from many addresses: refused after 3 failures, the right password too, until the window passes', async () => {
    const v = await victim();
    const statuses: number[] = [];
    for (let i = 1; i <= 6; i++) statuses.push(await attempt(v.email, `guess ${i}`, `198.51.100.${i}`));
    const right = await attempt(v.email, PASSWORD, '198.51.100.99');
    passWindow();
    const later = await attempt(v.email, PASSWORD, '198.51.100.100');
    expectAllHeld(CLASS, [
      { name: 'one account, many IPs: 3 failures then 429', held: JSON.stringify(statuses) === JSON.stringify([401, 401, 401, 429, 429, 429]), why: statuses.join(',') },
      { name: 'one account, many IPs: right password still refused inside the window', held: right === 429, why: `status ${right}` },
      { name: 'one account, many IPs: right password works after the window', held: later === 303, why: `status ${later}` },
    ]);
  });

  it('many accounts (known and unknown) from one address: refused after 6 failures; other addresses unaffected', async () => {
    const v = await victim();
    const ip = '203.0.113.50';
    const statuses: number[] = [];
    for (let i = 1; i <= 6; i++) statuses.push(await attempt(i % 2 ? `nobody${n}-${i}@example.test` : (await victim()).email, 'spray', ip));
    const blocked = await attempt(v.email, PASSWORD, ip);
    const elsewhere = await attempt(v.email, PASSWORD, '203.0.113.51');
    passWindow();
    const later = await attempt(v.email, PASSWORD, ip);
    expectAllHeld(CLASS, [
      { name: 'one IP, many accounts: 6 failures allowed', held: statuses.every((s) => s === 401), why: statuses.join(',') },
      { name: 'one IP, many accounts: 7th refused even with a right password', held: blocked === 429, why: `status ${blocked}` },
      { name: 'one IP, many accounts: another IP still signs in', held: elsewhere === 303, why: `status ${elsewhere}` },
      { name: 'one IP, many accounts: works again after the window', held: later === 303, why: `status ${later}` },
    ]);
  });

  it('spellings of one email (case, spaces) count against the same account', async () => {
    const v = await victim();
    const [local, domain] = v.email.split('@') as [string, string];
    const spellings = [v.email.toUpperCase(), ` ${v.email} `, `${local}@${domain.toUpperCase()}`];
    const statuses: number[] = [];
    for (const [i, s] of spellings.entries()) statuses.push(await attempt(s, 'wrong', `192.0.2.${10 + i}`));
    const right = await attempt(v.email, PASSWORD, '192.0.2.20');
    passWindow();
    expectAllHeld(CLASS, [{ name: 'email spellings share one counter', held: statuses.every((s) => s === 401) && right === 429, why: `${statuses.join(',')} then ${right}` }]);
  });

  it('addresses the client prepends to X-Forwarded-For do not make new counters (the proxy\'s own entry counts)', async () => {
    const v = await victim();
    const statuses: number[] = [];
    for (let i = 1; i <= 7; i++) statuses.push(await attempt(`sprayed${n}-${i}@example.test`, 'spray', `10.9.${i}.${i}, 203.0.113.77`));
    const right = await attempt(v.email, PASSWORD, `10.9.99.99, 203.0.113.77`);
    passWindow();
    expectAllHeld(CLASS, [{ name: 'client-prepended X-Forwarded-For entries ignored', held: statuses.slice(0, 6).every((s) => s === 401) && statuses[6] === 429 && right === 429, why: `${statuses.join(',')} then ${right}` }]);
  });

  it('a parallel burst of 20 guesses at one account: at most 3 are checked, none signs in', async () => {
    const v = await victim();
    const pages = await Promise.all(Array.from({ length: 20 }, async (_x, i) => {
      const b = new CookieBrowser({ 'x-forwarded-for': `198.18.0.${i + 1}` });
      const page = await b.request('GET', `${tg.url}/sso/sign-in`);
      return { b, token: csrfIn(page.text) };
    }));
    // The right password is among the guesses: counted first, it must not slip through once the limit is hit.
    const statuses = await Promise.all(pages.map(({ b, token }, i) => b.request('POST', `${tg.url}/sso/sign-in`, { _csrf: token, email: v.email, password: i === 19 ? PASSWORD : `burst ${i}` }).then((r) => r.status)));
    const checked = statuses.filter((s) => s !== 429).length;
    const sessions = await ts.store.db.selectFrom('sessions').innerJoin('accounts', 'accounts.id', 'sessions.account_id').select('sessions.id_hash').where('accounts.email', '=', v.email).execute();
    passWindow();
    expectAllHeld(CLASS, [
      { name: 'parallel burst: at most the limit is checked', held: checked <= 3, why: `${checked} checked: ${statuses.join(',')}` },
      // The right password may only work if it was one of the attempts checked within the limit.
      { name: 'parallel burst: no session opened past the limit', held: statuses[19] === 303 ? sessions.length === 1 : sessions.length === 0, why: `${sessions.length} sessions, right password answered ${statuses[19]}` },
    ]);
  });

  it('re-authentication and password change guesses count against the same account limit', async () => {
    const v = await victim();
    const s = await tg.signIn(v.partnerId);
    const post = (path: string, form: Record<string, string>) =>
      fetch(`${tg.url}${path}`, { method: 'POST', redirect: 'manual', headers: { cookie: s.cookie, origin: tg.url, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '192.0.2.200' }, body: new URLSearchParams({ _csrf: s.csrfToken, ...form }) }).then((r) => r.status);
    const statuses = [
      await post('/sso/confirm', { password: 'wrong 1' }),
      await post('/sso/password', { current_password: 'wrong 2', new_password: 'a new password 1', new_password_confirm: 'a new password 1' }),
      await post('/sso/confirm', { password: 'wrong 3' }),
    ];
    const confirmRight = await post('/sso/confirm', { password: PASSWORD });
    const signInRight = await attempt(v.email, PASSWORD, '192.0.2.201');
    passWindow();
    const later = await post('/sso/confirm', { password: PASSWORD });
    expectAllHeld(CLASS, [
      { name: 're-auth and password change: 3 wrong passwords allowed', held: statuses.every((x) => x === 401 || x === 400), why: statuses.join(',') },
      { name: 're-auth: right password refused after the limit', held: confirmRight === 429, why: `status ${confirmRight}` },
      { name: 're-auth guesses also lock the sign-in form', held: signInRight === 429, why: `status ${signInRight}` },
      { name: 're-auth works after the window', held: later === 303, why: `status ${later}` },
    ]);
  });

  it('password-reset requests are limited per email', async () => {
    const v = await victim();
    const statuses: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const b = new CookieBrowser({ 'x-forwarded-for': `192.0.2.${100 + i}` });
      const page = await b.request('GET', `${tg.url}/sso/forgot`);
      statuses.push((await b.request('POST', `${tg.url}/sso/forgot`, { _csrf: csrfIn(page.text), email: v.email })).status);
    }
    passWindow();
    expectAllHeld(CLASS, [{ name: 'reset requests: 3 per email, then 429', held: JSON.stringify(statuses) === JSON.stringify([200, 200, 200, 429, 429]), why: statuses.join(',') }]);
  });

  it('a second gateway instance on the same store sees the same counters', async () => {
    const v = await victim();
    const second = await startTestGateway(ts.store, { PARTNERGATE_LOGIN_MAX_PER_ACCOUNT: '3', PARTNERGATE_LOGIN_MAX_PER_IP: '6' }, { now: () => Date.now() + clock });
    try {
      const statuses = [await attempt(v.email, 'x1', '198.51.100.201'), await attempt(v.email, 'x2', '198.51.100.202', second.url), await attempt(v.email, 'x3', '198.51.100.203')];
      const right = await attempt(v.email, PASSWORD, '198.51.100.204', second.url);
      passWindow();
      const results: CaseResult[] = [{ name: 'two instances share one throttle', held: statuses.every((s) => s === 401) && right === 429, why: `${statuses.join(',')} then ${right}` }];
      expectAllHeld(CLASS, results);
    } finally {
      await second.close();
    }
  });
});
