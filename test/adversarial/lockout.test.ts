/**
 * Lockout is not a weapon (limits here: 3 failures per account, 6 per client address, in 15 minutes). An
 * attacker's bad guesses lock the account for unknown browsers, but a browser that completed a sign-in before
 * (it holds a device cookie for that account) still signs in, password and TOTP alike; a device cookie does not
 * carry over to another account and has its own limit; per-IP limits count only an address a trusted proxy
 * vouched for (a `true` "trust every peer" setting is refused at start-up).
 */
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { currentTotpCode } from '../../src/auth/totp.js';
import { useTestGateway, startTestGateway } from '../support/gateway.js';
import { CookieBrowser } from '../support/oidc-provider.js';
import { clearTables, forEachStore } from '../support/store.js';
import { csrfIn, PASSWORD, seedPartner } from '../auth/support/fixtures.js';
import { expectAllHeld, type CaseResult } from './support.js';

const CLASS = 'lockout as a weapon';

forEachStore('adversarial: lockout', (ctx) => {
  const tg = useTestGateway(() => ctx.store, { PARTNERGATE_LOGIN_MAX_PER_ACCOUNT: '3', PARTNERGATE_LOGIN_MAX_PER_IP: '6' });
  let n = 0;
  beforeEach(async () => {
    await clearTables(ctx.store);
  });

  const browserAt = (ip: string) => new CookieBrowser({ 'x-forwarded-for': ip });

  async function attempt(b: CookieBrowser, email: string, password: string): Promise<number> {
    const page = await b.request('GET', `${tg.url}/sso/sign-in`);
    return (await b.request('POST', `${tg.url}/sso/sign-in`, { _csrf: csrfIn(page.text), email, password })).status;
  }
  async function code(b: CookieBrowser, value: string): Promise<number> {
    const page = await b.request('GET', `${tg.url}/sso/two-factor`);
    return (await b.request('POST', `${tg.url}/sso/two-factor`, { _csrf: csrfIn(page.text), code: value })).status;
  }
  const signOut = async (b: CookieBrowser) => {
    const page = await b.request('GET', `${tg.url}/sso/sign-out`);
    await b.request('POST', `${tg.url}/sso/sign-out`, { _csrf: csrfIn(page.text) });
  };
  /** A new partner and a browser that signed in as it once (so it holds a device cookie), signed out again. */
  const trustedBrowser = async (prefix: string, ip: string) => {
    const email = `${prefix}${++n}@example.test`;
    await seedPartner(ctx.store, { email });
    const b = browserAt(ip);
    expect(await attempt(b, email, PASSWORD)).to.equal(303);
    await signOut(b);
    return { email, b };
  };
  /** First `limit` statuses are failures, the rest refusals. */
  const limitedAt = (statuses: number[], limit: number) => statuses.slice(0, limit).every((s) => s === 401) && statuses.slice(limit).every((s) => s === 429);

  it('an attacker\'s guesses do not lock the owner\'s browser out; unknown browsers are locked', async () => {
    const { email, b: owner } = await trustedBrowser('owner', '192.0.2.10');
    const guesses: number[] = [];
    for (let i = 0; i < 8; i++) guesses.push(await attempt(browserAt(`198.51.100.${i + 1}`), email, `guess ${i}`));
    const stranger = await attempt(browserAt('198.51.100.50'), email, PASSWORD);
    const ownerAgain = await attempt(owner, email, PASSWORD);
    // The owner's device cookie planted in the attacker's browser for another account does not help there.
    const other = `other${n}@example.test`;
    await seedPartner(ctx.store, { email: other });
    for (let i = 0; i < 4; i++) await attempt(browserAt(`198.51.100.${60 + i}`), other, 'nope');
    const thief = browserAt('198.51.100.70');
    thief.setCookie(tg.url, 'pg_device', owner.cookie(tg.url, 'pg_device') ?? '');
    const carried = await attempt(thief, other, PASSWORD);
    expectAllHeld(CLASS, [
      { name: 'attacker: refused after 3 failures', held: limitedAt(guesses, 3), why: guesses.join(',') },
      { name: 'unknown browser with the right password: still locked', held: stranger === 429, why: `status ${stranger}` },
      { name: 'owner\'s browser (device cookie): signs in', held: ownerAgain === 303, why: `status ${ownerAgain}` },
      { name: 'device cookie of one account does not unlock another', held: carried === 429, why: `status ${carried}` },
    ]);
  });

  it('a trusted device has its own limit: guessing from it is slowed down too', async () => {
    const { email, b: device } = await trustedBrowser('device', '192.0.2.20');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push(await attempt(device, email, `guess ${i}`));
    expectAllHeld(CLASS, [{ name: 'device cookie: its own 3-failure limit', held: limitedAt(statuses, 3), why: statuses.join(',') }]);
  });

  it('TOTP: an attacker with the password who exhausts the code guesses does not lock the owner\'s device out', async () => {
    const email = `totp${++n}@example.test`;
    await seedPartner(ctx.store, { email });
    const owner = browserAt('192.0.2.30');
    expect(await attempt(owner, email, PASSWORD)).to.equal(303);
    const page = await owner.request('GET', `${tg.url}/sso/two-factor/setup`);
    const seed = /<code id="totp-secret">([A-Z2-7]+)<\/code>/.exec(page.text)![1]!;
    const enrolled = await owner.request('POST', `${tg.url}/sso/two-factor/setup`, { _csrf: csrfIn(page.text), code: currentTotpCode(seed) });
    const recovery = /<pre id="recovery-codes">([\s\S]*?)<\/pre>/.exec(enrolled.text)![1]!.trim().split('\n');
    await signOut(owner);
    // The device cookie is given once every factor is passed: sign in fully once (a recovery code, so the next
    // 30-second step's TOTP code is still unused for the end of the test).
    expect(await attempt(owner, email, PASSWORD)).to.equal(303);
    expect(await code(owner, recovery[0]!)).to.equal(303);
    await signOut(owner);

    const attacker = browserAt('198.51.100.80');
    expect(await attempt(attacker, email, PASSWORD)).to.equal(303);
    const guesses: number[] = [];
    for (let i = 0; i < 5; i++) guesses.push(await code(attacker, String(200000 + i)));
    expect(await attempt(owner, email, PASSWORD)).to.equal(303);
    const ownerCode = await code(owner, currentTotpCode(seed, Date.now() + 30_000));
    const results: CaseResult[] = [
      { name: 'TOTP attacker: refused after 3 bad codes', held: limitedAt(guesses, 3), why: guesses.join(',') },
      { name: 'TOTP owner\'s device: code accepted', held: ownerCode === 303, why: `status ${ownerCode}` },
    ];
    expectAllHeld(CLASS, results);
  });

  it('per-IP limits trust X-Forwarded-For only from the configured proxies; "trust every peer" is refused', async () => {
    const direct = await startTestGateway(ctx.store, { PARTNERGATE_LOGIN_MAX_PER_ACCOUNT: '100', PARTNERGATE_LOGIN_MAX_PER_IP: '3', PARTNERGATE_TRUST_PROXY: 'false' });
    const statuses: number[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        const b = new CookieBrowser({ 'x-forwarded-for': `203.0.113.${i + 1}` });
        const page = await b.request('GET', `${direct.url}/sso/sign-in`);
        statuses.push((await b.request('POST', `${direct.url}/sso/sign-in`, { _csrf: csrfIn(page.text), email: `spray${i}@example.test`, password: 'x' })).status);
      }
    } finally {
      await direct.close();
    }
    const problems = (value: string) => {
      try {
        loadConfig({ PARTNERGATE_TRUST_PROXY: value });
        return [];
      } catch (err) {
        return err instanceof ConfigError ? err.problems : [String(err)];
      }
    };
    const results: CaseResult[] = [{ name: 'untrusted peer: its X-Forwarded-For makes no new per-IP counters', held: limitedAt(statuses, 3), why: statuses.join(',') }];
    for (const bad of ['true', 'lopback', '10.0.0.0/33', '1']) results.push({ name: `config: PARTNERGATE_TRUST_PROXY=${bad} refused`, held: problems(bad).some((p) => p.startsWith('PARTNERGATE_TRUST_PROXY:')), why: problems(bad).join('; ') });
    for (const good of ['loopback', 'false', 'loopback, 10.0.0.0/8, fd00::/8', '192.0.2.1']) results.push({ name: `config: PARTNERGATE_TRUST_PROXY=${good} accepted`, held: problems(good).length === 0, why: problems(good).join('; ') });
    expectAllHeld(CLASS, results);
  });
});
