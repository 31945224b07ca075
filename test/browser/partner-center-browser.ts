/**
 * The seeded partner center behind a gateway, an SMTP sink and headless Chromium signed in as partner A: what
 * the partner center browser tests share. SQLite only; the public origin is fixed so that links in emails and
 * screenshots do not change with the test port.
 */
import type { Browser } from 'playwright-core';
import { createTestStore, type TestStore } from '../support/store.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { launchChromium, signedInPage, type SignedInPage } from '../support/browser.js';
import { FIXED_NOW, seedPartnerCenter, type Fixture } from '../web/fixture.js';

/** The site's public origin in links and emails. */
export const SITE = 'http://acme.example';
/** Banner images live on the WordPress site, which these tests do not run. */
export const notServedHere = (url: string) => url.startsWith(SITE) || new URL(url).pathname.startsWith('/wp-content/');

export interface PartnerCenterBrowser {
  ts: TestStore;
  tg: TestGateway;
  sink: SmtpSink;
  fx: Fixture;
  browser: Browser;
  s: SignedInPage;
  close(): Promise<void>;
}

export async function openPartnerCenterBrowser(): Promise<PartnerCenterBrowser> {
  const ts = await createTestStore('sqlite');
  const fx = await seedPartnerCenter(ts.store);
  const sink = await startSmtpSink();
  const tg = await startTestGateway(ts.store, { PARTNERGATE_SMTP_URL: sink.url, PARTNERGATE_BRAND_NAME: 'Acme Partners', PARTNERGATE_PUBLIC_URL: SITE }, { now: () => FIXED_NOW });
  const browser = await launchChromium();
  const s = await signedInPage(browser, tg, fx.a.id, { ignore: notServedHere });
  return {
    ts, tg, sink, fx, browser, s,
    async close() {
      await browser.close();
      await tg.close();
      await sink.close();
      await ts.dispose();
    },
  };
}
