/**
 * Fuzzing (fast-check, bounded) of what strangers and admins hand the gateway: the admin CLI's partner-list CSV
 * (only row-level rejections, except the three file-level problems: empty, unclosed quote, no usable column),
 * WordPress hand-off tokens (random, mutated, re-signed, alg swapped: none opens a session, and a mutant of a
 * used token is a replay), and the report/export query parameters over HTTP on both stores (never a 5xx).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { acceptHandoff } from '../../src/auth/handoff.js';
import { resolvePartnerList } from '../../src/accounts/index.js';
import { AppError } from '../../src/common/index.js';
import { REPORT_NAMES } from '../../src/reports/export.service.js';
import { seedTwoPartners, type TwoPartners } from '../support/demo.js';
import { useTestGateway } from '../support/gateway.js';
import { mintHandoffToken } from '../support/handoff.js';
import { handoffBindingFor } from '../auth/support/fixtures.js';
import { createTestStore, forEachStore, type TestStore } from '../support/store.js';
import { expectAllHeld } from './support.js';
import { fuzzAsync, insertAt, nastyString } from './fuzz-support.js';

const SECRET = 'adversarial-fuzz-wp-shim-secret-0123456789abc';

describe('adversarial: fuzzing partner lists and hand-off tokens', function () {
  this.timeout(60_000);
  let ts: TestStore;
  let fx: TwoPartners;

  before(async () => {
    ts = await createTestStore('sqlite');
    fx = await seedTwoPartners(ts.store);
  });
  const tg = useTestGateway(() => ts.store, { PARTNERGATE_WP_SHIM_SECRET: SECRET });
  // Registered after the gateway's hooks: the store is disposed of after the gateway closed.
  after(async () => {
    await ts?.dispose();
  });

  it('partner-list CSV: only row-level rejections with real line numbers (file-level only when empty, unclosed or headless)', async () => {
    const cell = fc.oneof(
      fc.constantFrom(fx.a.email, fx.b.email, fx.a.email.toUpperCase(), ` ${fx.b.email} `, String(fx.a.partnerId), String(fx.b.partnerId), fx.a.referralCode, '0', '-1', '1e3', '9007199254740993', 'not-an-email', 'a@b', '"', '""', '"a,b"', '"x\ny"', '=cmd'),
      nastyString,
    );
    const header = fc.constantFrom('email', 'partner_id', 'contact_id', 'email,partner_id', 'partner_id,email,contact_id', 'E-Mail,ORID', 'name', '', '"email"', '\uFEFFemail');
    const arb = fc.record({ header, rows: fc.array(fc.array(cell, { minLength: 0, maxLength: 4 }), { maxLength: 12 }), eol: fc.constantFrom('\n', '\r\n', '\r'), trailing: fc.boolean() });
    await fuzzAsync('partner-list CSV import', arb, async ({ header: h, rows, eol, trailing }) => {
      const text = [h, ...rows.map((r) => r.join(','))].join(eol) + (trailing ? eol : '');
      try {
        const out = await resolvePartnerList(ts.store.db, text, 'list.csv');
        expect(new Set(out.partnerIds).size).to.equal(out.partnerIds.length);
        for (const id of out.partnerIds) expect([fx.a.partnerId, fx.b.partnerId]).to.include(id);
        for (const r of out.rejected) {
          const line = Number(/^list\.csv line (\d+)$/.exec(r.source ?? '')?.[1]);
          expect(line, r.source ?? '').to.be.within(2, out.lines + 1);
          expect(r.reason).to.be.a('string').and.not.equal('');
        }
        expect(out.partnerIds.length + out.rejected.length).to.be.at.most(out.lines);
      } catch (err) {
        if (!(err instanceof AppError) || err.code !== 'request.invalid_field') throw err;
        expect(err.message).to.match(/the file is empty|a quoted field is not closed|the first line must name a column/);
      }
    }, 300);
  });

  it('hand-off tokens: random, mutated, re-signed or alg-swapped tokens never open a session; mutants of a used one are replays', async () => {
    const deps = tg.gateway.deps;
    const aud = new URL(tg.config.publicUrl).origin;
    const claims = { iss: 'http://wp.example.test', aud, sub: '42', email: fx.a.email };
    const original = mintHandoffToken(SECRET, claims);
    const opened = await acceptHandoff(deps, { token: original, binding: handoffBindingFor(SECRET, original) });
    expect(opened.account.partner_id).to.equal(fx.a.partnerId);
    const sessionsBefore = (await ts.store.db.selectFrom('sessions').select('id_hash').execute()).length;
    const b64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ';
    const mutant = fc.oneof(
      // One to three characters changed, removed or inserted anywhere in the used token.
      fc.array(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), ch: fc.constantFrom(...b64), op: fc.constantFrom('set', 'del', 'ins') }), { minLength: 1, maxLength: 3 }).map((edits) => {
        let t = original;
        for (const e of edits) {
          const i = Math.min(t.length - 1, Math.floor(e.at * t.length));
          t = e.op === 'set' ? t.slice(0, i) + e.ch + t.slice(i + 1) : e.op === 'del' ? t.slice(0, i) + t.slice(i + 1) : insertAt(t, e.at, e.ch);
        }
        return t;
      }),
      // Fresh tokens that are wrong in one way: foreign key, other purpose's key, alg none/HS512, wrong audience, long life.
      fc.record({ kind: fc.constantFrom('secret', 'purpose', 'none', 'hs512', 'aud', 'life', 'future', 'nojti', 'admin'), sub: fc.string({ maxLength: 5 }) }).map(({ kind, sub }) => {
        const c = { ...claims, sub: sub || '1' };
        const now = Math.floor(Date.now() / 1000);
        switch (kind) {
          case 'secret': return mintHandoffToken(`${SECRET}-other`, c);
          case 'purpose': return mintHandoffToken(SECRET, c, { purpose: 'identity-assertion' });
          case 'none': return mintHandoffToken(SECRET, c, { header: '{"alg":"none","typ":"JWT"}' }).replace(/\.[^.]+$/, '.');
          case 'hs512': return mintHandoffToken(SECRET, c, { header: '{"alg":"HS512","typ":"JWT"}' });
          case 'aud': return mintHandoffToken(SECRET, { ...c, aud: 'http://evil.example' });
          case 'life': return mintHandoffToken(SECRET, { ...c, iat: now, exp: now + 3600 });
          case 'future': return mintHandoffToken(SECRET, { ...c, iat: now + 600, exp: now + 660 });
          case 'nojti': return mintHandoffToken(SECRET, { ...c, jti: 'short' });
          default: return mintHandoffToken(`${SECRET}x`, { ...c, email: 'admin@example.test' });
        }
      }),
      nastyString,
      fc.array(fc.base64String({ maxLength: 60 }), { minLength: 1, maxLength: 4 }).map((parts) => parts.join('.')),
    );
    await fuzzAsync('hand-off tokens', mutant, async (token) => {
      let accepted = false;
      try {
        await acceptHandoff(deps, { token, binding: handoffBindingFor(SECRET, token) });
        accepted = true;
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        expect(['auth.handoff_invalid', 'auth.handoff_unknown_user']).to.include(err.code);
      }
      expect(accepted, `token accepted: ${token}`).to.equal(false);
    }, 400);
    const sessionsAfter = (await ts.store.db.selectFrom('sessions').select('id_hash').execute()).length;
    expect(sessionsAfter, 'sessions opened by the fuzzed tokens').to.equal(sessionsBefore);
  });
});

forEachStore('adversarial: fuzzing report and export query parameters over HTTP', (ctx) => {
  let cookie: string;
  let fx: TwoPartners;
  before(async () => {
    fx = await seedTwoPartners(ctx.store);
  });
  const tg = useTestGateway(() => ctx.store);
  before(async () => {
    cookie = (await tg.signIn(fx.a.partnerId)).cookie;
  });

  const cursorOf = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

  it('crafted keyset cursors (wrong types, ids beyond the integer range) are refused as bad input, not a 500', async () => {
    const cursors: unknown[] = [['abc', 'x'], [1, 'x'], ['x', 1], [9007199254740991, 9007199254740991], [2 ** 31, 2 ** 31], [-1, -1], ['2026-01-01', 1], [1, 2, 3], [], [null, 1], [1.5, 2]];
    const results = [];
    for (const name of REPORT_NAMES) {
      for (const c of cursors) {
        const res = await fetch(`${tg.url}/partner-center/api/reports/${name}?cursor=${cursorOf(c)}`, { headers: { cookie } });
        await res.arrayBuffer();
        results.push({ name: `cursor ${JSON.stringify(c)} on ${name} [${ctx.kind}]`, held: res.status < 500, why: `status ${res.status}` });
      }
    }
    expectAllHeld('fuzzing', results);
  });

  it('any from/to/status/by/limit/cursor/summary/bom on every report and export answers below 500', async () => {
    const value = fc.oneof(nastyString, fc.constantFrom('2026-01-01', '1970-01-01', '2100-12-31', '0', '1', '1000', '1001', 'true', 'pending', 'pending,paid', 'date', 'promo', 'subid'), fc.constant(undefined));
    const arb = fc.record({
      name: fc.constantFrom(...REPORT_NAMES),
      csv: fc.boolean(),
      params: fc.record({ from: value, to: value, status: value, by: value, limit: value, summary: value, bom: value, cursor: fc.oneof(value, fc.jsonValue({ maxDepth: 1 }).map(cursorOf)) }),
      repeat: fc.boolean(),
    });
    await fuzzAsync(`report query parameters [${ctx.kind}]`, arb, async ({ name, csv, params, repeat }) => {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(params)) if (typeof v === 'string') {
        q.append(k, v.replace(/\uD800/g, ''));
        if (repeat) q.append(k, 'x');
      }
      const path = csv ? `/partner-center/exports/${name}.csv?${q}` : `/partner-center/api/reports/${name}?${q}`;
      const res = await fetch(`${tg.url}${path}`, { headers: { cookie } });
      await res.arrayBuffer();
      expect(res.status, path).to.be.below(500);
    }, 150);
  });
});
