/**
 * The admin area's pages as an administrator uses them: find partners, read a partner, the sync status, retry a
 * failed email, the migration journals, validate and reload the blocks file without a restart, and filter and
 * export the audit log (formula-guarded CSV). Every change is audited; every page is `no-store`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { ADMIN_BASE } from '../../src/admin-area/index.js';
import { signInAs } from '../support/gateway.js';
import { forEachStore } from '../support/store.js';
import { FIXED_NOW } from '../web/fixture.js';
import { adminAreaGateway } from './support.js';

const BOARD = (title: string) => `leaderboards:\n  reloaded-board:\n    title: "${title}"\n    rollup: earned_total\n    limit: 5\n    nav: true\n`;

forEachStore('admin area: pages', (ctx) => {
  // The blocks file the reload test rewrites: made before the gateway starts (it reads the file at start-up).
  const dir = mkdtempSync(join(tmpdir(), 'pg-admin-blocks-'));
  const blocksFile = join(dir, 'blocks.yaml');
  writeFileSync(blocksFile, 'presets: true\n');
  after(() => rmSync(dir, { recursive: true, force: true }));
  const t = adminAreaGateway(ctx, { PARTNERGATE_BLOCKS_CONFIG: blocksFile }, { now: () => FIXED_NOW });
  const actions = async () => (await ctx.store.db.selectFrom('audit_log').select('action').orderBy('id').execute()).map((r) => r.action);

  it('partners: search by name, email, referral code or id; filter by status and program; tier, last sign-in, balance', async () => {
    await ctx.store.db.insertInto('audit_log').values({ at: FIXED_NOW - 3_600_000, actor_account_id: t.fx.a.accountId, partner_id: t.fx.a.id, action: 'auth.sign_in', details_json: null, ip: null, request_id: null }).execute();
    for (const q of ['lovelace', 'ADA', '9001', String(t.fx.a.id)]) {
      const page = await t.get(`${ADMIN_BASE}/partners?q=${encodeURIComponent(q)}`);
      expect(page.status, q).to.equal(200);
      expect(page.headers['cache-control']).to.equal('no-store');
      expect(page.text, q).to.contain('Ada Lovelace');
      expect(page.text, q).to.not.contain('Bob Builder');
    }
    const wildcard = await t.get(`${ADMIN_BASE}/partners?q=${encodeURIComponent('%')}`);
    expect(wildcard.text, 'a % is a character, not a wildcard').to.contain('No partners match.');
    const silver = await t.get(`${ADMIN_BASE}/partners?program=${t.fx.programs.silver}`);
    expect(silver.text).to.contain('Bob Builder');
    expect(silver.text).to.not.contain('Ada Lovelace');
    await ctx.store.db.updateTable('partners').set({ status: 'inactive' }).where('id', '=', t.fx.b.id).execute();
    const inactive = await t.get(`${ADMIN_BASE}/partners?status=inactive`);
    expect(inactive.text).to.contain('Bob Builder');
    expect(inactive.text).to.not.contain('Ada Lovelace');
    // Balance: approved, unpaid sales and clawbacks, computed here from the fixture's rows.
    const owed = t.fx.commissions.filter((c) => c.partner_id === t.fx.a.id && c.status === 'approved' && c.kind !== 'refund' && c.payout_id === null).reduce((s, c) => s + c.amount_cents, 0);
    const all = await t.get(`${ADMIN_BASE}/partners`);
    const row = /<tr>\s*<th scope="row"><a href="[^"]*\/partners\/\d+">Ada Lovelace<\/a>[\s\S]*?<\/tr>/.exec(all.text)![0];
    expect(row).to.contain(`$${(owed / 100).toFixed(2)}`);
    expect(row).to.contain('main · level 1');
    expect(row).to.contain('Mar 15, 2026');
    const bad = await t.get(`${ADMIN_BASE}/partners?status=gone`).set('Accept', 'application/json');
    expect(bad.status).to.equal(400);
    expect(bad.body.error.field).to.equal('status');
  });

  it('a partner: profile, accounts, commissions, recent audit, and the view-as form', async () => {
    const page = await t.get(`${ADMIN_BASE}/partners/${t.fx.a.id}`);
    expect(page.status).to.equal(200);
    for (const text of ['Ada Lovelace', 'ada.pay@example.com', 'Affiliate', `action="${ADMIN_BASE}/partners/${t.fx.a.id}/view-as"`, '<caption']) expect(page.text).to.contain(text);
    expect(page.text).to.not.contain('bob.pay@example.com');
    expect((await t.get(`${ADMIN_BASE}/partners/999999`)).status).to.equal(404);
  });

  it('sync status: last and next run, errors, rate limit in use', async () => {
    await ctx.store.db.insertInto('sync_state').values({ object_type: 'contacts', last_dlm: 1, resume_start: 0, run_kind: null, run_started_at: null, last_completed_at: FIXED_NOW - 60_000, stats_json: JSON.stringify({ lastRun: { object: 'contacts', kind: 'incremental', status: 'failed', fetched: 3, upserted: 2, deleted: 0, skipped: 1, skippedRecords: [{ id: 77, reason: 'no email' }], error: { code: 'x', message: 'Ontraport answered 500' } } }) }).execute();
    await ctx.store.db.insertInto('job_leases').values([{ name: 'ontraport.rate|acct|0', holder: 'h', expires_at: FIXED_NOW + 30_000 }, { name: 'ontraport.rate|acct|1', holder: 'h', expires_at: FIXED_NOW - 1 }]).execute();
    const page = await t.get(`${ADMIN_BASE}/sync`);
    expect(page.status).to.equal(200);
    expect(page.text).to.contain('Ontraport answered 500');
    expect(page.text).to.contain('77: no email');
    expect(page.text).to.match(/data-testid="sync-errors">1</);
    expect(page.text).to.match(/data-testid="sync-rate">1 of 180 per minute</);
    expect(page.text).to.match(/data-testid="sync-next">not scheduled</);
  });

  it('email outbox: a failed email is retried once (audited); a sent one cannot be', async () => {
    const row = (status: 'failed' | 'sent', key: string) => ({ idempotency_key: key, to_address: `${key}@example.test`, template: 'password-reset', params_json: '{}', status, attempts: 5, last_error: status === 'failed' ? 'smtp said no' : null, message_id: null, created_at: FIXED_NOW, next_attempt_at: FIXED_NOW, sent_at: null });
    const [failed, sent] = await ctx.store.db.insertInto('email_outbox').values([row('failed', 'f1'), row('sent', 's1')]).returning('id').execute();
    const list = await t.get(`${ADMIN_BASE}/outbox?status=failed`);
    expect(list.text).to.contain('smtp said no');
    expect(list.text).to.contain(`action="${ADMIN_BASE}/outbox/${failed!.id}/retry"`);
    const retried = await t.post(`${ADMIN_BASE}/outbox/${failed!.id}/retry`);
    expect(retried.status).to.equal(303);
    const after = await ctx.store.db.selectFrom('email_outbox').select(['status', 'last_error']).where('id', '=', failed!.id).executeTakeFirstOrThrow();
    expect(after).to.deep.equal({ status: 'queued', last_error: null });
    expect(await actions()).to.include('admin.email_retried');
    expect((await t.post(`${ADMIN_BASE}/outbox/${failed!.id}/retry`)).status, 'no longer failed').to.equal(409);
    expect((await t.post(`${ADMIN_BASE}/outbox/${sent!.id}/retry`)).status).to.equal(409);
    const without = await t.post(`${ADMIN_BASE}/outbox/${sent!.id}/retry`, { _csrf: 'forged' });
    expect(without.status, 'CSRF').to.equal(403);
    expect((await actions()).filter((a) => a === 'admin.email_retried')).to.have.length(1);
  });

  it('migration journals: counts per step and the recorded verify result', async () => {
    await ctx.store.db.insertInto('migration_journal').values([
      { situation: 'situation-1', step: 'import-users', item_key: 'u1', status: 'done', details_json: null, at: FIXED_NOW },
      { situation: 'situation-1', step: 'import-users', item_key: 'u2', status: 'failed', details_json: '{"reason":"bad email"}', at: FIXED_NOW },
      { situation: 'situation-1', step: 'verify', item_key: '*', status: 'done', details_json: '{"mismatches":0,"checked":2}', at: FIXED_NOW },
    ]).execute();
    const page = await t.get(`${ADMIN_BASE}/journals`);
    expect(page.status).to.equal(200);
    expect(page.text).to.match(/import-users[\s\S]*?<td class="num">1<\/td><td class="num">1<\/td><td class="num">0<\/td>/);
    expect(page.text).to.contain('{&quot;mismatches&quot;:0,&quot;checked&quot;:2}');
  });

  it('blocks: validate changes nothing; reload serves a valid file without a restart and keeps the old one on errors', async () => {
    writeFileSync(blocksFile, BOARD('Reloaded board'));
    const validated = await t.post(`${ADMIN_BASE}/blocks/validate`);
    expect(validated.status).to.equal(200);
    expect(validated.text).to.contain('nothing was changed');
    const p = await signInAs(t.tg, t.fx.a.id);
    expect((await request(t.tg.url).get('/partner-center/leaderboard/reloaded-board').set('Cookie', p.cookie)).status, 'not yet').to.equal(404);
    expect((await t.post(`${ADMIN_BASE}/blocks/reload`)).status).to.equal(200);
    const board = await request(t.tg.url).get('/partner-center/leaderboard/reloaded-board').set('Cookie', p.cookie);
    expect(board.status).to.equal(200);
    expect(board.text).to.contain('Reloaded board');

    writeFileSync(blocksFile, 'leaderboards:\n  broken:\n    title: Broken\n    rollup: no_such_rollup\n');
    const refused = await t.post(`${ADMIN_BASE}/blocks/reload`);
    expect(refused.status).to.equal(422);
    expect(refused.text).to.contain('no_such_rollup');
    expect((await request(t.tg.url).get('/partner-center/leaderboard/reloaded-board').set('Cookie', p.cookie)).status, 'old one still serves').to.equal(200);
    expect(await actions()).to.include.members(['admin.blocks_validated', 'admin.blocks_reloaded']);
    writeFileSync(blocksFile, 'presets: true\n');
    await t.post(`${ADMIN_BASE}/blocks/reload`);
  });

  it('audit log: filters by action prefix, partner and dates; the CSV export is formula-guarded and audited', async () => {
    const at = Date.UTC(2026, 2, 10, 12);
    await ctx.store.db.insertInto('audit_log').values([
      { at, actor_account_id: t.admin.accountId, partner_id: t.fx.a.id, action: 'admin.view_as_started', details_json: '{"note":"=HYPERLINK(\\"http://evil\\")"}', ip: '=1+1', request_id: 'r1' },
      { at: at - 5 * 86_400_000, actor_account_id: null, partner_id: t.fx.b.id, action: 'auth.sign_in', details_json: null, ip: null, request_id: null },
    ]).execute();
    const byPrefix = await t.get(`${ADMIN_BASE}/audit?action=admin.`);
    expect(byPrefix.text).to.contain('<code>admin.view_as_started</code>');
    expect(byPrefix.text).to.not.contain('<code>auth.sign_in</code>');
    const byPartner = await t.get(`${ADMIN_BASE}/audit?partner=${t.fx.b.id}`);
    expect(byPartner.text).to.contain('<code>auth.sign_in</code>');
    expect(byPartner.text).to.not.contain('<code>admin.view_as_started</code>');
    const byDate = await t.get(`${ADMIN_BASE}/audit?from=2026-03-10&to=2026-03-10`);
    expect(byDate.text).to.contain('<code>admin.view_as_started</code>');
    expect(byDate.text).to.not.contain('<code>auth.sign_in</code>');
    const bad = await t.get(`${ADMIN_BASE}/audit?from=10.03.2026`).set('Accept', 'application/json');
    expect(bad.status).to.equal(400);
    expect(bad.body.error.field).to.equal('from');

    const csv = await t.get(`${ADMIN_BASE}/audit.csv?action=admin.view_as_started`).buffer(true).parse((res, cb) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString('utf8')));
      res.on('end', () => cb(null, text));
    });
    expect(csv.status).to.equal(200);
    expect(csv.headers['content-type']).to.match(/^text\/csv/);
    expect(csv.headers['cache-control']).to.equal('no-store');
    const lines = (csv.body as string).trim().split('\r\n');
    expect(lines[0]).to.equal('id,at_utc,action,actor,partner_id,details,ip,request_id');
    expect(lines).to.have.length(2);
    expect(lines[1]).to.contain(",'=1+1,");
    expect(lines[1]).to.contain('ops@example.test');
    expect(await actions()).to.include('admin.audit_exported');
  });
});
