/**
 * The legacy WordPress site, through wp-shim's admin-only REST routes (Application Password, HTTP Basic):
 * - `GET  /wp-json/partnergate/v1/export`: users (email, roles, PilotPress usermeta), the `pilotpress-settings`
 *   option, the legacy "Partner Center" page (slug `affiliate-center`, postmeta `_pilotpress_system_page`), the
 *   plr settings and the current state of wp-shim's switches;
 * - `POST /wp-json/partnergate/v1/settings`: sets the post-login redirect and the legacy page's 301 and answers
 *   the previous values (kept by the migration for rollback).
 * The answer is read tolerantly (a few spellings of each key) and reduced to {@link LegacyExport}; secrets in
 * `pilotpress-settings` (the Ontraport API key and app id) are dropped before anything is stored.
 */
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
  meta: Record<string, unknown>;
}

/** wp-shim's two switches; null = off (WordPress behaves as PilotPress left it). */
export interface LegacySwitches {
  postLoginRedirect: string | null;
  legacyPageRedirect: string | null;
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
  plr: { affiliate: unknown; customer: unknown };
  switches: LegacySwitches;
}

export interface LegacyWordPress {
  readonly url: string;
  exportLegacy(onProgress?: (users: number, total: number) => void): Promise<LegacyExport>;
  /** The switches and the legacy page as they are now (the first export page only, one user). */
  state(): Promise<{ switches: LegacySwitches; page: LegacyPage | null }>;
  applySwitches(switches: LegacySwitches): Promise<{ previous: LegacySwitches | null }>;
  /** GET without following redirects (to see the legacy page's 301). */
  probe(url: string): Promise<{ status: number; location: string | null }>;
}

type Json = Record<string, unknown>;
const SECRET_SETTINGS = /^(api_key|app_id|apikey|appid)$/i;

const pick = (o: Json | undefined, ...keys: string[]): unknown => {
  if (!o) return undefined;
  for (const k of keys) if (o[k] !== undefined) return o[k];
  return undefined;
};
const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);
const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);

export function parseSwitches(raw: unknown): LegacySwitches {
  const o = obj(raw) ?? {};
  const v = (x: unknown) => (typeof x === 'string' && x.trim() !== '' ? x : null);
  return { postLoginRedirect: v(pick(o, 'post_login_redirect', 'postLoginRedirect')), legacyPageRedirect: v(pick(o, 'legacy_page_redirect', 'legacyPageRedirect')) };
}

function parseUser(raw: unknown): LegacyUser | null {
  const u = obj(raw);
  const id = Number(pick(u, 'id', 'ID', 'user_id'));
  if (!u || !Number.isSafeInteger(id) || id <= 0) return null;
  const roles = pick(u, 'roles', 'role');
  return {
    id,
    login: str(pick(u, 'login', 'user_login', 'username')) ?? String(id),
    email: str(pick(u, 'email', 'user_email')),
    displayName: str(pick(u, 'display_name', 'displayName', 'name')),
    roles: Array.isArray(roles) ? roles.map(String) : typeof roles === 'string' ? [roles] : [],
    meta: obj(pick(u, 'meta', 'usermeta', 'user_meta', 'pilotpress')) ?? {},
  };
}

function parsePage(raw: unknown): LegacyPage | null {
  const p = obj(raw);
  if (!p) return null;
  const meta = obj(pick(p, 'meta', 'postmeta'));
  return {
    id: Number(pick(p, 'id', 'ID')) || 0,
    slug: str(pick(p, 'slug', 'post_name')) ?? 'affiliate-center',
    url: str(pick(p, 'url', 'permalink', 'link')) ?? '',
    title: str(pick(p, 'title', 'post_title')) ?? 'Partner Center',
    systemPage: str(pick(p, 'system_page', '_pilotpress_system_page') ?? pick(meta, '_pilotpress_system_page')),
    status: str(pick(p, 'status', 'post_status')) ?? 'publish',
  };
}

/** Reduces one export answer (or page of one) to the shape migrations use. */
export function parseExport(raw: unknown): LegacyExport & { page: number; pages: number } {
  const o = obj(raw);
  if (!o) throw new AppError('upstream.unavailable', 'WordPress export: the answer is not a JSON object (is wp-shim active?)');
  const settings = obj(pick(o, 'pilotpress_settings', 'pilotpress-settings', 'pilotpressSettings', 'settings'));
  const cleaned = settings ? Object.fromEntries(Object.entries(settings).filter(([k]) => !SECRET_SETTINGS.test(k))) : null;
  const plr = obj(pick(o, 'plr', 'plr_settings')) ?? {};
  const users = pick(o, 'users');
  const paging = obj(pick(o, 'paging', 'pagination'));
  return {
    siteUrl: str(pick(o, 'site_url', 'siteUrl', 'home')),
    users: (Array.isArray(users) ? users : []).map(parseUser).filter((u): u is LegacyUser => u !== null),
    pilotpressSettings: cleaned,
    partnerCenterPage: parsePage(pick(o, 'partner_center_page', 'legacy_page', 'page', 'affiliate_center_page')),
    plr: {
      affiliate: pick(plr, 'pilotpress_affiliate_plr', 'affiliate') ?? pick(settings, 'pilotpress_affiliate_plr') ?? null,
      customer: pick(plr, 'pilotpress_customer_plr', 'customer') ?? pick(settings, 'pilotpress_customer_plr') ?? null,
    },
    switches: parseSwitches(pick(o, 'partnergate', 'switches', 'partnergate_settings')),
    page: Number(pick(paging ?? o, 'page')) || 1,
    pages: Number(pick(paging ?? o, 'pages', 'total_pages')) || 1,
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
    // WordPress answers JSON errors with a body; we map the status ourselves.
    validateStatus: (s) => s >= 200 && s < 300,
  });
  return {
    url: base,
    async exportLegacy(onProgress) {
      const perPage = opts.pageSize ?? 1000;
      let first: ReturnType<typeof parseExport> | undefined;
      const users: LegacyUser[] = [];
      for (let page = 1; ; page++) {
        let data: unknown;
        try {
          ({ data } = await http.get('/export', { params: { page, per_page: perPage } }));
        } catch (err) {
          throw describeHttpError(base, err);
        }
        const parsed = parseExport(data);
        first ??= parsed;
        users.push(...parsed.users);
        onProgress?.(users.length, parsed.pages);
        if (page >= parsed.pages || parsed.users.length === 0) break;
      }
      const { page: _p, pages: _n, ...rest } = first!;
      return { ...rest, users };
    },
    async state() {
      try {
        const { data } = await http.get('/export', { params: { page: 1, per_page: 1 } });
        const parsed = parseExport(data);
        return { switches: parsed.switches, page: parsed.partnerCenterPage };
      } catch (err) {
        throw err instanceof AppError ? err : describeHttpError(base, err);
      }
    },
    async applySwitches(switches) {
      try {
        const { data } = await http.post('/settings', { post_login_redirect: switches.postLoginRedirect, legacy_page_redirect: switches.legacyPageRedirect });
        const previous = obj(data)?.previous;
        return { previous: previous === undefined ? null : parseSwitches(previous) };
      } catch (err) {
        throw describeHttpError(base, err);
      }
    },
    async probe(url) {
      try {
        const res = await axios.get(url, { maxRedirects: 0, validateStatus: () => true, timeout: opts.timeoutMs ?? 30_000, responseType: 'text', headers: { 'user-agent': 'partnergate-migration' } });
        return { status: res.status, location: typeof res.headers.location === 'string' ? res.headers.location : null };
      } catch (err) {
        throw describeHttpError(url, err);
      }
    },
  };
}
