/**
 * A partner switches the partner center to German in headless Chromium (an English browser, a fresh SQLite
 * store): the settings form saves the choice, the dashboard then speaks German with German dates and money,
 * and an email the partner receives (SMTP sink) is in German too.
 */
import { expect } from 'chai';
import type { TestGateway } from '../support/gateway.js';
import type { SmtpSink } from '../support/smtp-sink.js';
import { saveScreenshot, type SignedInPage } from '../support/browser.js';
import { PASSWORD_A, type Fixture } from '../web/fixture.js';
import { openPartnerCenterBrowser, type PartnerCenterBrowser } from './partner-center-browser.js';

describe('browser: a partner switches to German', function () {
  this.timeout(120_000);
  let pc: PartnerCenterBrowser | undefined;
  let tg: TestGateway;
  let sink: SmtpSink;
  let fx: Fixture;
  let s: SignedInPage;

  before(async () => {
    pc = await openPartnerCenterBrowser();
    ({ tg, sink, fx, s } = pc);
  });
  after(async () => {
    await pc?.close();
  });

  it('starts in English for an English browser', async () => {
    const { page } = s;
    await page.goto(`${tg.url}/partner-center/`);
    expect(await page.locator('html').getAttribute('lang')).to.equal('en');
    expect(await page.locator('h1').first().textContent()).to.equal('Dashboard');
  });

  it('chooses Deutsch in settings and sees the dashboard, its dates and money in German', async () => {
    const { page } = s;
    await page.goto(`${tg.url}/partner-center/settings`);
    await page.getByRole('combobox', { name: 'Language' }).selectOption({ label: 'Deutsch' });
    await page.getByRole('button', { name: 'Save language' }).click();
    await page.waitForURL(/done=language-changed/);
    expect(await page.locator('html').getAttribute('lang')).to.equal('de');
    expect(await page.locator('.flash').textContent()).to.equal('Ihre Sprache wurde gespeichert.');
    expect(await page.locator('h1').first().textContent()).to.equal('Einstellungen');

    await page.getByRole('navigation', { name: 'Partnerbereich' }).getByRole('link', { name: 'Übersicht', exact: true }).click();
    await page.waitForURL(`${tg.url}/partner-center/`);
    expect(await page.locator('html').getAttribute('lang')).to.equal('de');
    expect(await page.locator('h1').first().textContent()).to.equal('Übersicht');
    // The default 30-day period ends on FIXED_NOW (15 March 2026), written the German way.
    expect(await page.locator('#period-title').textContent()).to.match(/^Aktivität vom \d{1,2}\. [A-Za-zä]+\.? 2026 bis 15\. März 2026$/);
    expect(await page.getByTestId('earned-month').textContent()).to.match(/^[\d.]+,\d\d\s\$$/);
    expect(await page.getByText('Ihre Einnahmen').count()).to.equal(1);
    expect(s.problems, s.problems.join('\n')).to.deep.equal([]);
    await saveScreenshot(page, 'partner-center-dashboard-de');
  });

  it('receives the emails of a settings change in German', async () => {
    const { page } = s;
    const NEW = 'ada.neu@example.org';
    await page.goto(`${tg.url}/partner-center/settings`);
    await page.getByLabel('Neue PayPal-E-Mail').fill(NEW);
    await page.locator('#paypal_current_password').fill(PASSWORD_A);
    await page.getByRole('button', { name: 'PayPal-E-Mail ändern' }).click();
    await page.waitForURL(/done=paypal-sent/);
    // The pending change's deadline, as a German date and time in the partner's zone.
    expect(await page.getByTestId('paypal-pending').textContent()).to.match(/gültig bis 15\. März 2026, \d\d:\d\d/);

    const confirm = await sink.waitForMessage(NEW, { subject: /bestätigen/ });
    expect(confirm.subject).to.equal('Neue PayPal-E-Mail für Acme Partners bestätigen');
    expect(confirm.text).to.contain('Jemand (hoffentlich Sie) hat darum gebeten');
    expect(confirm.html).to.contain('<html lang="de">');
    const notice = await sink.waitForMessage(fx.a.paypal, { subject: /angefordert/ });
    expect(notice.subject).to.equal('Eine Änderung Ihrer PayPal-E-Mail wurde angefordert (Acme Partners)');
    expect(notice.text).to.not.match(/\bHello\b/);
  });
});
