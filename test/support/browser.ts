/**
 * Headless Chromium (Debian's /usr/bin/chromium) through playwright-core, for browser tests.
 *
 * - `launchChromium()`: a browser with the flags that keep it quiet and offline (no sandbox, no GPU, no
 *   background networking, updates, sync or QUIC). Close it in `after()`.
 * - `signedInPage(browser, tg, partnerId, { viewport })`: a fresh context carrying the partner's session cookie
 *   (as `signInAs` opens it), a page, and `problems`: console errors, page errors, CSP violations and 4xx/5xx
 *   responses seen by that page (`ignore` filters URLs the test does not serve, e.g. WordPress images).
 * - `saveScreenshot(page, name)`: writes `test-output/screenshots/<name>.png` (git-ignored); copies it to
 *   `docs/screenshots/<name>.png` (committed) when that is missing or PARTNERGATE_UPDATE_SCREENSHOTS=1.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { signInAs, type TestGateway } from './gateway.js';

export const chromiumPath = '/usr/bin/chromium';
export const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
}

export interface SignedInPage {
  context: BrowserContext;
  page: Page;
  problems: string[];
}

export async function signedInPage(
  browser: Browser,
  tg: TestGateway,
  partnerId: number,
  opts: { viewport?: { width: number; height: number }; ignore?: (url: string) => boolean; isMobile?: boolean } = {},
): Promise<SignedInPage> {
  const { cookieValue } = await signInAs(tg, partnerId);
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1100, height: 900 }, isMobile: opts.isMobile, hasTouch: opts.isMobile });
  await context.addCookies([{ name: tg.gateway.deps.cookies.session, value: cookieValue, domain: new URL(tg.url).hostname, path: '/', httpOnly: true, sameSite: 'Lax' }]);
  const page = await context.newPage();
  const problems: string[] = [];
  const ignored = (url: string) => url.endsWith('/favicon.ico') || (opts.ignore?.(url) ?? false);
  page.on('console', (m) => {
    // Failed loads are reported by URL from the response handler (so ignored URLs stay ignored).
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400 && !ignored(r.url())) problems.push(`${r.status()} ${r.url()}`);
  });
  return { context, page, problems };
}

const outputDir = join(process.cwd(), 'test-output', 'screenshots');
const docsDir = join(process.cwd(), 'docs', 'screenshots');

/**
 * Screenshots go to test-output/screenshots on every run. docs/screenshots (tracked) gets a page's first
 * screenshot, and new ones only with PARTNERGATE_UPDATE_SCREENSHOTS=1: a test run leaves a clean clone clean
 * (a PNG of the same page differs byte for byte between runs).
 */
export async function saveScreenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<string> {
  mkdirSync(outputDir, { recursive: true });
  const file = join(outputDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: opts.fullPage ?? true, animations: 'disabled' });
  const documented = join(docsDir, `${name}.png`);
  if (process.env.PARTNERGATE_UPDATE_SCREENSHOTS === '1' || !existsSync(documented)) {
    mkdirSync(docsDir, { recursive: true });
    copyFileSync(file, documented);
  }
  return file;
}
