/**
 * Secrets at rest: what a dump or backup of the store would give away. Reset, set-password and confirmation links
 * are sealed in the outbox (AES-256-GCM with the data key) and dropped once sent; a sealed value opens only with
 * its key and purpose (the previous key during a rotation); production refuses to start without the data key;
 * a new SQLite store and its WAL and shared-memory files are readable by their owner only.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { sql } from 'kysely';
import { backgroundIdle } from '../../src/auth/index.js';
import { sha256 } from '../../src/common/tokens.js';
import { dataKey, isSealed, seal, unseal, type DataKeyring } from '../../src/common/index.js';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { emailParams, queueEmail } from '../../src/mail/index.js';
import { openStore } from '../../src/store/index.js';
import { createOutboxSentParamsMigration } from '../../src/store/migrations/2026-12-06-1100-outbox-sent-params.js';
import { newBrowser, seedPartner, submitForm } from '../auth/support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { clearTables, forEachStore } from '../support/store.js';
import { expectAllHeld, type CaseResult } from './support.js';

const CLASS = 'secrets at rest';

forEachStore('secrets at rest: the email outbox', (ctx) => {
  let tg: TestGateway;
  let sink: SmtpSink;
  before(async () => {
    sink = await startSmtpSink({ refuseRecipients: /@refused\.test$/ });
    tg = await startTestGateway(ctx.store, { PARTNERGATE_SMTP_URL: sink.url });
  });
  after(async () => {
    await tg?.close();
    await sink?.close();
  });
  beforeEach(async () => {
    await clearTables(ctx.store);
    sink.clear();
  });
  const outbox = () => ctx.store.db.selectFrom('email_outbox').selectAll().orderBy('id').execute();

  it('a reset link is sealed while the email waits (here: refused by SMTP) and gone from the row once sent', async () => {
    await seedPartner(ctx.store, { email: 'stuck@refused.test' });
    await seedPartner(ctx.store, { email: 'sent@example.test' });
    for (const [email, ip] of [['stuck@refused.test', '203.0.113.31'], ['sent@example.test', '203.0.113.32']] as const) {
      expect((await submitForm(newBrowser(ip), tg.url, '/sso/forgot', { email })).status).to.equal(200);
    }
    await backgroundIdle();
    const link = await sink.waitForLink('sent@example.test', '/sso/reset?token=');
    const rows = await outbox();
    const stuck = rows.find((r) => r.to_address === 'stuck@refused.test')!;
    const sent = rows.find((r) => r.to_address === 'sent@example.test')!;
    const tokens = await ctx.store.db.selectFrom('one_time_tokens').select(['token_hash']).where('purpose', '=', 'reset_password').execute();
    const stuckUrl = String(emailParams(tg.config.dataKeys, stuck.params_json).resetUrl);
    const stuckToken = new URL(stuckUrl).searchParams.get('token')!;
    expectAllHeld(CLASS, [
      { name: 'unsent reset email: status failed (still resendable)', held: stuck.status === 'failed', why: stuck.status },
      { name: 'unsent reset email: parameters sealed', held: isSealed(stuck.params_json), why: stuck.params_json.slice(0, 60) },
      { name: 'unsent reset email: no link or token in clear', held: !stuck.params_json.includes('/sso/reset') && !stuck.params_json.includes(stuckToken), why: stuck.params_json.slice(0, 80) },
      { name: 'unsent reset email: the data key opens it to a live token', held: tokens.some((t) => t.token_hash === sha256(stuckToken)) },
      { name: 'sent reset email: parameters dropped', held: sent.status === 'sent' && sent.params_json === '{}', why: `${sent.status} ${sent.params_json.slice(0, 60)}` },
      { name: 'sent reset email: the partner got the link', held: link.includes('/sso/reset?token=') },
    ]);
  });

  it('an upgrade drops the parameters of emails an older version sent in clear, and keeps those still to send', async () => {
    const legacy = JSON.stringify({ resetUrl: 'https://partners.example.test/sso/reset?token=legacy-plain-token' });
    const row = (key: string, status: 'sent' | 'queued' | 'failed') => ({
      idempotency_key: key, to_address: 'old@example.test', template: 'password-reset', params_json: legacy, status,
      attempts: 1, created_at: 1, next_attempt_at: 1, last_error: null, message_id: null, sent_at: status === 'sent' ? 2 : null,
    });
    await ctx.store.db.insertInto('email_outbox').values([row('legacy:sent', 'sent'), row('legacy:queued', 'queued'), row('legacy:failed', 'failed')]).execute();
    await createOutboxSentParamsMigration().up(ctx.store.db);
    const after = new Map((await ctx.store.db.selectFrom('email_outbox').select(['idempotency_key', 'params_json']).execute()).map((r) => [r.idempotency_key, r.params_json]));
    expectAllHeld(CLASS, [
      { name: 'upgrade: a sent row from before keeps no link', held: after.get('legacy:sent') === '{}', why: after.get('legacy:sent') },
      { name: 'upgrade: a queued row keeps what it needs to be sent', held: after.get('legacy:queued') === legacy },
      { name: 'upgrade: a failed row keeps what a resend needs', held: after.get('legacy:failed') === legacy },
    ]);
  });

  it('every template with a one-time link is sealed when queued, and refused without the data key', async () => {
    const links: Array<[string, string]> = [
      ['password-reset', 'resetUrl'],
      ['new-credentials', 'setPasswordUrl'],
      ['partner-change-confirm', 'confirmUrl'],
    ];
    const results: CaseResult[] = [];
    for (const [template, field] of links) {
      const secret = `https://partners.example.test/x?token=${randomBytes(16).toString('hex')}`;
      await queueEmail(ctx.store.db, tg.config.dataKeys, { idempotencyKey: `sealed:${template}`, to: 'a@example.test', template, params: { [field]: secret } });
      const row = (await outbox()).find((r) => r.idempotency_key === `sealed:${template}`)!;
      results.push({ name: `${template}: no link in the row`, held: !row.params_json.includes(secret) && !row.params_json.includes('token='), why: row.params_json.slice(0, 60) });
      results.push({ name: `${template}: opens with the data key`, held: emailParams(tg.config.dataKeys, row.params_json)[field] === secret });
      let refused = false;
      try {
        await queueEmail(ctx.store.db, null, { idempotencyKey: `clear:${template}`, to: 'a@example.test', template, params: { [field]: secret } });
      } catch {
        refused = true;
      }
      results.push({ name: `${template}: refused without the data key`, held: refused && !(await outbox()).some((r) => r.idempotency_key === `clear:${template}`) });
    }
    expectAllHeld(CLASS, results);
  });
});

describe('secrets at rest: sealed values', () => {
  const key = () => dataKey(randomBytes(32));
  const purpose = 'email_outbox.params';

  it('open only with their key and purpose, untampered; the previous key still opens during a rotation', () => {
    const old = key();
    const current = key();
    const before: DataKeyring = { current: old };
    const rotated: DataKeyring = { current, previous: old };
    const sealedBefore = seal(before, 'reset-link', purpose);
    const sealedNow = seal(rotated, 'reset-link', purpose);
    const opens = (keys: DataKeyring, text: string, p = purpose) => {
      try {
        return unseal(keys, text, p) === 'reset-link';
      } catch {
        return false;
      }
    };
    const body = sealedNow.split('.')[2]!;
    const flipped = `${sealedNow.slice(0, -body.length)}${body.slice(0, 20)}${body[20] === 'A' ? 'B' : 'A'}${body.slice(21)}`;
    expectAllHeld(CLASS, [
      { name: 'sealed text does not contain the secret', held: !sealedNow.includes('reset-link') },
      { name: 'two seals of one secret differ (fresh IV)', held: seal(rotated, 'x', purpose) !== seal(rotated, 'x', purpose) },
      { name: 'opens with its key and purpose', held: opens(rotated, sealedNow) },
      { name: 'a value sealed before the rotation opens with the previous key', held: opens(rotated, sealedBefore) },
      { name: 'new values are sealed with the current key', held: sealedNow.split('.')[1] === current.id },
      { name: 'does not open with another key', held: !opens({ current: key() }, sealedNow) },
      { name: 'does not open for another purpose', held: !opens(rotated, sealedNow, 'accounts.totp_secret') },
      { name: 'does not open when one byte is changed', held: !opens(rotated, flipped) },
      { name: 'does not open when truncated', held: !opens(rotated, sealedNow.slice(0, 30)) },
      { name: 'plain JSON is not taken for a sealed value', held: !isSealed('{"resetUrl":"x"}') },
    ]);
  });

  it('production refuses to start without PARTNERGATE_DATA_KEY (naming it), and takes one from the setting', () => {
    const production = { PARTNERGATE_ENV: 'production', PARTNERGATE_PUBLIC_URL: 'https://partners.example.com' };
    let message = '';
    try {
      loadConfig(production);
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      message = (err as Error).message;
    }
    const material = randomBytes(32);
    const config = loadConfig({ ...production, PARTNERGATE_DATA_KEY: material.toString('base64') });
    const previous = randomBytes(32).toString('hex');
    const rotated = loadConfig({ ...production, PARTNERGATE_DATA_KEY: material.toString('base64url'), PARTNERGATE_DATA_KEY_PREVIOUS: previous });
    let shortKey = '';
    try {
      loadConfig({ ...production, PARTNERGATE_DATA_KEY: 'too-short-to-be-a-key' });
    } catch (err) {
      shortKey = (err as Error).message;
    }
    expectAllHeld(CLASS, [
      { name: 'production without a data key: start-up fails naming PARTNERGATE_DATA_KEY', held: /PARTNERGATE_DATA_KEY: required in production/.test(message), why: message },
      { name: 'the configured key is the one used (not derived)', held: config.dataKeys.current.key.equals(material) && !config.dataKeyDerived },
      { name: 'base64url, base64 and hex keys are one key', held: rotated.dataKeys.current.id === config.dataKeys.current.id && rotated.dataKeys.previous?.key.toString('hex') === previous },
      { name: 'a malformed key is refused naming the setting, without echoing it', held: /PARTNERGATE_DATA_KEY: must be 32 random bytes/.test(shortKey) && !shortKey.includes('too-short'), why: shortKey },
    ]);
  });
});

describe('secrets at rest: the SQLite store file', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pg-mode-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a new store, its WAL and its shared-memory file are created owner-only (0600) whatever the umask', async () => {
    const previousUmask = process.umask(0o022);
    const file = join(dir, 'store.sqlite');
    try {
      const store = await openStore({ kind: 'sqlite', path: file });
      try {
        await sql`create table t (x integer)`.execute(store.db);
        await sql`insert into t values (1)`.execute(store.db);
        const mode = (f: string) => statSync(f).mode & 0o777;
        expectAllHeld(CLASS, [
          { name: 'store file is 0600', held: mode(file) === 0o600, why: mode(file).toString(8) },
          { name: 'WAL file is 0600', held: mode(`${file}-wal`) === 0o600, why: mode(`${file}-wal`).toString(8) },
          { name: 'shared-memory file is 0600', held: mode(`${file}-shm`) === 0o600, why: mode(`${file}-shm`).toString(8) },
        ]);
      } finally {
        await store.close();
      }
    } finally {
      process.umask(previousUmask);
    }
  });
});
