/**
 * Small fixtures for the sign-in tests: a program, a partner (contact + partner row) and optionally its account
 * with a password, plus a browser that signs in through the real form.
 */
import type { Store } from '../../../src/store/index.js';
import { createHandoffBinder } from '../../../src/auth/handoff-binding.js';
import { hashPassword } from '../../../src/accounts/index.js';
import { CookieBrowser } from '../../support/oidc-provider.js';

const hashes = new Map<string, Promise<string>>();
/** argon2 costs ~50 ms: hash each test password once per run. */
export function cachedHash(password: string): Promise<string> {
  let h = hashes.get(password);
  if (!h) hashes.set(password, (h = hashPassword(password)));
  return h;
}

export const PASSWORD = 'correct horse battery staple';

export interface SeededPartner {
  partnerId: number;
  contactId: number;
  programId: number;
  accountId?: number;
  email: string;
}

let codeSeq = 1000;

export async function seedPartner(
  store: Store,
  opts: { email: string; program?: string; password?: string | null; withAccount?: boolean; role?: 'partner' | 'admin'; status?: 'active' | 'inactive' },
): Promise<SeededPartner> {
  const { db } = store;
  const now = Date.now();
  const programName = opts.program ?? 'Affiliates';
  let program = await db.selectFrom('programs').select('id').where('name', '=', programName).executeTakeFirst();
  program ??= await db
    .insertInto('programs')
    .values({ ontraport_id: null, name: programName, currency: 'USD', tier_group: null, level_order: 1, rate_bp: 1000, rules_json: '{}', created_at: now, updated_at: now, synced_at: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const contact = await db
    .insertInto('contacts')
    .values({ ontraport_id: null, first_name: 'Pat', last_name: opts.email.split('@')[0]!, email: opts.email, first_referrer_id: null, last_referrer_id: null, added_at: now, updated_at: now, synced_at: null, first_referrer_ontraport_id: null, last_referrer_ontraport_id: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const partner = await db
    .insertInto('partners')
    .values({ contact_id: contact.id, referral_code: String(codeSeq++), program_id: program.id, paypal_email: null, status: opts.status ?? 'active', time_zone: null, alias: null, created_at: now, updated_at: now, synced_at: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const out: SeededPartner = { partnerId: partner.id, contactId: contact.id, programId: program.id, email: opts.email };
  if (opts.withAccount !== false) {
    const password = opts.password === undefined ? PASSWORD : opts.password;
    const account = await db
      .insertInto('accounts')
      .values({
        partner_id: partner.id,
        email: opts.email.toLowerCase(),
        role: opts.role ?? 'partner',
        password_hash: password === null ? null : await cachedHash(password),
        totp_secret: null,
        totp_enabled: 0,
        totp_recovery_json: null,
        oidc_subject: null,
        created_at: now,
        password_changed_at: null,
        disabled_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    out.accountId = account.id;
  }
  return out;
}

/** The `_csrf` value of the first form on a page. */
export function csrfIn(html: string): string {
  const m = /name="_csrf" value="([^"]*)"/.exec(html);
  if (!m) throw new Error(`no _csrf field in the page: ${html.slice(0, 200)}`);
  return m[1]!;
}

/** Opens `path` on the gateway, then posts its form with `fields` (plus the page's CSRF token). */
export async function submitForm(browser: CookieBrowser, base: string, pagePath: string, fields: Record<string, string>, postPath = pagePath.split('?')[0]!) {
  const page = await browser.request('GET', `${base}${pagePath}`);
  return browser.request('POST', `${base}${postPath}`, { _csrf: csrfIn(page.text), ...fields });
}

/** Signs in through the real form; returns the POST's response (303 on success). */
export async function signInWithForm(browser: CookieBrowser, base: string, email: string, password = PASSWORD, rd = '') {
  return submitForm(browser, base, `/sso/sign-in${rd ? `?rd=${encodeURIComponent(rd)}` : ''}`, { email, password, rd }, '/sso/sign-in');
}

/** Whether the browser is signed in (as a partner past two-factor): `/sso/session` answers 200. */
export async function sessionInfo(browser: CookieBrowser, base: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await browser.request('GET', `${base}/sso/session`, undefined, { accept: 'application/json' });
  return { status: res.status, body: JSON.parse(res.text || '{}') as Record<string, unknown> };
}

export function newBrowser(ip?: string): CookieBrowser {
  return new CookieBrowser(ip ? { 'x-forwarded-for': ip } : {});
}

/**
 * The binding cookie value the gateway's proxy sets when WordPress redirects a browser to this hand-off token
 * (what a browser that signed in to WordPress through the gateway carries back to `/sso/wordpress`).
 */
export function handoffBindingFor(secret: string, token: string): string | undefined {
  // A string no URL can carry (a lone surrogate) gets no binding: WordPress could never have redirected to it.
  let query: string;
  try {
    query = encodeURIComponent(token);
  } catch {
    return undefined;
  }
  const line = createHandoffBinder(secret, false).cookieForRedirect(`/sso/wordpress?token=${query}`);
  return line ? /^[^=]+=([^;]*)/.exec(line)![1] : undefined;
}

/** A `Cookie` header value carrying the hand-off binding for `token` (plus any other cookies given). */
export function handoffCookieHeader(secret: string, token: string, ...others: string[]): string {
  return [`pg_handoff=${handoffBindingFor(secret, token) ?? ''}`, ...others].join('; ');
}
