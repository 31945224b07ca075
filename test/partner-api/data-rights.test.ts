/**
 * Data rights: a partner downloads everything held about them as a zip (JSON + CSV, scoped, CSRF'd, audited);
 * an administrator erases a partner (CLI `partners erase`, the admin area's button): personal data replaced,
 * every way in ended (password, session, API key, email lookup of hand-off and OIDC), accounting kept, one
 * transaction, and a later Ontraport sync does not bring the personal data back.
 */
import { Readable } from 'node:stream';
import { expect } from 'chai';
import request from 'supertest';
import { sql } from 'kysely';
import { runCli } from '../../src/admin/cli/program.js';
import { createApiKey, hashPassword, resolveAccountForEmail } from '../../src/accounts/index.js';
import { erasePartner } from '../../src/data-rights/index.js';
import { createLogger } from '../../src/common/index.js';
import { runSync } from '../../src/ontraport/index.js';
import { signInAs, startTestGateway, type SignedIn, type TestGateway } from '../support/gateway.js';
import { clearTables, forEachStore } from '../support/store.js';
import { captureIo } from '../admin/support/fixtures.js';
import { adminSession } from '../admin-area/support.js';
import { unzip } from './support.js';
import { newBrowser, signInWithForm } from '../auth/support/fixtures.js';
import { seedReportWorld, type ReportWorld } from '../reports/fixtures.js';
import { startOntraportEmulator } from '../support/ontraport-emulator.js';
import { clientFor } from '../ontraport/support.js';

const PASSWORD = 'correct horse battery staple';

const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const parts: Buffer[] = [];
  res.on('data', (c: Buffer) => parts.push(c));
  res.on('end', () => cb(null, Buffer.concat(parts)));
};

forEachStore('data rights', (ctx) => {
  let tg: TestGateway;
  let world: ReportWorld;
  let a: SignedIn;
  let email: string;

  before(async () => {
    tg = await startTestGateway(ctx.store, { PARTNERGATE_EXPORT_MAX_RANGE_DAYS: '400' });
  });
  after(async () => tg?.close());
  beforeEach(async () => {
    await clearTables(ctx.store);
    world = await seedReportWorld(ctx.store);
    email = `a${Date.now()}@example.test`;
    a = await signInAs(tg, world.partnerA, { email });
    await ctx.store.db.updateTable('accounts').set({ password_hash: await hashPassword(PASSWORD) }).where('id', '=', a.accountId).execute();
  });

  const download = (who: SignedIn, csrf = who.csrfToken) =>
    request(tg.url).post('/partner-center/settings/data-export').set('Cookie', who.cookie).set('Origin', tg.url).type('form').send({ _csrf: csrf }).buffer(true).parse(binary);

  it('downloads my data: a zip of JSON and CSV about me only, without secrets, audited', async () => {
    const made = await createApiKey(ctx.store.db, { accountId: a.accountId, partnerId: world.partnerA, name: 'export check', now: Date.now() });
    if (!made.ok) throw new Error(made.problem);
    const res = await download(a);
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.equal('application/zip');
    expect(res.headers['content-disposition']).to.match(/^attachment; filename="partnergate-my-data-\d{4}-\d{2}-\d{2}\.zip"$/);
    const files = await unzip(res.body as Buffer);
    expect([...files.keys()]).to.have.members(['profile.json', 'settings.json', 'sessions.json', 'audit.json', 'api-keys.json', 'contacts.csv', 'commissions.csv', 'refunds.csv', 'payments.csv', 'subscriptions.csv', 'report-by-date.csv', 'payouts.csv', 'clicks.csv']);
    const profile = JSON.parse(files.get('profile.json')!) as { partner: { id: number }; accounts: Array<{ email: string }> };
    expect(profile.partner.id).to.equal(world.partnerA);
    expect(profile.accounts.map((x) => x.email)).to.deep.equal([email]);
    expect(JSON.parse(files.get('sessions.json')!)).to.have.length.greaterThan(0);
    const keys = JSON.parse(files.get('api-keys.json')!) as Array<Record<string, unknown>>;
    expect(keys.map((k) => k.name)).to.deep.equal(['export check']);
    const everything = [...files.values()].join('\n');
    for (const secret of [made.key, made.row.key_hash, 'argon2', 'csrf_secret', 'id_hash']) expect(everything, secret).not.to.include(secret);
    expect(everything, "no row of partner B").not.to.include('B-ONLY');
    expect(files.get('commissions.csv')!.split('\r\n').length).to.be.greaterThan(3);
    expect(files.get('payouts.csv')!.split('\r\n')[0]).to.equal('payout_id,paid_at,amount,currency,method,reference,source');
    const audit = await ctx.store.db.selectFrom('audit_log').select(['partner_id', 'actor_account_id']).where('action', '=', 'data.exported').execute();
    expect(audit).to.deep.equal([{ partner_id: world.partnerA, actor_account_id: a.accountId }]);
  });

  it('the download needs the CSRF token and never answers an API key', async () => {
    expect((await download(a, 'wrong')).status).to.equal(403);
    const made = await createApiKey(ctx.store.db, { accountId: a.accountId, partnerId: world.partnerA, name: 'k', now: Date.now() });
    if (!made.ok) throw new Error(made.problem);
    const withKey = await request(tg.url).post('/partner-center/settings/data-export').set('Authorization', `Bearer ${made.key}`).type('form').send({});
    expect(withKey.status).to.equal(403);
    expect(withKey.body.error.code).to.equal('auth.api_key_not_allowed');
  });

  async function cli(args: string[]) {
    const io = captureIo();
    const code = await runCli(args, { stdout: io.stdout, stderr: io.stderr, stdin: Readable.from(['']), overrides: { env: { PARTNERGATE_LOG_LEVEL: 'silent', PARTNERGATE_ENV: 'test' }, store: ctx.store } });
    return { code, out: io.chunks.out, err: io.chunks.err };
  }
  const money = async (partnerId: number) => ({
    commissions: await ctx.store.db.selectFrom('commissions').select(['id', 'amount_cents', 'currency', 'transaction_at', 'status', 'payout_id']).where('partner_id', '=', partnerId).orderBy('id').execute(),
    payouts: await ctx.store.db.selectFrom('payouts').select(['id', 'amount_cents', 'currency', 'paid_at']).where('partner_id', '=', partnerId).orderBy('id').execute(),
  });

  it('partners erase --dry-run counts and changes nothing; erase replaces the personal data, ends every way in, keeps accounting, audited', async () => {
    const made = await createApiKey(ctx.store.db, { accountId: a.accountId, partnerId: world.partnerA, name: 'k', now: Date.now() });
    if (!made.ok) throw new Error(made.problem);
    await ctx.store.db.updateTable('partners').set({ paypal_email: 'pay-a@example.test', alias: 'Ace' }).where('id', '=', world.partnerA).execute();
    const before = await money(world.partnerA);
    const contactBefore = await ctx.store.db.selectFrom('contacts').innerJoin('partners', 'partners.contact_id', 'contacts.id').select(['contacts.first_name', 'contacts.email']).where('partners.id', '=', world.partnerA).executeTakeFirstOrThrow();

    const dry = await cli(['--json', 'partners', 'erase', String(world.partnerA), '--dry-run']);
    expect(dry.code, dry.err).to.equal(0);
    expect(JSON.parse(dry.out)).to.deep.include({ ok: true, dryRun: true, alreadyErased: false });
    expect(JSON.parse(dry.out).identity).to.include({ accounts: 1, sessions: 1, apiKeys: 1 });
    expect((await ctx.store.db.selectFrom('sessions').select('id_hash').execute()).length, 'dry run changed nothing').to.equal(1);

    const run = await cli(['--json', 'partners', 'erase', String(world.partnerA)]);
    expect(run.code, run.err).to.equal(0);
    expect(JSON.parse(run.out)).to.deep.include({ ok: true, dryRun: false, alreadyErased: false });

    const row = await ctx.store.db.selectFrom('partners as p').innerJoin('contacts as c', 'c.id', 'p.contact_id').select(['c.first_name', 'c.last_name', 'c.email', 'p.paypal_email', 'p.alias', 'p.status']).where('p.id', '=', world.partnerA).executeTakeFirstOrThrow();
    expect(row).to.deep.equal({ first_name: 'Erased', last_name: 'partner', email: null, paypal_email: null, alias: null, status: 'inactive' });
    expect(JSON.stringify(row)).not.to.include(contactBefore.first_name || '\u0000');
    const account = await ctx.store.db.selectFrom('accounts').selectAll().where('id', '=', a.accountId).executeTakeFirstOrThrow();
    expect(account).to.include({ email: `erased-${a.accountId}@erased.invalid`, password_hash: null, totp_secret: null, oidc_subject: null, wp_user_id: null });
    expect(account.disabled_at).to.be.a('number');
    expect(await ctx.store.db.selectFrom('sessions').select('id_hash').execute()).to.deep.equal([]);
    expect(await money(world.partnerA), 'accounting kept').to.deep.equal(before);
    const audit = await ctx.store.db.selectFrom('audit_log').select(['action', 'partner_id', 'details_json']).where('action', '=', 'partner.erased').execute();
    expect(audit.map((r) => r.partner_id)).to.deep.equal([world.partnerA]);
    expect(audit[0]!.details_json).not.to.include(email);
    expect((await cli(['--json', 'partners', 'erase', String(world.partnerA)])).out, 'a second run changes nothing').to.include('"alreadyErased": true');
    expect((await cli(['partners', 'erase', '999999'])).code, 'unknown partner').to.not.equal(0);

    // No way back in: password, the old cookie, the API key, and the email lookup of the WordPress hand-off and OIDC.
    const browser = newBrowser();
    const signIn = await signInWithForm(browser, tg.url, email, PASSWORD);
    expect(signIn.location ?? '').not.to.match(/partner-center/);
    expect((await request(tg.url).get('/partner-center/').set('Cookie', a.cookie).set('Accept', 'application/json')).status).to.equal(401);
    expect((await request(tg.url).get('/partner-center/api/reports/commissions').set('Authorization', `Bearer ${made.key}`)).status).to.equal(401);
    expect((await resolveAccountForEmail(ctx.store.db, email, Date.now())).kind).not.to.equal('ok');
    expect((await resolveAccountForEmail(ctx.store.db, account.email, Date.now())).kind).not.to.equal('ok');
  });

  it('an erasure that fails half-way leaves nothing half-erased (one transaction)', async () => {
    const before = await ctx.store.db.selectFrom('partners as p').innerJoin('contacts as c', 'c.id', 'p.contact_id').select(['c.first_name', 'c.email', 'p.status']).where('p.id', '=', world.partnerA).executeTakeFirstOrThrow();
    // The tombstone is written last: a trigger refusing it makes the erasure fail after everything else changed.
    const failOn = ctx.kind === 'sqlite'
      ? [sql`create trigger erase_fails before insert on partner_erasures begin select raise(abort, 'refused by the test'); end`]
      : [sql`create function erase_fails() returns trigger language plpgsql as $$ begin raise exception 'refused by the test'; end $$`, sql`create trigger erase_fails before insert on partner_erasures for each row execute function erase_fails()`];
    const cleanUp = ctx.kind === 'sqlite' ? [sql`drop trigger erase_fails`] : [sql`drop trigger erase_fails on partner_erasures`, sql`drop function erase_fails()`];
    for (const q of failOn) await q.execute(ctx.store.db);
    try {
      const failure = await erasePartner(ctx.store.db, { partnerId: world.partnerA, now: Date.now() }).then(() => undefined, (err: unknown) => err);
      expect(String(failure)).to.include('refused by the test');
    } finally {
      for (const q of cleanUp) await q.execute(ctx.store.db);
    }
    const after = await ctx.store.db.selectFrom('partners as p').innerJoin('contacts as c', 'c.id', 'p.contact_id').select(['c.first_name', 'c.email', 'p.status']).where('p.id', '=', world.partnerA).executeTakeFirstOrThrow();
    expect(after).to.deep.equal(before);
    expect((await ctx.store.db.selectFrom('sessions').select('id_hash').execute()).length).to.equal(1);
    const account = await ctx.store.db.selectFrom('accounts').select(['email', 'disabled_at']).where('id', '=', a.accountId).executeTakeFirstOrThrow();
    expect(account).to.deep.equal({ email, disabled_at: null });
  });

  it('the admin area erases with a typed confirmation, audited with the administrator', async () => {
    const admin = await adminSession(tg);
    const post = (confirm: string) =>
      request(tg.url).post(`/partner-center/admin/partners/${world.partnerA}/erase`).set('Cookie', admin.cookie).set('Origin', tg.url).set('Accept', 'application/json').type('form').send({ _csrf: admin.csrfToken, confirm_id: confirm });
    const wrong = await post('1');
    expect(wrong.status).to.equal(400);
    expect(wrong.body.error.field).to.equal('confirm_id');
    expect((await ctx.store.db.selectFrom('partner_erasures').selectAll().execute()).length).to.equal(0);
    const ok = await post(String(world.partnerA));
    expect(ok.status).to.equal(303);
    expect(ok.headers.location).to.equal(`/partner-center/admin/partners/${world.partnerA}?done=erased`);
    const audit = await ctx.store.db.selectFrom('audit_log').select(['actor_account_id']).where('action', '=', 'partner.erased').execute();
    expect(audit).to.deep.equal([{ actor_account_id: admin.accountId }]);
    const page = await request(tg.url).get(`/partner-center/admin/partners/${world.partnerA}`).set('Cookie', admin.cookie);
    expect(page.text).to.include('Erased partner');
  });
});

forEachStore('data rights: the Ontraport sync honours an erasure', (ctx) => {
  it('a full sync after the erasure leaves the erased name, email, PayPal email and status as they are', async () => {
    await clearTables(ctx.store);
    const emu = await startOntraportEmulator({ rateLimit: 400, rateWindowMs: 1000 });
    try {
      emu.seed({ programs: 1, partners: 3, contacts: 12, products: 1, purchases: 4, clawbacks: 0, openOrders: 0, promoTools: 1 });
      const deps = { store: ctx.store, client: clientFor(emu), logger: createLogger('silent') };
      expect((await runSync(deps, { full: true })).ok).to.equal(true);
      const partner = await ctx.store.db.selectFrom('partners as p').innerJoin('contacts as c', 'c.id', 'p.contact_id').select(['p.id', 'c.email', 'c.first_name']).where('p.status', '=', 'active').orderBy('p.id').executeTakeFirstOrThrow();
      expect(partner.email, 'the emulator gives partners an email').to.be.a('string');
      const amounts = await ctx.store.db.selectFrom('commissions').select(['id', 'amount_cents']).where('partner_id', '=', partner.id).orderBy('id').execute();
      await erasePartner(ctx.store.db, { partnerId: partner.id, now: Date.now() });
      const summary = await runSync(deps, { full: true });
      expect(summary.ok).to.equal(true);
      const after = await ctx.store.db.selectFrom('partners as p').innerJoin('contacts as c', 'c.id', 'p.contact_id').select(['c.first_name', 'c.last_name', 'c.email', 'p.paypal_email', 'p.status']).where('p.id', '=', partner.id).executeTakeFirstOrThrow();
      expect(after).to.deep.equal({ first_name: 'Erased', last_name: 'partner', email: null, paypal_email: null, status: 'inactive' });
      expect(await ctx.store.db.selectFrom('commissions').select(['id', 'amount_cents']).where('partner_id', '=', partner.id).orderBy('id').execute()).to.deep.equal(amounts);
    } finally {
      await emu.stop();
    }
  });
});
