/**
 * The whole path a partner takes: `credentials issue` emails a link (real SMTP), the partner opens it on a real
 * gateway, chooses a password and signs in; the same link then no longer works.
 */
import { expect } from 'chai';
import { runCli } from '../../src/admin/cli/program.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { forEachStore } from '../support/store.js';
import { captureIo, clearAll, seedPartners } from './support/fixtures.js';
import { setPasswordAndSignIn } from './support/sign-in.js';
import { extractLink, startSmtpSink, type ReceivedMessage, type SmtpSink } from '../support/smtp-sink.js';

const setPasswordLinkIn = (m: ReceivedMessage) => extractLink(m, '/sso/set-password?token=');

forEachStore('admin CLI: issued credentials sign a partner in', (ctx) => {
  let sink: SmtpSink;
  let tg: TestGateway;
  before(async () => {
    sink = await startSmtpSink();
    tg = await startTestGateway(ctx.store);
  });
  after(async () => {
    await tg.close();
    await sink.close();
  });

  it('the emailed link sets a password once, and the partner signs in with it', async () => {
    await clearAll(ctx.store);
    const [partnerId] = await seedPartners(ctx.store, [{ email: 'carol@example.test', firstName: 'Carol' }]);
    const io = captureIo();
    const code = await runCli(['credentials', 'issue', '--all'], {
      stdout: io.stdout,
      stderr: io.stderr,
      overrides: { env: { PARTNERGATE_LOG_LEVEL: 'silent', PARTNERGATE_ENV: 'test', PARTNERGATE_SMTP_URL: sink.url, PARTNERGATE_PUBLIC_URL: tg.url }, store: ctx.store },
    });
    expect(code, io.chunks.err).to.equal(0);
    const link = setPasswordLinkIn(sink.messagesTo('carol@example.test')[0]);
    expect(link.startsWith(`${tg.url}/sso/set-password?token=`)).to.equal(true);

    const result = await setPasswordAndSignIn(tg.url, link, 'carol@example.test', 'a long new password 42');
    expect(result.setStatus).to.equal(303);
    expect(result.signInStatus).to.equal(303);
    expect(result.signInLocation).to.not.match(/sign-in/);
    const account = await ctx.store.db.selectFrom('accounts').select(['id', 'password_hash']).where('partner_id', '=', partnerId).executeTakeFirstOrThrow();
    expect(account.password_hash).to.be.a('string');
    const sessions = await ctx.store.db.selectFrom('sessions').select('account_id').where('account_id', '=', account.id).execute();
    expect(sessions).to.have.length(1);

    const reused = await fetch(`${tg.url}${new URL(link).pathname}${new URL(link).search}`, { redirect: 'manual' });
    expect(reused.status).to.equal(400);
  });
});
