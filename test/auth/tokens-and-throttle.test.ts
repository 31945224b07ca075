/**
 * The store-level rules under sign-in, on both stores: one-time tokens (hashed, one use even under concurrent
 * transactions, expiry, purpose) and the throttle counters (atomic under concurrency, fixed 15-minute window).
 */
import { expect } from 'chai';
import { consumeToken, issueToken, peekToken } from '../../src/accounts/index.js';
import { purgeExpiredSignInData } from '../../src/auth/purge.js';
import { openSession, sessionPolicyFrom } from '../../src/auth/sessions.js';
import { seedPartner } from './support/fixtures.js';
import { attemptSucceeded, countAttempt, throttleKeys, THROTTLE_WINDOW_MS } from '../../src/auth/throttle.js';
import { sha256 } from '../../src/common/tokens.js';
import { clearTables, forEachStore } from '../support/store.js';

forEachStore('auth: one-time tokens and throttle counters', (ctx) => {
  beforeEach(async () => {
    await clearTables(ctx.store);
  });

  it('stores only the hash; a token is usable once, before expiry, for its own purpose', async () => {
    const now = Date.now();
    const t = await issueToken(ctx.store.db, { purpose: 'reset_password', accountId: null, ttlMs: 60_000, now });
    const row = await ctx.store.db.selectFrom('one_time_tokens').selectAll().executeTakeFirstOrThrow();
    expect(row.token_hash).to.equal(sha256(t.raw));
    expect(await peekToken(ctx.store.db, t.raw, 'set_password', now)).to.equal(undefined);
    expect(await peekToken(ctx.store.db, t.raw, 'reset_password', now + 60_000)).to.equal(undefined);
    expect(await peekToken(ctx.store.db, t.raw, 'reset_password', now)).to.not.equal(undefined);
    expect(await peekToken(ctx.store.db, `${t.raw}x`, 'reset_password', now)).to.equal(undefined);
    expect(await peekToken(ctx.store.db, 'x'.repeat(500), 'reset_password', now)).to.equal(undefined);
    const first = await ctx.store.db.transaction().execute((trx) => consumeToken(trx, ctx.kind, t.raw, 'reset_password', now));
    expect(first?.id).to.equal(t.id);
    const second = await ctx.store.db.transaction().execute((trx) => consumeToken(trx, ctx.kind, t.raw, 'reset_password', now));
    expect(second).to.equal(undefined);
  });

  it('ten concurrent transactions consuming one token: exactly one wins', async () => {
    const now = Date.now();
    const t = await issueToken(ctx.store.db, { purpose: 'set_password', accountId: null, ttlMs: 60_000, now });
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        ctx.store.db.transaction().execute(async (trx) => {
          const row = await consumeToken(trx, ctx.kind, t.raw, 'set_password', now);
          // Hold the transaction open a little, as a password change would.
          await new Promise((r) => setTimeout(r, 5));
          return row !== undefined;
        }),
      ),
    );
    expect(results.filter(Boolean)).to.have.length(1);
  });

  it('counts concurrent attempts exactly and blocks past the limit, per account and per IP', async () => {
    const now = Date.now();
    const limits = { perAccount: 5, perIp: 100 };
    const keys = throttleKeys('signin', 'Someone@Example.test', '192.0.2.1');
    expect(keys.account).to.equal(throttleKeys('signin', 'someone@example.test', '192.0.2.9').account);
    const verdicts = await Promise.all(Array.from({ length: 12 }, () => countAttempt(ctx.store.db, keys, limits, now)));
    expect(verdicts.filter((v) => v.allowed)).to.have.length(5);
    const row = await ctx.store.db.selectFrom('throttle').select('count').where('key', '=', keys.account).executeTakeFirstOrThrow();
    expect(row.count).to.equal(12);
    const blocked = verdicts.find((v) => !v.allowed)!;
    expect(blocked.allowed === false && blocked.retryAfterSeconds).to.be.within(THROTTLE_WINDOW_MS / 1000 - 5, THROTTLE_WINDOW_MS / 1000);
  });

  it('the window starts again after 15 minutes; a success clears the account and gives the IP its attempt back', async () => {
    const t0 = Date.now();
    const limits = { perAccount: 2, perIp: 3 };
    const keys = throttleKeys('signin', 'a@example.test', '192.0.2.2');
    expect((await countAttempt(ctx.store.db, keys, limits, t0)).allowed).to.equal(true);
    expect((await countAttempt(ctx.store.db, keys, limits, t0)).allowed).to.equal(true);
    expect((await countAttempt(ctx.store.db, keys, limits, t0 + 1000)).allowed).to.equal(false);
    expect((await countAttempt(ctx.store.db, keys, limits, t0 + THROTTLE_WINDOW_MS)).allowed, 'a new window').to.equal(true);
    await attemptSucceeded(ctx.store.db, keys);
    const rows = await ctx.store.db.selectFrom('throttle').selectAll().orderBy('key').execute();
    expect(rows.map((r) => [r.key.split(':')[1], r.count])).to.deep.equal([['ip', 0]]);
  });

  it('purges expired sessions, long-expired tokens and finished throttle windows, and nothing live', async () => {
    const now = Date.now();
    const p = await seedPartner(ctx.store, { email: 'purge@example.test', password: null });
    const policy = sessionPolicyFrom({ sessionIdleMinutes: 60, sessionAbsoluteHours: 12 });
    await openSession(ctx.store.db, policy, { accountId: p.accountId!, method: 'password', now: now - 2 * 3600_000 });
    const live = await openSession(ctx.store.db, policy, { accountId: p.accountId!, method: 'password', now });
    await issueToken(ctx.store.db, { purpose: 'reset_password', accountId: null, ttlMs: 60_000, now: now - 3 * 24 * 3600_000 });
    const fresh = await issueToken(ctx.store.db, { purpose: 'reset_password', accountId: null, ttlMs: 60_000, now });
    await countAttempt(ctx.store.db, throttleKeys('signin', 'old@example.test', '192.0.2.3'), { perAccount: 5, perIp: 5 }, now - THROTTLE_WINDOW_MS - 1000);
    await countAttempt(ctx.store.db, throttleKeys('signin', 'new@example.test', '192.0.2.4'), { perAccount: 5, perIp: 5 }, now);
    expect(await purgeExpiredSignInData(ctx.store.db, now)).to.deep.equal({ sessions: 1, tokens: 1, counters: 2 });
    expect((await ctx.store.db.selectFrom('sessions').select('id_hash').execute()).map((r) => r.id_hash)).to.deep.equal([live.session.id_hash]);
    expect((await ctx.store.db.selectFrom('one_time_tokens').select('id').execute()).map((r) => r.id)).to.deep.equal([fresh.id]);
    expect(await ctx.store.db.selectFrom('throttle').select('key').execute()).to.have.length(2);
  });
});
