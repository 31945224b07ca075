/**
 * The MassPay page: download the file, upload PayPal's result, preview (nothing written), confirm (the payouts
 * are recorded once, audited with the administrator), and a second confirm of the same preview records nothing.
 */
import { expect } from 'chai';
import request from 'supertest';
import { ADMIN_BASE } from '../../src/admin-area/index.js';
import { signInAs } from '../support/gateway.js';
import { forEachStore } from '../support/store.js';
import { FIXED_NOW } from '../web/fixture.js';
import { adminAreaGateway, paypalResultFor } from './support.js';

forEachStore('admin area: MassPay confirmation', (ctx) => {
  const t = adminAreaGateway(ctx, {}, { now: () => FIXED_NOW });

  const download = async () => {
    const res = await request(t.tg.url).get(`${ADMIN_BASE}/exports/masspay.csv?currency=USD&threshold=0.01`).set('Cookie', t.admin.cookie).buffer(true).parse((r, cb) => {
      let t = '';
      r.on('data', (c: Buffer) => (t += c.toString('utf8')));
      r.on('end', () => cb(null, t));
    });
    expect(res.status).to.equal(200);
    return res.body as string;
  };
  const preview = (file: string) =>
    request(t.tg.url).post(`${ADMIN_BASE}/masspay/preview`).set('Cookie', t.admin.cookie).set('Origin', t.tg.url).field('_csrf', t.admin.csrfToken).attach('file', Buffer.from(file), { filename: 'paypal-result.csv', contentType: 'text/csv' });
  const confirm = (digest: string) => request(t.tg.url).post(`${ADMIN_BASE}/masspay/confirm`).set('Cookie', t.admin.cookie).set('Origin', t.tg.url).type('form').send({ _csrf: t.admin.csrfToken, upload: digest });

  it('upload, preview (nothing written), confirm (recorded once, audited)', async () => {
    const file = await download();
    const rows = file.trim().split('\r\n');
    expect(rows.length).to.be.greaterThan(0);
    const before = await ctx.store.db.selectFrom('payouts').select('id').execute();

    const shown = await preview(paypalResultFor(file));
    expect(shown.status, shown.text.slice(0, 500)).to.equal(200);
    expect(shown.text).to.contain('data-testid="masspay-preview"');
    expect(await ctx.store.db.selectFrom('payouts').select('id').execute(), 'a preview writes no payout').to.deep.equal(before);
    const digest = /name="upload" value="([0-9a-f]{64})"/.exec(shown.text)![1]!;

    const done = await confirm(digest);
    expect(done.status).to.equal(200);
    expect(done.text).to.contain('data-testid="masspay-confirmed"');
    const after = await ctx.store.db.selectFrom('payouts').select(['id', 'partner_id', 'amount_cents']).execute();
    expect(after.length - before.length).to.equal(rows.length);
    const audit = await ctx.store.db.selectFrom('audit_log').select(['action', 'actor_account_id']).where('action', 'in', ['payouts.masspay_confirm', 'admin.masspay_previewed']).orderBy('id').execute();
    expect(audit).to.deep.equal([
      { action: 'admin.masspay_previewed', actor_account_id: t.admin.accountId },
      { action: 'payouts.masspay_confirm', actor_account_id: t.admin.accountId },
    ]);

    const again = await confirm(digest).set('Accept', 'application/json');
    expect(again.status).to.equal(400);
    expect(again.body.error.field).to.equal('upload');
    expect(await ctx.store.db.selectFrom('payouts').select('id').execute()).to.have.length(after.length);
  });

  it('an unreadable or foreign result file is refused on the page, naming the rows; nothing written', async () => {
    const bad = await preview('Recipient,Amount,Currency,Status,Unique ID\r\nnobody@example.test,12.00,USD,Completed,999-1\r\n');
    expect(bad.status).to.equal(400);
    expect(bad.text).to.contain('row 2');
    expect(bad.text).to.contain('<h1>MassPay</h1>');
    const forged = await request(t.tg.url).post(`${ADMIN_BASE}/masspay/preview`).set('Cookie', t.admin.cookie).set('Origin', t.tg.url).field('_csrf', 'forged').attach('file', Buffer.from('x'), 'r.csv');
    expect(forged.status, 'the upload form is CSRF-checked').to.equal(403);
    expect(await ctx.store.db.selectFrom('audit_log').select('action').where('action', 'like', '%masspay%').execute()).to.have.length(0);
  });

  it('a partner session cannot upload (403 before the file is read)', async () => {
    const partner = await signInAs(t.tg, t.fx.a.id);
    const res = await request(t.tg.url).post(`${ADMIN_BASE}/masspay/preview`).set('Cookie', partner.cookie).set('Origin', t.tg.url).set('Accept', 'application/json').field('_csrf', partner.csrfToken).attach('file', Buffer.from('x'), 'r.csv');
    expect(res.status).to.equal(403);
    expect(res.body.error.code).to.equal('auth.forbidden');
  });
});
