/**
 * The admin area in headless Chromium (SQLite): an administrator created by the real CLI command signs in with
 * TOTP and lands in the admin area, finds a partner, views as that partner (bannered, audited, ended by the
 * button), sees a failed email and retries it, and confirms a MassPay payout from PayPal's result file. Every
 * admin page it passes has labelled inputs and tables with captions and scoped headers, and no page shows a
 * script error, CSP violation or failed request.
 */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { runCli } from '../../src/admin/cli/program.js';
import { currentTotpCode } from '../../src/auth/totp.js';
import { captureIo } from '../admin/support/fixtures.js';
import { paypalResultFor } from '../admin-area/support.js';
import { launchChromium, saveScreenshot } from '../support/browser.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createTestStore, type TestStore } from '../support/store.js';
import { seedPartnerCenter, type Fixture } from '../web/fixture.js';

const EMAIL = 'ops@example.test';
const PASSWORD = 'a long admin password 42';

/**
 * What an admin page must have for a screen reader and a keyboard: one h1, a main landmark, a label for every
 * field, a caption on every table and `scope="col"` on its column headers. Run in the page (a string: the test
 * build has no DOM types).
 */
const ACCESSIBILITY_PROBLEMS = `(() => {
  const out = [];
  if (document.querySelectorAll('h1').length !== 1) out.push('not exactly one h1');
  if (!document.querySelector('main#main')) out.push('no main landmark');
  for (const input of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    const id = input.getAttribute('id');
    if (!id || !document.querySelector('label[for="' + id + '"]')) out.push('field without a label: ' + input.outerHTML.slice(0, 80));
  }
  for (const table of document.querySelectorAll('table')) {
    if (!table.querySelector('caption')) out.push('table without a caption: ' + table.outerHTML.slice(0, 80));
    for (const th of table.querySelectorAll('thead th')) if (th.getAttribute('scope') !== 'col') out.push('header cell without scope="col"');
  }
  return out;
})()`;

const accessibilityProblems = (page: Page) => page.evaluate(ACCESSIBILITY_PROBLEMS) as Promise<string[]>;

/** Posts the partner's time-zone form the way a script on the page could; returns the status. */
const POST_TIME_ZONE_FORM = `(async () => {
  const form = document.querySelector('form[action="/partner-center/settings/time-zone"]');
  if (!form) return 'no form';
  const res = await fetch(form.action, { method: 'POST', body: new URLSearchParams(new FormData(form)), headers: { accept: 'application/json' } });
  return res.status;
})()`;

describe('browser: admin area', function () {
  this.timeout(120_000);
  let ts: TestStore;
  let tg: TestGateway;
  let fx: Fixture;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  /** The gateway's clock runs with the real one; the test moves it a TOTP step on so a new code is due. */
  let offset = 0;

  before(async () => {
    ts = await createTestStore('sqlite');
    fx = await seedPartnerCenter(ts.store);
    tg = await startTestGateway(ts.store, {}, { now: () => Date.now() + offset });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1200, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) problems.push(`${r.status()} ${r.url()}`);
    });
  });
  after(async () => {
    await browser?.close();
    await tg?.close();
    await ts?.dispose();
  });

  const adminPage = async (heading: string) => {
    expect(await page.locator('h1').textContent()).to.equal(heading);
    expect(await page.locator('nav[aria-label="Admin"] a[aria-current="page"]').count()).to.equal(1);
    expect(await accessibilityProblems(page)).to.deep.equal([]);
    expect(problems, problems.join('\n')).to.deep.equal([]);
  };
  const audited = async (action: string) => ts.store.db.selectFrom('audit_log').select(['actor_account_id', 'partner_id']).where('action', '=', action).execute();

  it('an administrator created by the CLI signs in with TOTP and lands in the admin area', async () => {
    const io = captureIo();
    const code = await runCli(['admin', 'create', '--email', EMAIL, '--password-stdin'], {
      stdout: io.stdout,
      stderr: io.stderr,
      stdin: Readable.from([`${PASSWORD}\n`]),
      overrides: { env: { PARTNERGATE_LOG_LEVEL: 'silent', PARTNERGATE_ENV: 'test', PARTNERGATE_PUBLIC_URL: tg.url }, store: ts.store },
    });
    expect(code, io.chunks.err).to.equal(0);

    const signIn = async () => {
      await page.goto(`${tg.url}/sso/sign-in`);
      await page.getByLabel('Email address').fill(EMAIL);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByLabel('Password').press('Enter');
    };
    // First sign-in: an administrator must enrol TOTP before anything else.
    await signIn();
    await page.waitForURL(/\/sso\/two-factor\/setup/);
    const secret = (await page.locator('#totp-secret').textContent())!.trim();
    await page.locator('input#code').fill(currentTotpCode(secret, Date.now() + offset));
    await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
    await page.getByRole('link', { name: 'I saved them, continue' }).click();
    await page.waitForURL(`${tg.url}/partner-center/admin/`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/signed-out/);

    // Signing in again asks for the code of the moment (the next step: each code works once).
    offset += 60_000;
    await signIn();
    await page.waitForURL(/\/sso\/two-factor\?/);
    await page.locator('input#code').fill(currentTotpCode(secret, Date.now() + offset));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${tg.url}/partner-center/admin/`);
    await adminPage('Admin');
    expect((await audited('auth.totp_passed')).length).to.equal(1);
  });

  it('finds a partner and views as that partner: bannered, read-only, audited start and end', async () => {
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Partners' }).click();
    await page.getByLabel('Name, email, referral code or id').fill('lovelace');
    await page.getByRole('button', { name: 'Search' }).click();
    await adminPage('Partners');
    expect(await page.locator('tbody tr').count()).to.equal(1);
    await saveScreenshot(page, 'admin-partners');
    await page.getByRole('link', { name: 'Ada Lovelace' }).click();
    await adminPage('Ada Lovelace');

    await page.getByRole('button', { name: 'View as Ada Lovelace' }).click();
    await page.waitForURL(`${tg.url}/partner-center/`);
    const banner = page.getByRole('region', { name: 'Viewing as a partner' });
    expect(await banner.textContent()).to.contain('Viewing as Ada Lovelace');
    expect(await audited('admin.view_as_started')).to.deep.equal([{ actor_account_id: (await audited('auth.totp_passed'))[0]!.actor_account_id, partner_id: fx.a.id }]);
    await page.getByRole('link', { name: 'Settings' }).first().click();
    expect(await banner.count()).to.equal(1);
    expect(await page.content()).to.contain('ada.pay@example.com');
    await saveScreenshot(page, 'admin-view-as-partner');
    // A change tried from the partner's own form is refused while viewing.
    const refused = await page.evaluate(POST_TIME_ZONE_FORM);
    expect(refused).to.equal(403);
    problems.length = 0; // that 403 was the point
    await banner.getByRole('button', { name: 'End view as partner' }).click();
    await page.waitForURL(/\/partner-center\/admin\/partners\/\d+\?done=view_ended/);
    expect(await page.getByRole('region', { name: 'Viewing as a partner' }).count()).to.equal(0);
    expect(await audited('admin.view_as_ended')).to.have.length(1);
  });

  it('sees a failed email in the outbox and retries it', async () => {
    const [row] = await ts.store.db
      .insertInto('email_outbox')
      .values({ idempotency_key: 'reset:ada', to_address: 'ada@example.com', template: 'password-reset', params_json: '{}', status: 'failed', attempts: 5, last_error: 'SMTP 550 mailbox unavailable', message_id: null, created_at: Date.now(), next_attempt_at: Date.now(), sent_at: null })
      .returning('id')
      .execute();
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Email outbox' }).click();
    await page.getByLabel('Status', { exact: true }).selectOption('failed');
    await page.getByRole('button', { name: 'Show' }).click();
    await adminPage('Email outbox');
    expect(await page.content()).to.contain('SMTP 550 mailbox unavailable');
    await page.getByRole('button', { name: `Retry email ${row!.id} to ada@example.com` }).click();
    expect(await page.getByRole('status').textContent()).to.contain('queued again');
    const after = await ts.store.db.selectFrom('email_outbox').select('status').where('id', '=', row!.id).executeTakeFirstOrThrow();
    expect(after.status).to.equal('queued');
    expect(await audited('admin.email_retried')).to.have.length(1);
  });

  it('downloads the MassPay file, uploads PayPal\'s result, previews and confirms the payouts', async () => {
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'MassPay' }).click();
    await adminPage('MassPay');
    await page.getByLabel('Threshold').fill('0.01');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download MassPay file' }).click()]);
    const file = readFileSync((await download.path())!, 'utf8');
    const payees = file.trim().split(/\r?\n/).length;
    expect(payees).to.be.greaterThan(0);
    const paidBefore = (await ts.store.db.selectFrom('payouts').select('id').execute()).length;

    await page.getByLabel('PayPal result file (CSV)').setInputFiles({ name: 'paypal-result.csv', mimeType: 'text/csv', buffer: Buffer.from(paypalResultFor(file)) });
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByTestId('masspay-preview');
    expect(await preview.textContent()).to.contain(`${payees} payout(s) to record`);
    expect(await accessibilityProblems(page)).to.deep.equal([]);
    expect((await ts.store.db.selectFrom('payouts').select('id').execute()).length, 'nothing recorded by the preview').to.equal(paidBefore);
    await saveScreenshot(page, 'admin-masspay-preview');

    await page.getByRole('button', { name: `Confirm and record ${payees} payout(s)` }).click();
    expect(await page.getByTestId('masspay-confirmed').textContent()).to.contain(`${payees} payout(s) recorded`);
    expect((await ts.store.db.selectFrom('payouts').select('id').execute()).length).to.equal(paidBefore + payees);
    expect(await audited('payouts.masspay_confirm')).to.have.length(1);
    expect(problems, problems.join('\n')).to.deep.equal([]);
  });
});
