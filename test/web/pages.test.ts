/**
 * Partner center pages on both stores, as partner A of the fixture: every figure is checked against numbers
 * computed from the inserted rows. Partner B's isolation is in isolation.test.ts, settings in settings.test.ts.
 */
import { expect } from 'chai';
import { forEachStore } from '../support/store.js';
import type { TestGateway } from '../support/gateway.js';
import { DAY, testId, usd, type Fixture } from './fixture.js';
import { openPartnerCenter, activity, decode, flash, getPage, isEarned, nyMidnight, of, sum, tableRows, within } from './helpers.js';

forEachStore('partner center pages', (ctx) => {
  let tg: TestGateway;
  let fx: Fixture;
  let cookie: string;
  const get = (path: string) => getPage(tg, cookie, path);

  before(async () => {
    ({ tg, fx, cookie } = await openPartnerCenter(ctx.store, { PARTNERGATE_DEFAULT_TIME_ZONE: 'UTC' }));
  });
  after(async () => {
    await tg?.close();
  });

  it('sends a visitor without a session to sign in', async () => {
    const res = await getPage(tg, '', '/partner-center/earnings');
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal('/sso/sign-in?rd=%2Fpartner-center%2Fearnings');
  });

  describe('dashboard', () => {
    it('shows this month, all time and totals by status', async () => {
      const res = await get('/partner-center/');
      expect(res.status).to.equal(200);
      const a = of(fx, fx.a.id).commissions;
      // March 2026 in New York: 1 March 05:00 UTC (EST) to 1 April 04:00 UTC (EDT).
      const month = a.filter((c) => isEarned(c) && within(c.transaction_at, nyMidnight('2026-03-01'), nyMidnight('2026-04-01')));
      expect(testId(res.text, 'earned-month')).to.equal(usd(sum(month.map((c) => c.amount_cents))));
      expect(testId(res.text, 'earned-all')).to.equal(usd(sum(a.filter(isEarned).map((c) => c.amount_cents))));
      expect(testId(res.text, 'pending')).to.equal(usd(sum(a.filter((c) => c.status === 'pending').map((c) => c.amount_cents))));
      expect(testId(res.text, 'approved')).to.equal(usd(sum(a.filter((c) => c.status === 'approved').map((c) => c.amount_cents))));
      expect(testId(res.text, 'paid')).to.equal(usd(sum(a.filter((c) => c.status === 'paid').map((c) => c.amount_cents))));
      expect(usd(sum(a.filter((c) => c.status === 'paid').map((c) => c.amount_cents)))).to.equal(usd(sum(of(fx, fx.a.id).payouts.map((p) => p.amount_cents))));
    });

    it('counts clicks, leads and sales of the last 30 local days by default', async () => {
      const res = await get('/partner-center/');
      // Today is 15 March in New York: the default period is 14 February to 15 March, local days.
      const want = activity(fx, fx.a.id, nyMidnight('2026-02-14'), nyMidnight('2026-03-16'));
      expect(testId(res.text, 'clicks')).to.equal(String(want.clicks));
      expect(testId(res.text, 'leads')).to.equal(String(want.leads));
      expect(testId(res.text, 'sales')).to.equal(String(want.sales));
      expect(testId(res.text, 'period-earned')).to.equal(usd(want.earned));
      expect(testId(res.text, 'period-pending')).to.equal(usd(want.pending));
      expect(testId(res.text, 'conversion')).to.equal(`${((want.sales / want.clicks) * 100).toFixed(1)}%`);
    });

    it('counts a chosen period', async () => {
      const res = await get('/partner-center/?from=2026-03-13&to=2026-03-14');
      expect(res.status).to.equal(200);
      const want = activity(fx, fx.a.id, nyMidnight('2026-03-13'), nyMidnight('2026-03-15'));
      expect(want.clicks).to.be.greaterThan(0);
      expect(testId(res.text, 'clicks')).to.equal(String(want.clicks));
      expect(testId(res.text, 'sales')).to.equal(String(want.sales));
      expect(testId(res.text, 'leads')).to.equal(String(want.leads));
    });

    it('shows the program, its rate and the next tier level', async () => {
      const res = await get('/partner-center/');
      expect(testId(res.text, 'program')).to.equal('Affiliate');
      expect(testId(res.text, 'rate')).to.equal('20%');
      expect(testId(res.text, 'next-tier')).to.contain('Silver Partner').and.contain('25%');
      expect(res.text).to.match(/aria-current="step"[^>]*>\s*<span class="tier-name">Affiliate/);
    });

    it('says what the next level needs under the tier rules (shipped preset: $10,000 earned moves level 1 up)', async () => {
      const res = await get('/partner-center/');
      const earned = sum(of(fx, fx.a.id).commissions.filter(isEarned).map((c) => c.amount_cents));
      expect(testId(res.text, 'tier-rule')).to.equal('Commissions earned reached $10,000');
      expect(testId(res.text, 'tier-needs')).to.equal(usd(1_000_000 - earned));
      expect(testId(res.text, 'next-tier')).to.contain(`you are at ${usd(earned)} of $10,000.00`);
    });

    for (const [query, message] of [
      ['from=2026-03-10&to=2026-03-01', /2026-03-10 is after to: 2026-03-01/],
      ['from=1850-01-01', /not a real date between 1970 and 2100/],
      ['to=2026-02-30', /not a real date/],
      ['from=yesterday', /YYYY-MM-DD/],
    ] as const) {
      it(`explains a bad period (${query}) and still shows the page with the default period`, async () => {
        const res = await get(`/partner-center/?${query}`);
        expect(res.status).to.equal(400);
        expect(flash(res.text)).to.match(message);
        expect(testId(res.text, 'earned-all')).to.match(/^\$/);
        const want = activity(fx, fx.a.id, nyMidnight('2026-02-14'), nyMidnight('2026-03-16'));
        expect(testId(res.text, 'clicks')).to.equal(String(want.clicks));
      });
    }

    it('marks the current nav item and links the money exports', async () => {
      const res = await get('/partner-center/');
      expect(res.text).to.match(/<a href="\/partner-center\/" aria-current="page">Dashboard<\/a>/);
      expect(decode(res.text)).to.contain('href="/partner-center/exports/commissions.csv?from=2026-02-14&to=2026-03-15"');
      expect(res.text).to.contain('href="/partner-center/leaderboard"');
    });
  });

  describe('referred contacts', () => {
    const purchases = (contactId: number) => of(fx, fx.a.id).commissions.filter((c) => c.contact_id === contactId && c.kind === 'sale').length;

    it('lists contacts with A as first referrer, newest first, with purchase counts', async () => {
      const res = await get('/partner-center/contacts');
      expect(res.status).to.equal(200);
      const want = fx.contacts.filter((c) => c.first === fx.a.id).sort((x, y) => y.added_at - x.added_at);
      expect(tableRows(res.text).map((r) => [r[0], r[2]])).to.deep.equal(want.map((c) => [c.name, String(purchases(c.id))]));
    });

    it('lists contacts with A as last referrer', async () => {
      const res = await get('/partner-center/contacts?as=last');
      const want = fx.contacts.filter((c) => c.last === fx.a.id).sort((x, y) => y.added_at - x.added_at);
      expect(tableRows(res.text).map((r) => r[0])).to.deep.equal(want.map((c) => c.name));
      expect(want.map((c) => c.name)).to.include('Finn Larsen');
      expect(res.text).to.match(/aria-current="page">As last referrer/);
    });

    it('filters by the date added', async () => {
      const res = await get('/partner-center/contacts?as=last&from=2026-03-09&to=2026-03-15');
      const want = fx.contacts.filter((c) => c.last === fx.a.id && within(c.added_at, nyMidnight('2026-03-09'), nyMidnight('2026-03-16')));
      expect(tableRows(res.text).map((r) => r[0]).sort()).to.deep.equal(want.map((c) => c.name).sort());
      expect(want.length).to.be.greaterThan(0).and.lessThan(fx.contacts.filter((c) => c.last === fx.a.id).length);
    });

    it('explains an unknown list name and a huge page number, and shows page 1', async () => {
      const res = await get('/partner-center/contacts?as=sideways&page=99999999999');
      expect(res.status).to.equal(400);
      expect(flash(res.text)).to.contain('List: "sideways" is not one of first, last').and.contain('page numbers stop at 1000');
      expect(tableRows(res.text)).to.have.length(3);
    });

    it('explains a page past the end of the list', async () => {
      const res = await get('/partner-center/contacts?page=7');
      expect(res.status).to.equal(400);
      expect(flash(res.text)).to.equal('Page: there is no page 7 in this list; showing page 1.');
      expect(tableRows(res.text)).to.have.length(3);
    });
  });

  describe('commissions', () => {
    const a = () => of(fx, fx.a.id).commissions;

    it('pending: the total on top and the rows newest first', async () => {
      const res = await get('/partner-center/commissions/pending');
      expect(res.status).to.equal(200);
      const pending = a().filter((c) => c.status === 'pending').sort((x, y) => y.transaction_at - x.transaction_at);
      expect(testId(res.text, 'total-pending')).to.equal(usd(sum(pending.map((c) => c.amount_cents))));
      expect(tableRows(res.text).map((r) => r[1])).to.deep.equal(pending.map((c) => usd(c.amount_cents)));
      expect(tableRows(res.text)[0]).to.deep.equal(['Mar 14, 2026', usd(1000), 'Cara Mills', 'Online Course']);
      // The download holds what the list holds: the same status.
      expect(decode(res.text)).to.match(/\/partner-center\/exports\/commissions\.csv\?from=\d{4}-\d\d-\d\d&to=2026-03-15&status=pending"/);
    });

    it('history: paid commissions by date paid, newest first', async () => {
      const res = await get('/partner-center/commissions/paid');
      const paid = a().filter((c) => c.status === 'paid').sort((x, y) => y.paid_at! - x.paid_at! || y.id - x.id);
      expect(tableRows(res.text).map((r) => r[1])).to.deep.equal(paid.map((c) => usd(c.amount_cents)));
      expect(testId(res.text, 'total-paid')).to.equal(usd(sum(paid.map((c) => c.amount_cents))));
    });

    it('all: filtered by status', async () => {
      for (const status of ['approved', 'declined', 'refunded'] as const) {
        const res = await get(`/partner-center/commissions?status=${status}`);
        const want = a().filter((c) => c.status === status).sort((x, y) => y.transaction_at - x.transaction_at);
        expect(tableRows(res.text).map((r) => r[1]), status).to.deep.equal(want.map((c) => usd(c.amount_cents)));
        expect(decode(res.text), status).to.match(new RegExp(`/partner-center/exports/commissions\\.csv\\?from=[^"]*&status=${status}"`));
      }
      const all = await get('/partner-center/commissions');
      expect(tableRows(all.text)).to.have.length(a().length);
      expect(decode(all.text)).not.to.contain('status=');
    });

    it('all: an unknown status is explained and every commission is listed', async () => {
      const res = await get('/partner-center/commissions?status=lost');
      expect(res.status).to.equal(400);
      expect(flash(res.text)).to.contain('Status: "lost" is not one of');
      expect(tableRows(res.text)).to.have.length(a().length);
    });

    it('a date range filters by transaction date', async () => {
      const res = await get('/partner-center/commissions?from=2026-03-01&to=2026-03-15');
      const want = a().filter((c) => within(c.transaction_at, nyMidnight('2026-03-01'), nyMidnight('2026-03-16')));
      expect(tableRows(res.text)).to.have.length(want.length);
    });
  });

  describe('commissions for a product', () => {
    it('shows the last 30 days of one product, scoped to the partner', async () => {
      const res = await get(`/partner-center/products/${fx.products.course}`);
      expect(res.status).to.equal(200);
      const rows = of(fx, fx.a.id).commissions.filter((c) => c.product_id === fx.products.course && within(c.transaction_at, nyMidnight('2026-02-14'), nyMidnight('2026-03-16')));
      expect(testId(res.text, 'product-sales')).to.equal(String(rows.filter((c) => c.kind === 'sale' && c.status !== 'declined').length));
      expect(testId(res.text, 'product-earned')).to.equal(usd(sum(rows.filter(isEarned).map((c) => c.amount_cents))));
      expect(testId(res.text, 'product-pending')).to.equal(usd(sum(rows.filter((c) => c.status === 'pending').map((c) => c.amount_cents))));
      expect(tableRows(res.text)).to.have.length(rows.length);
      // Its download is this product's commissions over the same range, no others.
      const link = `/partner-center/exports/commissions.csv?from=2026-02-14&to=2026-03-15&product=${fx.products.course}`;
      expect(decode(res.text)).to.contain(`href="${link}"`);
      const csv = await get(link);
      expect(csv.status).to.equal(200);
      const lines = csv.text.trim().split('\r\n').slice(1);
      expect(lines).to.have.length(rows.length);
      for (const line of lines) expect(line).to.contain(',Online Course,');
    });

    it('takes a chosen range', async () => {
      const res = await get(`/partner-center/products/${fx.products.membership}?from=2025-01-01&to=2026-03-15`);
      const rows = of(fx, fx.a.id).commissions.filter((c) => c.product_id === fx.products.membership && within(c.transaction_at, nyMidnight('2025-01-01'), nyMidnight('2026-03-16')));
      expect(tableRows(res.text)).to.have.length(rows.length);
    });

    for (const id of ['99999', 'abc', '0', '-1', '1e3', '999999999999999999999']) {
      it(`answers 404 for product "${id}"`, async () => {
        const res = await get(`/partner-center/products/${id}`);
        expect(res.status).to.equal(404);
        expect(res.text).to.contain('Page not found');
      });
    }
  });

  describe('subscriptions', () => {
    it('lists active open orders, next charge first, with the commission total', async () => {
      const res = await get('/partner-center/subscriptions');
      expect(res.status).to.equal(200);
      const active = fx.openOrders.filter((o) => o.partner_id === fx.a.id && o.status === 'active').sort((x, y) => x.next_charge_at! - y.next_charge_at!);
      expect(tableRows(res.text).map((r) => r[3])).to.deep.equal(active.map((o) => usd(o.commission_cents)));
      expect(testId(res.text, 'subscription-summary')).to.equal(`${active.length} active; next charges bring you ${usd(sum(active.map((o) => o.commission_cents)))}.`);
    });
  });

  describe('earnings ledger', () => {
    /** The ledger from the rows: entries dated processed_at (payouts paid_at), balance = earned - paid so far. */
    function expectedLedger(start: number, end: number) {
      const p = of(fx, fx.a.id);
      const entries: Array<{ at: number; amount: number; order: number; id: number }> = [];
      for (const c of p.commissions) {
        const at = c.processed_at ?? c.transaction_at;
        if (isEarned(c)) entries.push({ at, amount: c.amount_cents, order: c.kind === 'clawback' ? 2 : 0, id: c.id });
        if (c.kind === 'sale' && c.status === 'refunded') {
          entries.push({ at, amount: c.amount_cents, order: 0, id: c.id }, { at, amount: -c.amount_cents, order: 1, id: c.id });
        }
      }
      for (const po of p.payouts) entries.push({ at: po.paid_at, amount: -po.amount_cents, order: 3, id: po.id });
      entries.sort((x, y) => x.at - y.at || x.order - y.order || x.id - y.id);
      const opening = sum(entries.filter((e) => e.at < start).map((e) => e.amount));
      const inRange = entries.filter((e) => within(e.at, start, end));
      let balance = opening;
      const rows = inRange.map((e) => ({ amount: e.amount, balance: (balance += e.amount) }));
      return { opening, closing: balance, rows: rows.reverse() };
    }

    it('shows a range newest first with a running balance', async () => {
      const res = await get('/partner-center/earnings?from=2025-12-16&to=2026-03-15');
      expect(res.status).to.equal(200);
      const want = expectedLedger(nyMidnight('2025-12-16'), nyMidnight('2026-03-16'));
      expect(testId(res.text, 'opening')).to.equal(usd(want.opening));
      expect(testId(res.text, 'closing')).to.equal(usd(want.closing));
      expect(tableRows(res.text).map((r) => [r[3], r[4]])).to.deep.equal(want.rows.map((r) => [usd(r.amount), usd(r.balance)]));
      // The closing balance is what is earned and not yet paid out.
      const p = of(fx, fx.a.id);
      expect(want.closing).to.equal(sum(p.commissions.filter(isEarned).map((c) => c.amount_cents)) - sum(p.payouts.map((x) => x.amount_cents)));
      expect(decode(res.text)).to.contain('/partner-center/exports/refunds.csv?from=2025-12-16&to=2026-03-15');
      expect(decode(res.text)).to.contain('/partner-center/exports/payments.csv?from=2025-12-16&to=2026-03-15');
    });

    it('defaults to the last 30 local days', async () => {
      const res = await get('/partner-center/earnings');
      const want = expectedLedger(nyMidnight('2026-02-14'), nyMidnight('2026-03-16'));
      expect(testId(res.text, 'opening')).to.equal(usd(want.opening));
      expect(tableRows(res.text)).to.have.length(want.rows.length);
      expect(decode(res.text)).to.contain('/partner-center/exports/payments.csv?from=2026-02-14&to=2026-03-15');
    });

    it('starts a later range from the balance carried over', async () => {
      const res = await get('/partner-center/earnings?from=2026-02-20&to=2026-03-15');
      const want = expectedLedger(nyMidnight('2026-02-20'), nyMidnight('2026-03-16'));
      expect(want.opening).to.not.equal(0);
      expect(testId(res.text, 'opening')).to.equal(usd(want.opening));
      expect(tableRows(res.text).map((r) => r[4])).to.deep.equal(want.rows.map((r) => usd(r.balance)));
    });

    it('shows a refund before payout as its commission and the refund, leaving the balance unchanged', async () => {
      const res = await get('/partner-center/earnings?from=2026-03-09&to=2026-03-09');
      const refunded = of(fx, fx.a.id).commissions.find((c) => c.status === 'refunded')!;
      expect(refunded.processed_at! - nyMidnight('2026-03-09')).to.be.within(0, DAY);
      const rows = tableRows(res.text);
      expect(rows.map((r) => [r[1], r[3]])).to.deep.equal([['Refund', usd(-refunded.amount_cents)], ['Commission (refunded)', usd(refunded.amount_cents)]]);
      expect(testId(res.text, 'opening')).to.equal(testId(res.text, 'closing'));
    });
  });

  describe('export links', () => {
    it('every CSV link on a page that lists money answers a CSV from src/reports', async () => {
      const links = new Set<string>();
      const pages = ['/partner-center/', '/partner-center/contacts', '/partner-center/commissions/pending', '/partner-center/commissions/paid', '/partner-center/commissions', `/partner-center/products/${fx.products.course}`, '/partner-center/earnings', '/partner-center/reports', '/partner-center/links'];
      for (const path of pages) {
        const found = [...decode((await get(path)).text).matchAll(/href="(\/partner-center\/exports\/[a-z]+\.csv\?from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}(?:&status=[a-z]+|&product=\d+)?)"/g)].map((m) => m[1]!);
        expect(found.length, path).to.be.greaterThan(0);
        for (const l of found) links.add(l);
      }
      expect([...links].map((l) => /exports\/([a-z]+)\.csv/.exec(l)![1]).sort()).to.include.members(['commissions', 'contacts', 'payments', 'refunds', 'report']);
      for (const link of links) {
        const res = await get(link);
        expect(res.status, link).to.equal(200);
        expect(res.headers['content-type'], link).to.match(/^text\/csv/);
      }
    });
  });
});
