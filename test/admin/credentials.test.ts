/**
 * `partnergate credentials ...` end to end in-process: real store (SQLite and PostgreSQL), real SMTP exchange
 * with a sink, links read out of the received messages.
 */
import { expect } from 'chai';
import { runCli } from '../../src/admin/cli/program.js';
import { sha256 } from '../../src/common/tokens.js';
import { forEachStore } from '../support/store.js';
import { captureIo, clearAll, seedPartners } from './support/fixtures.js';
import { extractLink, startSmtpSink, type ReceivedMessage, type SmtpSink } from '../support/smtp-sink.js';

const setPasswordLinkIn = (m: ReceivedMessage) => extractLink(m, '/sso/set-password?token=');
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const tokenOf = (link: string) => decodeURIComponent(new URL(link).searchParams.get('token')!);

forEachStore('admin CLI: credentials', (ctx) => {
  let sink: SmtpSink;
  const env = () => ({
    PARTNERGATE_ENV: 'test',
    PARTNERGATE_LOG_LEVEL: 'silent',
    PARTNERGATE_DEMO_DATA: 'off',
    PARTNERGATE_SMTP_URL: sink.url,
    PARTNERGATE_PUBLIC_URL: 'https://partners.example.test',
    PARTNERGATE_BRAND_NAME: 'Acme & Co Partners',
    PARTNERGATE_MAIL_FROM: 'Acme <partners@example.test>',
  });
  async function cli(...args: string[]) {
    const io = captureIo();
    const code = await runCli(args, { stdout: io.stdout, stderr: io.stderr, overrides: { env: env(), store: ctx.store } });
    return { code, out: io.chunks.out, err: io.chunks.err, json: () => JSON.parse(io.chunks.out) };
  }

  before(async () => {
    sink = await startSmtpSink();
  });
  after(async () => {
    await sink.close();
  });
  beforeEach(async () => {
    await clearAll(ctx.store);
    sink.clear();
    sink.refuseRecipients(null);
  });

  it('creates an account per partner and emails one single-use, hashed, expiring set-password link; a re-run sends nothing', async () => {
    const ids = await seedPartners(ctx.store, [{ email: 'Ann@Example.test', firstName: 'Ann' }, { email: 'bob@example.test', firstName: 'Bob' }]);
    const before = Date.now();
    const first = await cli('--json', 'credentials', 'issue', '--all');
    expect(first.code, first.err).to.equal(0);
    expect(first.json().counts.queued).to.equal(2);
    expect(first.json().send.sent).to.equal(2);
    expect(sink.messages).to.have.length(2);

    const ann = sink.messagesTo('ann@example.test');
    expect(ann).to.have.length(1);
    expect(ann[0].subject).to.equal('Acme & Co Partners: your sign-in for the new partner center');
    expect(ann[0].text).to.contain('Hello Ann,').and.contain('Sign-in email: ann@example.test');
    const link = setPasswordLinkIn(ann[0]);
    expect(link).to.match(/^https:\/\/partners\.example\.test\/sso\/set-password\?token=/);
    expect(ann[0].html.replace(/&#x3D;/g, '=')).to.contain('Choose my password').and.contain(`href="${link}"`);

    const account = await ctx.store.db.selectFrom('accounts').selectAll().where('partner_id', '=', ids[0]).executeTakeFirstOrThrow();
    expect(account.email).to.equal('ann@example.test');
    expect(account.password_hash).to.equal(null);
    const token = tokenOf(link);
    const tokens = await ctx.store.db.selectFrom('one_time_tokens').selectAll().where('account_id', '=', account.id).execute();
    expect(tokens).to.have.length(1);
    expect(tokens[0].purpose).to.equal('set_password');
    expect(tokens[0].token_hash).to.equal(sha256(token));
    expect(tokens[0].token_hash).to.not.contain(token);
    expect(tokens[0].expires_at - tokens[0].created_at).to.equal(168 * 3_600_000);
    expect(tokens[0].created_at).to.be.at.least(before - 1000);
    // Once sent, the store holds no usable copy of the link: only the token's hash.
    const outbox = await ctx.store.db.selectFrom('email_outbox').select('params_json').execute();
    expect(outbox).to.have.length(2);
    for (const row of outbox) expect(row.params_json).to.not.contain('set-password');

    const again = await cli('--json', 'credentials', 'issue', '--all');
    expect(again.code).to.equal(0);
    expect(again.json().counts.already_sent).to.equal(2);
    expect(again.json().counts.queued).to.equal(0);
    const all = await cli('--json', 'credentials', 'issue', '--all');
    expect(all.json().counts.already_sent).to.equal(2);
    expect(sink.messages).to.have.length(2);
  });

  it('reports bad rows (bad email, shared email, missing partner, inactive) by partner with a reason and serves the rest', async () => {
    const [good, bad, dupA, dupB, inactive] = await seedPartners(ctx.store, [
      { email: 'good@example.test' },
      { email: 'not an email' },
      { email: 'twin@example.test' },
      { email: 'TWIN@example.test' },
      { email: 'gone@example.test', status: 'inactive' },
    ]);
    const r = await cli('credentials', 'issue', '--all', '--partner', '999999');
    expect(r.code, r.out + r.err).to.equal(4);
    expect(r.out).to.match(new RegExp(`partner ${bad} <not an email>: failed — email "not an email" is not an address`));
    expect(r.out).to.match(new RegExp(`partner ${dupA} <twin@example.test>: failed — email twin@example.test is shared with partner ${dupB}`));
    expect(r.out).to.match(new RegExp(`partner ${dupB} <twin@example.test>: failed — email twin@example.test is shared with partner ${dupA}`));
    expect(r.out).to.contain('partner 999999: failed — partner 999999 not found');
    expect(r.out).to.match(new RegExp(`partner ${inactive} <gone@example.test>: skipped — partner is inactive`));
    expect(sink.messages.map((m) => m.to[0])).to.deep.equal(['good@example.test']);
    const accounts = await ctx.store.db.selectFrom('accounts').select('partner_id').execute();
    expect(accounts.map((a) => a.partner_id)).to.deep.equal([good]);
  });

  it('an SMTP server refusing a recipient is reported; a re-run sends only what was not sent, with a fresh link', async () => {
    const [a, b, c] = await seedPartners(ctx.store, [{ email: 'a@example.test' }, { email: 'b@example.test' }, { email: 'c@example.test' }]);
    sink.refuseRecipients(/^b@example\.test$/);
    const first = await cli('--json', 'credentials', 'issue', '--all');
    expect(first.code).to.equal(4);
    const failed = first.json().send.failed;
    expect(failed).to.have.length(1);
    expect(failed[0].partnerId).to.equal(b);
    expect(failed[0].reason).to.match(/SMTP refused: .*550|SMTP refused: .*unavailable/);
    expect(sink.messages.map((m) => m.to[0]).sort()).to.deep.equal(['a@example.test', 'c@example.test']);

    sink.refuseRecipients(null);
    const second = await cli('--json', 'credentials', 'issue', '--all');
    expect(second.code, second.err).to.equal(0);
    const byPartner = new Map(second.json().rows.map((r: { partnerId: number; outcome: string }) => [r.partnerId, r.outcome]));
    expect(byPartner.get(a)).to.equal('already_sent');
    expect(byPartner.get(c)).to.equal('already_sent');
    expect(byPartner.get(b)).to.equal('requeued');
    expect(sink.messages).to.have.length(3);
    expect(sink.messagesTo('b@example.test')).to.have.length(1);
    const third = await cli('--json', 'credentials', 'issue', '--all');
    expect(third.json().counts.already_sent).to.equal(3);
    expect(sink.messages).to.have.length(3);

    // The link of the refused email (never delivered) no longer works; the delivered one does.
    const account = await ctx.store.db.selectFrom('accounts').select('id').where('partner_id', '=', b).executeTakeFirstOrThrow();
    const live = await ctx.store.db.selectFrom('one_time_tokens').select('token_hash').where('account_id', '=', account.id).where('used_at', 'is', null).execute();
    expect(live.map((t) => t.token_hash)).to.deep.equal([sha256(tokenOf(setPasswordLinkIn(sink.messagesTo('b@example.test')[0])))]);
  });

  it('--dry-run reports the same decisions and changes nothing', async () => {
    await seedPartners(ctx.store, [{ email: 'a@example.test' }, { email: 'bad@' }]);
    const dry = await cli('--json', 'credentials', 'issue', '--all', '--dry-run');
    expect(dry.code).to.equal(4);
    expect(dry.json().dryRun).to.equal(true);
    expect(dry.json().counts).to.include({ queued: 1, failed: 1 });
    expect(await ctx.store.db.selectFrom('accounts').select('id').execute()).to.have.length(0);
    expect(await ctx.store.db.selectFrom('email_outbox').select('id').execute()).to.have.length(0);
    expect(await ctx.store.db.selectFrom('one_time_tokens').select('id').execute()).to.have.length(0);
    expect(sink.messages).to.have.length(0);
  });

  it('resend voids every earlier link and sends a fresh one; revoke disables the account and its links', async () => {
    const [p] = await seedPartners(ctx.store, [{ email: 'p@example.test' }]);
    await cli('credentials', 'issue', '--all');
    const firstLink = setPasswordLinkIn(sink.messages[0]);
    const resend = await cli('--json', 'credentials', 'resend', '--partner', String(p));
    expect(resend.code, resend.err).to.equal(0);
    expect(sink.messages).to.have.length(2);
    const secondLink = setPasswordLinkIn(sink.messages[1]);
    expect(secondLink).to.not.equal(firstLink);
    const tokens = await ctx.store.db.selectFrom('one_time_tokens').select(['token_hash', 'used_at']).execute();
    const byHash = new Map(tokens.map((t) => [t.token_hash, t.used_at]));
    expect(byHash.get(sha256(tokenOf(firstLink)))).to.be.a('number');
    expect(byHash.get(sha256(tokenOf(secondLink)))).to.equal(null);

    const revoke = await cli('--json', 'credentials', 'revoke', '--partner', String(p));
    expect(revoke.code).to.equal(0);
    expect(revoke.json().counts.revoked).to.equal(1);
    const account = await ctx.store.db.selectFrom('accounts').selectAll().where('partner_id', '=', p).executeTakeFirstOrThrow();
    expect(account.disabled_at).to.be.a('number');
    const live = await ctx.store.db.selectFrom('one_time_tokens').select('id').where('used_at', 'is', null).execute();
    expect(live).to.have.length(0);
    const audit = await ctx.store.db.selectFrom('audit_log').select('action').where('partner_id', '=', p).orderBy('id').execute();
    expect(audit.map((x) => x.action)).to.deep.equal(['credentials.resent', 'credentials.revoked']);

    // A revoked partner gets nothing from issue or resend unless reinstated.
    const issue = await cli('--json', 'credentials', 'issue', '--partner', String(p));
    expect(issue.json().rows[0]).to.include({ outcome: 'skipped' });
    const refused = await cli('credentials', 'resend', '--partner', String(p));
    expect(refused.code).to.equal(4);
    expect(refused.out).to.contain('account revoked: add --reinstate');
    const back = await cli('credentials', 'resend', '--partner', String(p), '--reinstate');
    expect(back.code).to.equal(0);
    expect(sink.messages).to.have.length(3);
  });

  it('a CSV partner list: duplicates, bad emails and partners missing in Ontraport are reported by line', async () => {
    const [a, b] = await seedPartners(ctx.store, [{ email: 'a@example.test', contactOntraportId: 501 }, { email: 'b@example.test', contactOntraportId: 502 }]);
    const dir = mkdtempSync(join(tmpdir(), 'pg-csv-'));
    const file = join(dir, 'partners.csv');
    writeFileSync(file, 'email,contact_id\r\nA@example.test,\r\n"b@example.test",502\r\na@example.test,\r\nnope,\r\nghost@example.test,\r\n,999\r\n');
    const r = await cli('--json', 'credentials', 'issue', '--csv', file);
    expect(r.code).to.equal(4);
    const rows = r.json().rows as Array<{ source?: string; partnerId: number | null; outcome: string; reason?: string }>;
    const bySource = (line: number) => rows.find((x) => x.source === `${file} line ${line}`);
    expect(bySource(4)?.reason).to.equal('duplicate: email a@example.test is already on line 2');
    expect(bySource(5)?.reason).to.match(/email "nope" is not an address/);
    expect(bySource(6)?.reason).to.equal('no partner with email ghost@example.test in Ontraport (synced partners)');
    expect(bySource(7)?.reason).to.equal('Ontraport contact 999 is not a partner synced from Ontraport');
    expect(rows.filter((x) => x.outcome === 'queued').map((x) => x.partnerId).sort()).to.deep.equal([a, b].sort());
    expect(sink.messages).to.have.length(2);
  });

  it('usage and configuration problems exit 2 and name the field', async () => {
    const unknownProgram = await cli('credentials', 'issue', '--program', 'Nope');
    expect(unknownProgram.code).to.equal(2);
    expect(unknownProgram.err).to.contain('program: no partner program named "Nope"');
    const badId = await cli('credentials', 'resend', '--partner', 'x1');
    expect(badId.code).to.equal(2);
    expect(badId.err).to.contain('partner: "x1" is not a partner id');
    const noSelector = await cli('credentials', 'revoke');
    expect(noSelector.code).to.equal(2);
    await seedPartners(ctx.store, [{ email: 'bare@example.test' }]);
    const bareIssue = await cli('credentials', 'issue');
    expect(bareIssue.code).to.equal(2);
    expect(bareIssue.err).to.contain('--all');
    expect(await ctx.store.db.selectFrom('accounts').select('id').execute()).to.have.length(0);
    const io = captureIo();
    const code = await runCli(['--json', 'config', 'check'], { stdout: io.stdout, stderr: io.stderr, overrides: { env: { ...env(), PARTNERGATE_SMTP_URL: 'http://nope' }, store: ctx.store } });
    expect(code).to.equal(2);
    expect(JSON.parse(io.chunks.out).error.message).to.contain('PARTNERGATE_SMTP_URL');
  });
});

describe('admin CLI: store unreachable', () => {
  it('exits 3 naming the store', async () => {
    const io = captureIo();
    const code = await runCli(['credentials', 'issue', '--all'], { stdout: io.stdout, stderr: io.stderr, overrides: { env: { PARTNERGATE_LOG_LEVEL: 'silent', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' } } });
    expect(code).to.equal(3);
    expect(io.chunks.err).to.contain('cannot reach PostgreSQL');
  });
});
