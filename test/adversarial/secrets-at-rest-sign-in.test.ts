/**
 * Secrets at rest: a copy of the database (dump, backup, stolen file) holds no usable TOTP seed or OpenID refresh
 * token. They are sealed with the data key from the configuration; values stored plain before encryption still
 * work and are sealed on use or by the background re-seal; a key rotation (new key + previous key) keeps every
 * account working and moves every value to the new key.
 */
import { expect } from 'chai';
import { dataKey, parseDataKey, type DataKeyring } from '../../src/common/sealed.js';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { backgroundIdle } from '../../src/auth/background.js';
import { resealStoredSecrets } from '../../src/auth/reseal.js';
import { createSecretBox, REFRESH_TOKEN_PURPOSE, totpPurpose } from '../../src/auth/secret-box.js';
import { currentTotpCode } from '../../src/auth/totp.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';
import { clearTables, forEachStore } from '../support/store.js';
import { csrfIn, newBrowser, seedPartner, signInWithForm, submitForm } from '../auth/support/fixtures.js';
import { expectAllHeld, type CaseResult } from './support.js';

const CLASS = 'secrets at rest';
const KEY_1 = Buffer.alloc(32, 'first data key ').toString('base64');
const KEY_2 = Buffer.alloc(32, 'second data key ').toString('base64');
/** The keyring a gateway configured with these keys holds. */
const ring = (current: string, previous?: string): DataKeyring => ({
  current: dataKey(parseDataKey(current)!),
  ...(previous ? { previous: dataKey(parseDataKey(previous)!) } : {}),
});
const CLIENT_ID = 'partnergate-secrets';
const CLIENT_SECRET = 'partnergate-secrets-client-secret-0123456789';

forEachStore('adversarial: secrets at rest', (ctx) => {
  let op: TestOidcProvider;
  let one: TestGateway;
  let rotated: TestGateway;
  let clock = 0;

  before(async () => {
    op = await startOidcProvider();
    one = await startTestGateway(
      ctx.store,
      { PARTNERGATE_DATA_KEY: KEY_1, PARTNERGATE_OIDC_ISSUER: op.issuer, PARTNERGATE_OIDC_CLIENT_ID: CLIENT_ID, PARTNERGATE_OIDC_CLIENT_SECRET: CLIENT_SECRET },
      { now: () => Date.now() + clock },
    );
    rotated = await startTestGateway(ctx.store, { PARTNERGATE_DATA_KEY: KEY_2, PARTNERGATE_DATA_KEY_PREVIOUS: KEY_1 });
    op.registerClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: `${one.url}/sso/oidc/callback` });
    op.addUser({ sub: 'u-rt', email: 'rt@example.test' });
  });
  after(async () => {
    await one?.close();
    await rotated?.close();
    await op?.close();
  });
  beforeEach(async () => {
    clock = 0;
    await clearTables(ctx.store);
  });

  const accountRow = (email: string) => ctx.store.db.selectFrom('accounts').selectAll().where('email', '=', email).executeTakeFirstOrThrow();

  /** Enrols through `g`; returns the seed the partner saw. */
  async function enrolThrough(g: TestGateway, email: string): Promise<string> {
    const b = newBrowser();
    await signInWithForm(b, g.url, email);
    const page = await b.request('GET', `${g.url}/sso/two-factor/setup`);
    const seed = /<code id="totp-secret">([A-Z2-7]+)<\/code>/.exec(page.text)![1]!;
    expect((await b.request('POST', `${g.url}/sso/two-factor/setup`, { _csrf: csrfIn(page.text), code: currentTotpCode(seed) })).status).to.equal(200);
    return seed;
  }

  /** A password + code sign-in through `g` with the code of `offsetSteps` steps ahead; true when it completed. */
  async function codeSignIn(g: TestGateway, email: string, seed: string, offsetSteps: number): Promise<boolean> {
    const b = newBrowser();
    await signInWithForm(b, g.url, email);
    const res = await submitForm(b, g.url, '/sso/two-factor', { code: currentTotpCode(seed, Date.now() + offsetSteps * 30_000) });
    return res.status === 303;
  }

  it('TOTP seeds are sealed: the row and a dump of the table hold nothing an authenticator could use', async () => {
    await seedPartner(ctx.store, { email: 'seed@example.test' });
    const seed = await enrolThrough(one, 'seed@example.test');
    const row = await accountRow('seed@example.test');
    const dump = JSON.stringify(await ctx.store.db.selectFrom('accounts').selectAll().execute());
    const opened = createSecretBox(ring(KEY_1)).open(row.totp_secret!, totpPurpose(row.id));
    let movedOpens = true;
    try {
      createSecretBox(ring(KEY_1)).open(row.totp_secret!, totpPurpose(row.id + 1));
    } catch {
      movedOpens = false;
    }
    expectAllHeld(CLASS, [
      { name: 'TOTP seed: stored sealed', held: row.totp_secret!.startsWith('pgs1.'), why: row.totp_secret!.slice(0, 12) },
      { name: 'TOTP seed: not in a dump of the table', held: !dump.includes(seed) },
      { name: 'TOTP seed: opens with the data key', held: opened.value === seed && !opened.stale },
      { name: 'TOTP seed: sealed value moved to another account does not open', held: !movedOpens },
      { name: 'TOTP seed: the development key does not open it', held: (() => { try { createSecretBox(loadConfig({}).dataKeys).open(row.totp_secret!, totpPurpose(row.id)); return false; } catch { return true; } })() },
    ]);
  });

  it('a seed stored plain before encryption still works and is sealed on use; the background re-seal takes the rest', async () => {
    const a = await seedPartner(ctx.store, { email: 'legacy@example.test' });
    const b = await seedPartner(ctx.store, { email: 'idle@example.test' });
    const seed = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    for (const id of [a.accountId!, b.accountId!]) await ctx.store.db.updateTable('accounts').set({ totp_secret: seed, totp_enabled: 1, totp_recovery_json: '[]' }).where('id', '=', id).execute();
    const signedIn = await codeSignIn(one, 'legacy@example.test', seed, 0);
    const used = await accountRow('legacy@example.test');
    // The sign-in may have started the housekeeping re-seal already: wait for it, then run one more pass.
    await backgroundIdle();
    const report = await resealStoredSecrets(ctx.store.db, createSecretBox(ring(KEY_1)));
    const idle = await accountRow('idle@example.test');
    expectAllHeld(CLASS, [
      { name: 'plain seed: sign-in with its code works', held: signedIn },
      { name: 'plain seed: sealed once used', held: used.totp_secret!.startsWith('pgs1.') && createSecretBox(ring(KEY_1)).open(used.totp_secret!, totpPurpose(used.id)).value === seed },
      { name: 'plain seed: background re-seal seals unused ones', held: report.unreadable === 0 && idle.totp_secret!.startsWith('pgs1.') && createSecretBox(ring(KEY_1)).open(idle.totp_secret!, totpPurpose(idle.id)).value === seed, why: JSON.stringify(report) },
    ]);
  });

  it('rotation: with the new key and the previous one, every account keeps working and moves to the new key', async () => {
    await seedPartner(ctx.store, { email: 'rotate@example.test' });
    await seedPartner(ctx.store, { email: 'later@example.test' });
    const seed = await enrolThrough(one, 'rotate@example.test');
    const laterSeed = await enrolThrough(one, 'later@example.test');
    const results: CaseResult[] = [];
    results.push({ name: 'rotation: old key\'s seed signs in through the rotated gateway', held: await codeSignIn(rotated, 'rotate@example.test', seed, 1) });
    const row = await accountRow('rotate@example.test');
    results.push({ name: 'rotation: re-sealed under the new key on use', held: !createSecretBox(ring(KEY_2)).open(row.totp_secret!, totpPurpose(row.id)).stale });
    await backgroundIdle();
    const report = await resealStoredSecrets(ctx.store.db, createSecretBox(ring(KEY_2, KEY_1)));
    const laterRow = await accountRow('later@example.test');
    results.push({ name: 'rotation: background re-seal moves the rest', held: report.unreadable === 0 && !createSecretBox(ring(KEY_2)).open(laterRow.totp_secret!, totpPurpose(laterRow.id)).stale, why: JSON.stringify(report) });
    const again = await resealStoredSecrets(ctx.store.db, createSecretBox(ring(KEY_2, KEY_1)));
    results.push({ name: 'rotation: nothing left for the previous key', held: again.resealed === 0 && again.unreadable === 0, why: JSON.stringify(again) });
    results.push({ name: 'rotation: works with the new key alone afterwards', held: createSecretBox(ring(KEY_2)).open(laterRow.totp_secret!, totpPurpose(laterRow.id)).value === laterSeed });
    expectAllHeld(CLASS, results);
  });

  it('OpenID refresh tokens are sealed, refresh works with them, and a plain one from before is sealed at refresh', async () => {
    await seedPartner(ctx.store, { email: 'rt@example.test' });
    const browser = newBrowser();
    await op.login(browser, `${one.url}/sso/oidc/start`, 'u-rt');
    const stored = JSON.parse((await ctx.store.db.selectFrom('sessions').select('oidc_tokens_json').executeTakeFirstOrThrow()).oidc_tokens_json!);
    const box = createSecretBox(ring(KEY_1));
    const plain = box.open(stored.refreshToken, REFRESH_TOKEN_PURPOSE).value;
    const probe = () => browser.request('GET', `${one.url}/partner-center/api/probe`, undefined, { accept: 'application/json' });
    clock = 2 * 3600_000;
    const refreshed = await probe();
    const afterRefresh = JSON.parse((await ctx.store.db.selectFrom('sessions').select('oidc_tokens_json').executeTakeFirstOrThrow()).oidc_tokens_json!);
    // A session written before encryption: the refresh token in clear.
    await ctx.store.db.updateTable('sessions').set({ oidc_tokens_json: JSON.stringify({ ...afterRefresh, refreshToken: box.open(afterRefresh.refreshToken, REFRESH_TOKEN_PURPOSE).value }) }).execute();
    clock = 4 * 3600_000;
    const legacy = await probe();
    const afterLegacy = JSON.parse((await ctx.store.db.selectFrom('sessions').select('oidc_tokens_json').executeTakeFirstOrThrow()).oidc_tokens_json!);
    expectAllHeld(CLASS, [
      { name: 'refresh token: stored sealed', held: typeof stored.refreshToken === 'string' && stored.refreshToken.startsWith('pgs1.') && !JSON.stringify(stored).includes(plain) },
      { name: 'refresh token: refresh works from the sealed value', held: refreshed.status !== 401 && afterRefresh.accessExpiresAt > stored.accessExpiresAt, why: `status ${refreshed.status}` },
      { name: 'refresh token: a plain one still refreshes and is sealed after', held: legacy.status !== 401 && String(afterLegacy.refreshToken).startsWith('pgs1.'), why: `status ${legacy.status}` },
    ]);
  });

  it('the data key is required in production and must differ from the previous one', () => {
    const prod = { PARTNERGATE_ENV: 'production', PARTNERGATE_PUBLIC_URL: 'https://partners.example.com' };
    const problemsOf = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (err) {
        return err instanceof ConfigError ? err.problems : [String(err)];
      }
    };
    const missing = problemsOf(prod);
    const same = problemsOf({ ...prod, PARTNERGATE_DATA_KEY: KEY_1, PARTNERGATE_DATA_KEY_PREVIOUS: KEY_1 });
    const short = problemsOf({ ...prod, PARTNERGATE_DATA_KEY: 'short' });
    expectAllHeld(CLASS, [
      { name: 'config: production without a data key refused', held: missing.some((p) => p.startsWith('PARTNERGATE_DATA_KEY:')), why: missing.join('; ') },
      { name: 'config: previous key equal to the key refused', held: same.some((p) => p.startsWith('PARTNERGATE_DATA_KEY_PREVIOUS:')), why: same.join('; ') },
      { name: 'config: short data key refused without echoing it', held: short.some((p) => p.startsWith('PARTNERGATE_DATA_KEY:') && !p.includes('short')), why: short.join('; ') },
    ]);
  });
});
