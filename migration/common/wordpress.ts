/**
 * The legacy WordPress site, through wp-shim's admin-only REST routes (Application Password, HTTP Basic):
 * - `GET  /wp-json/partnergate/v1/export?page=&per_page=`: users (email, roles, wp-shim's partner verdict,
 *   PilotPress usermeta), the `pilotpress-settings` option, the legacy "Partner Center" page (slug
 *   `affiliate-center`, postmeta `_pilotpress_system_page`), the plr settings and wp-shim's own status;
 * - `POST /wp-json/partnergate/v1/settings`: changes wp-shim's switches and answers the previous values (kept by
 *   the migration for rollback). See wp-shim/includes/rest.php and settings.php for the contract.
 * Secrets in `pilotpress-settings` (the Ontraport API key, already redacted by wp-shim, and the app id) are
 * dropped before anything is stored.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import { AppError } from '../../src/common/index.js';

export interface WordPressTarget {
  url: string;
  user: string;
  appPassword: string;
}

export interface LegacyUser {
  id: number;
  login: string;
  email: string | null;
  displayName: string | null;
  roles: string[];
  /** wp-shim's verdict (usermeta `partnergate_partner`, PilotPress `program_id`, partner role...); null if not said. */
  partner: boolean | null;
  meta: Record<string, unknown>;
}

/**
 * The wp-shim switches a migration changes (option `partnergate_shim_settings`):
 * - `login_redirect`: `handoff` sends partners to the gateway after wp-login.php (signed hand-off to
 *   PARTNERGATE_URL); `wordpress` leaves it to WordPress/PilotPress (`pilotpress_affiliate_plr`).
 * - `legacy_page_301` + `legacy_page_target`: the legacy "Partner Center" page answers 301 to the target.
 */
export interface ShimSwitches {
  loginRedirect: 'handoff' | 'wordpress';
  legacyPage301: boolean;
  legacyPageTarget: string;
}

export interface ShimStatus {
  /** As stored in the option (what the migration changes and restores). */
  stored: ShimSwitches;
  /** As in force (a wp-config.php constant wins over the option). */
  effective: ShimSwitches;
  /** PARTNERGATE_URL in wp-config.php: where the hand-off sends partners. */
  gatewayUrl: string | null;
  /** PARTNERGATE_SHIM_SECRET is defined (the hand-off needs it). */
  secretConfigured: boolean;
}

export interface LegacyPage {
  id: number;
  slug: string;
  url: string;
  title: string;
  systemPage: string | null;
  status: string;
}

export interface LegacyExport {
  siteUrl: string | null;
  users: LegacyUser[];
  pilotpressSettings: Record<string, unknown> | null;
  partnerCenterPage: LegacyPage | null;
  plr: { affiliate: unknown; affiliateUrl: string | null; customer: unknown; customerUrl: string | null };
  shim: ShimStatus;
}

export interface LegacyWordPress {
  readonly url: string;
  /**
   * Reads the whole export. With `onUsers`, each page's users go there as they arrive and are not kept (the
   * result's `users` is then empty and `usersRead` says how many there were): 100,000 users never sit in memory.
   */
  exportLegacy(onProgress?: (users: number, total: number) => void, onUsers?: (users: LegacyUser[]) => Promise<void>): Promise<LegacyExport & { usersRead: number }>;
  /** The switches and the legacy page as they are now (one export page of one user). */
  state(): Promise<{ shim: ShimStatus; page: LegacyPage | null }>;
  /** Sets the switches; answers the values stored before (wp-shim's `previous`). */
  applySwitches(switches: ShimSwitches): Promise<{ previous: ShimSwitches | null }>;
  /** GET without following redirects (to see the legacy page's 301). */
  probe(url: string): Promise<{ status: number; location: string | null }>;
}

type Json = Record<string, unknown>;
const SECRET_SETTINGS = /^(api_key|app_id|apikey|appid)$/i;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);
const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);

export function parseSwitches(raw: unknown): ShimSwitches {
  const o = obj(raw) ?? {};
  return {
    loginRedirect: o.login_redirect === 'wordpress' ? 'wordpress' : 'handoff',
    legacyPage301: o.legacy_page_301 === true || o.legacy_page_301 === 1 || o.legacy_page_301 === '1',
    legacyPageTarget: typeof o.legacy_page_target === 'string' ? o.legacy_page_target : '',
  };
}

export function switchesBody(s: ShimSwitches): Json {
  return { login_redirect: s.loginRedirect, legacy_page_301: s.legacyPage301, legacy_page_target: s.legacyPageTarget };
}

function parseShim(raw: unknown): ShimStatus {
  const o = obj(raw) ?? {};
  return {
    stored: parseSwitches(o.settings),
    effective: parseSwitches(o.effective ?? o.settings),
    gatewayUrl: str(o.gateway_url),
    secretConfigured: o.secret_configured === true,
  };
}

function parseUser(raw: unknown): LegacyUser | null {
  const u = obj(raw);
  const id = Number(u?.id);
  if (!u || !Number.isSafeInteger(id) || id <= 0) return null;
  return {
    id,
    login: str(u.login) ?? String(id),
    email: str(u.email),
    displayName: str(u.display_name),
    roles: Array.isArray(u.roles) ? u.roles.map(String) : [],
    partner: typeof u.partner === 'boolean' ? u.partner : null,
    meta: obj(u.meta) ?? {},
  };
}

function parsePage(raw: unknown): LegacyPage | null {
  const p = obj(raw);
  if (!p) return null;
  return {
    id: Number(p.id) || 0,
    slug: str(p.slug) ?? 'affiliate-center',
    url: str(p.url) ?? '',
    title: str(p.title) ?? 'Partner Center',
    systemPage: str(p.system_page) || null,
    status: str(p.status) ?? 'publish',
  };
}

/** Reduces one page of wp-shim's export to the shape migrations use. */
export function parseExport(raw: unknown): LegacyExport & { page: number; pages: number } {
  const o = obj(raw);
  if (!o || !Array.isArray(o.users)) throw new AppError('upstream.unavailable', 'WordPress export: the answer is not wp-shim\'s export (is the plugin active and up to date?)');
  const settings = obj(o.pilotpress_settings);
  const plr = obj(o.plr) ?? {};
  return {
    siteUrl: str(obj(o.site)?.home),
    users: o.users.map(parseUser).filter((u): u is LegacyUser => u !== null),
    pilotpressSettings: settings ? Object.fromEntries(Object.entries(settings).filter(([k]) => !SECRET_SETTINGS.test(k))) : null,
    partnerCenterPage: parsePage(o.legacy_partner_center),
    plr: { affiliate: plr.affiliate_plr ?? null, affiliateUrl: str(plr.affiliate_plr_url), customer: plr.customer_plr ?? null, customerUrl: str(plr.customer_plr_url) },
    shim: parseShim(o.shim),
    page: Number(o.page) || 1,
    pages: Number(o.pages) || 1,
  };
}

function describeHttpError(url: string, err: unknown): AppError {
  const e = err as { response?: { status: number }; code?: string; message?: string };
  const status = e.response?.status;
  let message: string;
  if (status === 401 || status === 403) message = `WordPress at ${url} refused the Application Password (HTTP ${status}): check --wp-user and --wp-app-password (the user must be an administrator)`;
  else if (status === 404) message = `WordPress at ${url} has no partnergate REST route (HTTP 404): install and activate the wp-shim plugin`;
  else if (status) message = `WordPress at ${url} answered HTTP ${status}`;
  else message = `cannot reach WordPress at ${url}: ${e.code ?? e.message ?? 'error'}`;
  return new AppError('upstream.unavailable', message, { cause: err });
}

export function createLegacyWordPress(target: WordPressTarget, opts: { timeoutMs?: number; pageSize?: number } = {}): LegacyWordPress {
  const base = target.url.replace(/\/+$/, '');
  const http: AxiosInstance = axios.create({
    baseURL: `${base}/wp-json/partnergate/v1`,
    timeout: opts.timeoutMs ?? 60_000,
    auth: { username: target.user, password: target.appPassword },
    headers: { 'user-agent': 'partnergate-migration', accept: 'application/json' },
    maxRedirects: 0,
    // A migration talks to WordPress, then sends emails for minutes: a kept-alive socket would be stale by then
    // (the server closed it), and reusing it fails with ECONNRESET. One connection per request.
    httpAgent: new HttpAgent({ keepAlive: false }),
    httpsAgent: new HttpsAgent({ keepAlive: false }),
    // WordPress answers JSON errors with a body; we map the status ourselves.
    validateStatus: (s) => s >= 200 && s < 300,
  });
  return {
    url: base,
    async exportLegacy(onProgress, onUsers) {
      const perPage = opts.pageSize ?? 1000; // wp-shim allows up to 5000
      let first: ReturnType<typeof parseExport> | undefined;
      const users: LegacyUser[] = [];
      let read = 0;
      for (let page = 1; ; page++) {
        let data: unknown;
        try {
          ({ data } = await http.get('/export', { params: { page, per_page: perPage } }));
        } catch (err) {
          throw describeHttpError(base, err);
        }
        const parsed = parseExport(data);
        first ??= parsed;
        read += parsed.users.length;
        if (onUsers) await onUsers(parsed.users);
        else users.push(...parsed.users);
        onProgress?.(read, parsed.pages);
        if (page >= parsed.pages || parsed.users.length === 0) break;
      }
      const { page: _p, pages: _n, ...rest } = first!;
      return { ...rest, users, usersRead: read };
    },
    async state() {
      try {
        const { data } = await http.get('/export', { params: { page: 1, per_page: 1 } });
        const parsed = parseExport(data);
        return { shim: parsed.shim, page: parsed.partnerCenterPage };
      } catch (err) {
        throw err instanceof AppError ? err : describeHttpError(base, err);
      }
    },
    async applySwitches(switches) {
      try {
        const { data } = await http.post('/settings', switchesBody(switches));
        const previous = obj(data)?.previous;
        return { previous: previous === undefined ? null : parseSwitches(previous) };
      } catch (err) {
        throw describeHttpError(base, err);
      }
    },
    async probe(url) {
      try {
        // A plain request (no Application Password: the page may be served through the gateway, another origin).
        const res = await axios.get(url, { maxRedirects: 0, validateStatus: () => true, timeout: opts.timeoutMs ?? 30_000, responseType: 'text', headers: { 'user-agent': 'partnergate-migration' }, httpAgent: new HttpAgent({ keepAlive: false }), httpsAgent: new HttpsAgent({ keepAlive: false }) });
        return { status: res.status, location: typeof res.headers.location === 'string' ? res.headers.location : null };
      } catch (err) {
        throw describeHttpError(url, err);
      }
    },
  };
}
