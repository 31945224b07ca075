/**
 * Situations 2 and 3 end to end against a real WordPress set up as PilotPress leaves one (with wp-shim), the
 * Ontraport emulator and the SMTP sink, with a real gateway in front of the site: WordPress users matched to
 * partners (the unmatched, duplicate and invalid ones reported), PayPal and SubIDs carried over, "the partner
 * center has moved" emails, WordPress switched (hand-off after login, old page 301) and rolled back; situation 3
 * with the partner center on its own host, checked before WordPress is switched. A crash at random points of
 * apply, then a resume, ends as an uninterrupted run with no email twice.
 */
import { expect } from 'chai';
import { runCli } from '../../src/admin/cli/program.js';
import { situations, SimulatedCrash, type MigrationOptions } from '../../migration/index.js';
import { startOntraportEmulator, type OntraportEmulator } from '../support/ontraport-emulator.js';
import { startSmtpSink, extractLink, type SmtpSink } from '../support/smtp-sink.js';
import { forEachStore } from '../support/store.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { startWordPress, type WordPress } from '../support/wordpress.js';
import { captureIo, clearAll } from '../admin/support/fixtures.js';
import { duplicates, migrationConfig, migrationDeps, prng, seedOntraport, stateOf } from './support/harness.js';
import { PILOTPRESS_ERA, prepareLegacySite, type LegacySite } from './support/legacy-site.js';

const HOST = 'partners.example.test';

describe('migration situations 2 and 3 against a real WordPress', function () {
  this.timeout(120_000);
  let wp: WordPress;
  let site: LegacySite;
  let emulator: OntraportEmulator;
  let sink: SmtpSink;
  let contactIds: Map<string, number>;
  const partnerEmails = ['ann@example.test', 'bob@example.test', 'partner@example.test', 'pilot.partner@example.test', 'only.ontraport@example.test'];

  before(async () => {
    wp = await startWordPress();
    emulator = await startOntraportEmulator({ rateLimit: 100_000 });
    sink = await startSmtpSink();
    contactIds = seedOntraport(emulator, [
      { email: 'ann@example.test', paypal: null, sid: ['spring'] },
      { email: 'bob@example.test', paypal: 'bob.pay@example.test' },
      { email: 'partner@example.test', paypal: 'partner.pay@example.test' },
      { email: 'pilot.partner@example.test' },
      { email: 'only.ontraport@example.test' },
    ]);
    site = await prepareLegacySite(wp, [
      { login: 'ann', email: 'ann@example.test', meta: { program_id: '1', contact_id: String(contactIds.get('ann@example.test')), pilotpress_aff_paypal: 'ann.old@example.test', pilotpress_sub_ids: 'legacy1, legacy2' } },
      { login: 'bob', email: 'bob@example.test', meta: { program_id: '1', pilotpress_aff_paypal: 'bob.old@example.test' } },
      { login: 'ghost', email: 'ghost@example.test', meta: { program_id: '1' } },
      { login: 'dup1', email: 'dup@example.test', meta: { program_id: '1' }, raw: true },
      { login: 'dup2', email: 'DUP@example.test', meta: { program_id: '1' }, raw: true },
      { login: 'broken', email: 'not-an-email', meta: { program_id: '1' }, raw: true },
    ]);
  });
  after(async () => {
    await site?.restore();
    await sink?.close();
    await emulator?.stop();
  });

  forEachStore('situations 2 and 3', (ctx) => {
    let tg: TestGateway | undefined;
    const gatewayEnv = (s3: boolean) => wp.gatewayEnv(s3 ? { PARTNERGATE_PARTNER_CENTER_HOST: HOST } : {});
    const config = (s3: boolean) => migrationConfig(emulator, sink, { PARTNERGATE_PUBLIC_URL: wp.publicOrigin, PARTNERGATE_WP_SHIM_SECRET: wp.secret, PARTNERGATE_UPSTREAM_URL: wp.url, ...(s3 ? { PARTNERGATE_PARTNER_CENTER_HOST: HOST } : {}) });
    const deps = (s3: boolean) => migrationDeps(ctx.store, config(s3), { wordpress: site.client });
    async function gateway(s3: boolean) {
      await tg?.close();
      tg = await startTestGateway(ctx.store, gatewayEnv(s3));
      return tg;
    }
    async function cli(s3: boolean, ...args: string[]) {
      const io = captureIo();
      const env = { PARTNERGATE_LOG_LEVEL: 'silent', PARTNERGATE_ENV: 'test', PARTNERGATE_SMTP_URL: sink.url, PARTNERGATE_BRAND_NAME: 'Acme Partners', ...gatewayEnv(s3), PARTNERGATE_PORT: '0' };
      const code = await runCli([...args, '--wp-url', wp.url, '--wp-user', wp.admin.login, '--wp-app-password', wp.admin.appPassword], {
        stdout: io.stdout, stderr: io.stderr, overrides: { env, store: ctx.store, importPartners: deps(s3).importPartners },
      });
      return { code, out: io.chunks.out, err: io.chunks.err, json: () => JSON.parse(io.chunks.out) };
    }

    beforeEach(async () => {
      await clearAll(ctx.store);
      sink.clear();
      await site.resetSwitches();
    });
    after(async () => {
      await tg?.close();
      tg = undefined;
    });

    it('situation 2: plan, apply, verify, rollback, re-apply — WordPress users matched, bad ones reported, carried over, switched', async () => {
      const gw = await gateway(false);
      const plan = await cli(false, '--json', 'migrate', 'situation-2', 'plan');
      expect(plan.code, plan.out + plan.err).to.equal(0);
      expect(plan.json().steps.map((s: { step: string }) => s.step)).to.include.members(['legacy-export', 'match', 'carry-over', 'switch-wordpress']);

      const apply = await cli(false, '--json', 'migrate', 'situation-2', 'apply', '--send');
      expect(apply.code, apply.err).to.equal(4);
      const rows = apply.json().rows.map((r: { source?: string; reason: string }) => `${r.source}: ${r.reason}`);
      expect(rows).to.include(`WordPress user ${site.userIds.ghost} (ghost): unmatched: no Ontraport partner has the email ghost@example.test`);
      expect(rows.filter((r: string) => r.includes('duplicate email: email dup@example.test is also WordPress user'))).to.have.length(2);
      expect(rows.some((r: string) => r.startsWith(`WordPress user ${site.userIds.broken} (broken): bad email`))).to.equal(true);
      expect(rows).to.include(`WordPress user ${site.userIds.bob} (bob): PayPal email on the old site (bob.old@example.test) differs from Ontraport's (bob.pay@example.test); Ontraport's is kept`);
      expect(rows.filter((r: string) => /customer|admin/.test(r))).to.deep.equal([]);

      // One "moved" email per partner, with a working link on the gateway.
      expect(sink.messages.map((m) => m.to[0]).sort()).to.deep.equal([...partnerEmails].sort());
      const annMail = sink.messagesTo('ann@example.test')[0];
      expect(annMail.subject).to.equal('Acme Partners: the partner center has moved, here is your new sign-in');
      expect(annMail.text).to.contain(site.pageUrl);
      expect(extractLink(annMail, '/sso/set-password?token=').startsWith(`${wp.publicOrigin}/sso/set-password?token=`)).to.equal(true);

      // Carried over: Ann's PayPal (none in Ontraport; also queued back to Ontraport) and her SubIDs.
      const ann = await ctx.store.db.selectFrom('partners').select(['id', 'paypal_email']).where('referral_code', '=', String(contactIds.get('ann@example.test'))).executeTakeFirstOrThrow();
      expect(ann.paypal_email).to.equal('ann.old@example.test');
      const subIds = await ctx.store.db.selectFrom('partner_sub_ids').select('sub_id').where('partner_id', '=', ann.id).execute();
      expect(subIds.map((s) => s.sub_id).sort()).to.deep.equal(['legacy1', 'legacy2', 'spring']);
      const writeBack = await ctx.store.db.selectFrom('ontraport_outbox').select(['record_id', 'fields_json']).execute();
      expect(writeBack).to.deep.equal([{ record_id: contactIds.get('ann@example.test'), fields_json: '{"aff_paypal":"ann.old@example.test"}' }]);

      // WordPress switched: the old page answers 301 through the gateway, a partner logging in is handed off.
      const target = `${wp.publicOrigin}/partner-center/`;
      const page = await fetch(site.pageUrl, { redirect: 'manual' });
      expect(page.status).to.equal(301);
      expect(page.headers.get('location')).to.equal(target);
      const login = await wpLogin(gw.url, wp.partner.login, wp.partner.password);
      expect(login.location ?? '').to.match(new RegExp(`^${wp.publicOrigin.replace(/[.]/g, '\\.')}/sso/wordpress\\?token=`));
      const handedOff = await fetch(login.location!, { redirect: 'manual', headers: { cookie: login.cookies } });
      expect(handedOff.status).to.be.within(300, 399);
      expect(handedOff.headers.getSetCookie().some((c) => c.startsWith(`${gw.gateway.deps.cookies.session}=`))).to.equal(true);

      const verify = await cli(false, '--json', 'migrate', 'situation-2', 'verify');
      expect(verify.code, JSON.stringify(verify.json().checks)).to.equal(0);
      expect(verify.json().counts).to.include({ active: 5, signInReady: 5, wordpressUsers_matched: 4, wordpressUsers_unmatched: 1, wordpressUsers_duplicate_email: 2, wordpressUsers_bad_email: 1 });

      // Rollback: WordPress exactly as before; verify now fails on the switch; apply switches again, sends nothing.
      const rollback = await cli(false, '--json', 'migrate', 'situation-2', 'apply', '--rollback');
      expect(rollback.code, rollback.err).to.equal(0);
      expect((await site.client.state()).shim.stored).to.deep.equal(PILOTPRESS_ERA);
      expect((await fetch(site.pageUrl, { redirect: 'manual' })).status).to.equal(200);
      const after = await cli(false, '--json', 'migrate', 'situation-2', 'verify');
      expect(after.code).to.equal(1);
      expect(after.json().checks.find((c: { check: string }) => c.check === 'WordPress switched').ok).to.equal(false);
      const again = await cli(false, '--json', 'migrate', 'situation-2', 'apply', '--send');
      expect(again.json().steps.find((s: { step: string }) => s.step === 'switch-wordpress').status).to.equal('done');
      // Finished steps read nothing again: only the users left unmatched are looked at, and still reported.
      const stepOf = (name: string) => again.json().steps.find((s: { step: string }) => s.step === name) as { status: string; summary: string };
      expect(stepOf('carry-over').status).to.equal('earlier');
      expect(stepOf('match').summary).to.contain('4 users an earlier run could not match looked at again, 0 matched now');
      expect(again.json().rows.map((r: { source?: string; reason: string }) => `${r.source}: ${r.reason}`)).to.include(`WordPress user ${site.userIds.ghost} (ghost): unmatched: no Ontraport partner has the email ghost@example.test`);
      expect((await fetch(site.pageUrl, { redirect: 'manual' })).status).to.equal(301);
      expect(sink.messages).to.have.length(partnerEmails.length);
    });

    it('situation 3: the partner center on its own host, checked before WordPress is switched; links and redirects on that host', async () => {
      const gw = await gateway(true);
      const badHost = await cli(false, '--json', 'migrate', 'situation-3', 'plan', '--partner-center-host', HOST);
      expect(badHost.code).to.equal(2);
      expect(badHost.json().blockers.join(' ')).to.contain(`set PARTNERGATE_PARTNER_CENTER_HOST=${HOST}`);

      // The host does not answer yet: everything is done except the switch, and nothing is switched.
      const notReady = await cli(true, '--json', 'migrate', 'situation-3', 'apply', '--send', '--partner-center-host', HOST, '--check-url', 'http://127.0.0.1:1');
      expect(notReady.code).to.equal(1);
      expect(notReady.err).to.contain(`the partner center host ${HOST} is not ready`);
      expect((await site.client.state()).shim.stored).to.deep.equal(PILOTPRESS_ERA);

      const apply = await cli(true, '--json', 'migrate', 'situation-3', 'apply', '--send', '--partner-center-host', HOST, '--check-url', gw.url);
      expect(apply.code, apply.err).to.equal(4);
      const hostStep = apply.json().steps.find((s: { step: string }) => s.step === 'host-check');
      expect(hostStep.summary).to.contain('ok: host answers').and.contain('ok: sign-in stays on the host').and.contain('ok: cookies belong to the host');
      const target = `http://${HOST}/partner-center/`;
      expect((await site.client.state()).shim.stored).to.deep.equal({ loginRedirect: 'handoff', legacyPage301: true, legacyPageTarget: target });
      const page = await fetch(site.pageUrl, { redirect: 'manual' });
      expect(page.status).to.equal(301);
      expect(page.headers.get('location')).to.equal(target);
      expect(sink.messages).to.have.length(partnerEmails.length);
      for (const m of sink.messages) expect(extractLink(m, '/sso/set-password?token=').startsWith(`http://${HOST}/sso/set-password?token=`)).to.equal(true);

      const verify = await cli(true, '--json', 'migrate', 'situation-3', 'verify', '--partner-center-host', HOST, '--check-url', gw.url);
      expect(verify.code, JSON.stringify(verify.json().checks)).to.equal(0);
      const handoff = verify.json().checks.find((c: { check: string }) => c.check === 'WordPress hand-off reaches this gateway');
      expect(handoff.detail).to.contain(`define PARTNERGATE_URL as http://${HOST}`);

      const rollback = await cli(true, '--json', 'migrate', 'situation-3', 'apply', '--rollback');
      expect(rollback.code).to.equal(0);
      expect((await site.client.state()).shim.stored).to.deep.equal(PILOTPRESS_ERA);
    });

    it('situation 2: a crash at random points of apply, then a resume, ends as an uninterrupted run, with no email twice', async () => {
      await gateway(false);
      const opts: MigrationOptions = { batchSize: 2 };
      const run = async (crashAfterWrites?: number) => {
        const d = deps(false);
        try {
          return await situations['situation-2'].apply(d, { ...opts, crashAfterWrites });
        } finally {
          d.close();
        }
      };
      const reference = await run();
      const expected = { store: await stateOf(ctx.store), wordpress: (await site.client.state()).shim.stored };
      const total = reference.checkpoints;
      const random = prng(ctx.kind === 'sqlite' ? 5 : 6);
      const points = [total - 1, ...Array.from({ length: ctx.kind === 'sqlite' ? 2 : 1 }, () => 1 + Math.floor(random() * total))];
      for (const point of points) {
        await clearAll(ctx.store);
        sink.clear();
        await site.resetSwitches();
        await run(point).then(
          () => expect.fail(`no crash at checkpoint ${point}`),
          (err) => expect(err).to.be.instanceOf(SimulatedCrash),
        );
        await run();
        const state = { store: await stateOf(ctx.store), wordpress: (await site.client.state()).shim.stored };
        expect(state, `state after a crash at checkpoint ${point} of ${total}`).to.deep.equal(expected);
        expect(duplicates(sink)).to.deep.equal([]);
        expect(sink.messages).to.have.length(partnerEmails.length);
      }
      // The snapshot taken before the first switch survives crashes: rollback restores the PilotPress-era site.
      const d = deps(false);
      await situations['situation-2'].rollback!(d, {});
      d.close();
      expect((await site.client.state()).shim.stored).to.deep.equal(PILOTPRESS_ERA);
    });
  });
});

/** Logs into WordPress through the gateway the way the login form does; returns where WordPress sends the user. */
/** Logs in to WordPress through the gateway; `cookies` are what the browser would carry on (the hand-off binding among them). */
async function wpLogin(base: string, login: string, password: string): Promise<{ status: number; location: string | null; cookies: string }> {
  const res = await fetch(`${base}/wp-login.php`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: 'wordpress_test_cookie=WP%20Cookie%20check' },
    body: new URLSearchParams({ log: login, pwd: password, 'wp-submit': 'Log In', testcookie: '1' }).toString(),
  });
  return { status: res.status, location: res.headers.get('location'), cookies: res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ') };
}
