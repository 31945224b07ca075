/**
 * `partnergate admin create | invite | list | disable`: an administrator created or invited here signs in through
 * the real sign-in form and must enrol TOTP first; disable ends their sessions; each change leaves an audit row.
 */
import { expect } from 'chai';
import { Readable } from 'node:stream';
import { runCli } from '../../src/admin/cli/program.js';
import { currentTotpCode } from '../../src/auth/totp.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import type { CookieBrowser } from '../support/oidc-provider.js';
import { extractLink, startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { forEachStore } from '../support/store.js';
import { csrfIn, newBrowser, sessionInfo, signInWithForm, submitForm } from '../auth/support/fixtures.js';
import { captureIo, clearAll } from './support/fixtures.js';

const PASSWORD = 'a long admin password 42';

/** Enrols the way an administrator does with an authenticator app, on the page sign-in sent them to. */
async function enrol(browser: CookieBrowser, base: string): Promise<number> {
  const page = await browser.request('GET', `${base}/sso/two-factor/setup`);
  expect(page.status).to.equal(200);
  const secret = /<code id="totp-secret">([A-Z2-7]+)<\/code>/.exec(page.text)![1]!;
  const res = await browser.request('POST', `${base}/sso/two-factor/setup`, { _csrf: csrfIn(page.text), code: currentTotpCode(secret, Date.now()) });
  return res.status;
}

forEachStore('admin CLI: administrator accounts', (ctx) => {
  let tg: TestGateway;
  let sink: SmtpSink;
  before(async () => {
    sink = await startSmtpSink();
    tg = await startTestGateway(ctx.store);
  });
  after(async () => {
    await tg?.close();
    await sink?.close();
  });
  beforeEach(async () => {
    await clearAll(ctx.store);
    sink.clear();
  });

  async function cli(args: string[], stdin?: string) {
    const io = captureIo();
    const env = { PARTNERGATE_LOG_LEVEL: 'silent', PARTNERGATE_ENV: 'test', PARTNERGATE_SMTP_URL: sink.url, PARTNERGATE_PUBLIC_URL: tg.url };
    const code = await runCli(args, { stdout: io.stdout, stderr: io.stderr, stdin: Readable.from([stdin ?? '']), overrides: { env, store: ctx.store } });
    return { code, out: io.chunks.out, err: io.chunks.err, json: () => JSON.parse(io.chunks.out) };
  }
  const audit = async (action: string) => (await ctx.store.db.selectFrom('audit_log').select(['action', 'details_json']).where('action', '=', action).execute()).map((r) => JSON.parse(r.details_json!));

  it('create: password from stdin; the admin signs in through the form, must enrol TOTP, then is in; audited', async () => {
    const created = await cli(['--json', 'admin', 'create', '--email', 'Ops@Example.test', '--password-stdin'], `${PASSWORD}\n`);
    expect(created.code, created.err).to.equal(0);
    expect(created.json()).to.include({ outcome: 'created', email: 'ops@example.test' });
    expect(await audit('admin.created')).to.have.length(1);

    const browser = newBrowser();
    const signIn = await signInWithForm(browser, tg.url, 'ops@example.test', PASSWORD);
    expect(signIn.status).to.equal(303);
    expect(signIn.location).to.match(/\/sso\/two-factor\/setup/);
    expect((await sessionInfo(browser, tg.url)).body.twoFactorPending, 'pending until enrolled').to.equal(true);
    const masspay = '/partner-center/admin/exports/masspay.csv?threshold=50&currency=USD';
    expect((await browser.request('GET', `${tg.url}${masspay}`)).status, 'admin downloads closed until enrolled').to.not.equal(200);
    expect(await enrol(browser, tg.url)).to.equal(200);
    const session = await sessionInfo(browser, tg.url);
    expect(session.body).to.include({ twoFactorPending: false, role: 'admin' });
    expect((await browser.request('GET', `${tg.url}${masspay}`)).status).to.equal(200);
    const account = await ctx.store.db.selectFrom('accounts').select(['role', 'totp_enabled', 'partner_id']).executeTakeFirstOrThrow();
    expect(account).to.deep.equal({ role: 'admin', totp_enabled: 1, partner_id: null });
  });

  it('create: never takes the password on argv; refuses a short password, a taken email; --dry-run creates nothing', async () => {
    const argv = await cli(['admin', 'create', '--email', 'a@example.test', '--password', PASSWORD]);
    expect(argv.code).to.equal(2);
    const neither = await cli(['admin', 'create', '--email', 'a@example.test']);
    expect(neither.code).to.equal(2);
    expect(neither.err).to.contain('--password-stdin');
    const short = await cli(['admin', 'create', '--email', 'a@example.test', '--password-stdin'], 'short');
    expect(short.code).to.equal(2);
    expect(short.err).to.contain('password:');
    const dry = await cli(['--json', 'admin', 'create', '--email', 'a@example.test', '--password-stdin', '--dry-run'], PASSWORD);
    expect(dry.code, dry.err).to.equal(0);
    expect(dry.json()).to.include({ dryRun: true, outcome: 'created' });
    expect(await ctx.store.db.selectFrom('accounts').select('id').execute()).to.have.length(0);
    expect(await ctx.store.db.selectFrom('audit_log').select('id').execute()).to.have.length(0);
    expect((await cli(['admin', 'create', '--email', 'a@example.test', '--password-stdin'], PASSWORD)).code).to.equal(0);
    const again = await cli(['admin', 'create', '--email', 'A@example.test', '--password-stdin'], PASSWORD);
    expect(again.code).to.equal(2);
    expect(again.err).to.contain('already belongs to an administrator');
  });

  it('invite: emails a single-use set-password link; the admin sets a password, signs in and must enrol TOTP', async () => {
    const invited = await cli(['--json', 'admin', 'invite', '--email', 'new-admin@example.test']);
    expect(invited.code, invited.err).to.equal(0);
    expect(invited.json().send.sent).to.equal(1);
    const message = sink.messagesTo('new-admin@example.test')[0]!;
    expect(message.subject).to.contain('administrator');
    const link = extractLink(message, '/sso/set-password?token=');
    const outbox = await ctx.store.db.selectFrom('email_outbox').select('params_json').execute();
    for (const row of outbox) expect(row.params_json).to.not.contain(new URL(link).searchParams.get('token')!);
    expect(await audit('admin.invited')).to.have.length(1);

    const browser = newBrowser();
    const url = new URL(link);
    const set = await submitForm(browser, tg.url, `${url.pathname}${url.search}`, { token: url.searchParams.get('token')!, new_password: PASSWORD, new_password_confirm: PASSWORD });
    expect(set.status).to.equal(303);
    const signIn = await signInWithForm(browser, tg.url, 'new-admin@example.test', PASSWORD);
    expect(signIn.location).to.match(/\/sso\/two-factor\/setup/);
    expect(await enrol(browser, tg.url)).to.equal(200);
    expect((await sessionInfo(browser, tg.url)).body.twoFactorPending).to.equal(false);
  });

  it('list --json, and disable: sign-in refused, every session ended, audited', async () => {
    await cli(['admin', 'create', '--email', 'one@example.test', '--password-stdin'], PASSWORD);
    await cli(['admin', 'invite', '--email', 'two@example.test', '--no-send']);
    const list = await cli(['--json', 'admin', 'list']);
    expect(list.code).to.equal(0);
    expect(list.json().admins.map((a: { email: string; passwordSet: boolean; totpEnabled: boolean }) => [a.email, a.passwordSet, a.totpEnabled])).to.deep.equal([
      ['one@example.test', true, false],
      ['two@example.test', false, false],
    ]);

    const browser = newBrowser();
    await signInWithForm(browser, tg.url, 'one@example.test', PASSWORD);
    expect(await enrol(browser, tg.url)).to.equal(200);
    expect((await sessionInfo(browser, tg.url)).status).to.equal(200);

    const dry = await cli(['admin', 'disable', '--email', 'one@example.test', '--dry-run']);
    expect(dry.code).to.equal(0);
    expect((await sessionInfo(browser, tg.url)).status).to.equal(200);

    const disabled = await cli(['--json', 'admin', 'disable', '--email', 'one@example.test']);
    expect(disabled.code, disabled.err).to.equal(0);
    expect(disabled.json()).to.include({ outcome: 'disabled', sessionsEnded: 1 });
    expect((await sessionInfo(browser, tg.url)).status).to.not.equal(200);
    const again = await signInWithForm(newBrowser(), tg.url, 'one@example.test', PASSWORD);
    expect(again.location ?? '').to.not.match(/two-factor/);
    expect(await audit('admin.disabled')).to.have.length(1);
    const partnerEmail = await cli(['admin', 'disable', '--email', 'nobody@example.test']);
    expect(partnerEmail.code).to.equal(2);
  });
});
