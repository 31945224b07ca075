/**
 * A real OpenID Provider for tests: oidc-provider 8 on a free loopback port, in-memory storage, PKCE (S256)
 * required, back-channel logout and RP-initiated logout enabled, refresh tokens issued, consent granted
 * automatically. Users sign in through oidc-provider's own development login form, driven with plain HTTP by
 * {@link CookieBrowser} (a tiny cookie-jar browser that follows redirects and submits forms).
 *
 * API:
 * - `const op = await startOidcProvider()`; `op.issuer` (http://127.0.0.1:<port>), `op.close()`.
 * - `op.addUser({ sub, email, emailVerified = true })`: who may sign in (login name = sub).
 * - `op.registerClient({ clientId, clientSecret, redirectUri, postLogoutRedirectUri, backchannelLogoutUri })`:
 *   a confidential web client (client_secret_basic), registered after the gateway knows its port.
 * - `await op.login(browser, url, sub, { stopBeforeLeaving? })`: follows `url` (e.g. the gateway's
 *   /sso/oidc/start) through the provider's login form as `sub`, then on through the relying party's redirects;
 *   returns the last response. With `stopBeforeLeaving`, stops at the provider's redirect back to the relying
 *   party (`res.location` is the callback URL with code and state), for tests that tamper with it.
 * - `await op.logoutAtProvider(browser)`: signs the browser out at the provider's end-session endpoint (the
 *   provider then sends back-channel logout tokens to clients the user signed in to).
 * - `await op.mintLogoutToken(claims, { foreignKey?, omit?, typ? })`: a logout token signed with the
 *   provider's key (or a foreign one), for negative tests of back-channel logout.
 * - `op.revokeRefreshTokens()`: forgets every refresh token (the next refresh fails with invalid_grant).
 * - `op.backchannelResults`: outcomes of back-channel deliveries (`{ ok, clientId, sid, error? }`).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

export interface OidcUser {
  sub: string;
  email: string;
  emailVerified?: boolean;
  name?: string;
}

export interface TestOidcProvider {
  issuer: string;
  port: number;
  addUser(user: OidcUser): void;
  registerClient(c: { clientId: string; clientSecret: string; redirectUri: string; postLogoutRedirectUri?: string; backchannelLogoutUri?: string }): void;
  login(browser: CookieBrowser, url: string, sub: string, opts?: { stopBeforeLeaving?: boolean }): Promise<BrowserResponse>;
  logoutAtProvider(browser: CookieBrowser): Promise<BrowserResponse>;
  mintLogoutToken(claims: Record<string, unknown>, opts?: { foreignKey?: boolean; typ?: string }): Promise<string>;
  revokeRefreshTokens(): void;
  backchannelResults: Array<{ ok: boolean; clientId: string; sid: string; error?: string }>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------
// A cookie-jar browser over fetch: enough to walk OAuth redirects and submit simple forms.

export interface BrowserResponse {
  status: number;
  url: string;
  location?: string;
  headers: Headers;
  text: string;
}

interface StoredCookie {
  name: string;
  value: string;
  host: string;
  path: string;
  expires?: number;
}

export class CookieBrowser {
  private cookies: StoredCookie[] = [];
  /** Every response seen, oldest first (for assertions and debugging). */
  readonly history: BrowserResponse[] = [];

  constructor(private readonly extraHeaders: Record<string, string> = {}) {}

  cookieHeader(url: URL): string {
    const now = Date.now();
    this.cookies = this.cookies.filter((c) => c.expires === undefined || c.expires > now);
    return this.cookies
      .filter((c) => c.host === url.host && (url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  /** The value of a cookie this browser holds for `origin`. */
  cookie(origin: string, name: string): string | undefined {
    const host = new URL(origin).host;
    return this.cookies.find((c) => c.host === host && c.name === name)?.value;
  }

  setCookie(origin: string, name: string, value: string): void {
    const host = new URL(origin).host;
    this.cookies = this.cookies.filter((c) => !(c.host === host && c.name === name));
    this.cookies.push({ name, value, host, path: '/' });
  }

  private store(url: URL, headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      let path = '/';
      let expires: number | undefined;
      for (const a of attrs) {
        const [k, v = ''] = a.split('=');
        const key = k!.toLowerCase();
        if (key === 'path') path = v || '/';
        else if (key === 'max-age') expires = Date.now() + Number(v) * 1000;
        else if (key === 'expires' && expires === undefined) expires = Date.parse(v);
      }
      this.cookies = this.cookies.filter((c) => !(c.host === url.host && c.name === name && c.path === path));
      if (expires === undefined || expires > Date.now()) this.cookies.push({ name, value, host: url.host, path, expires });
    }
  }

  /** One request, no redirect following. */
  async request(method: 'GET' | 'POST', url: string, form?: Record<string, string>, headers: Record<string, string> = {}): Promise<BrowserResponse> {
    const u = new URL(url);
    const h: Record<string, string> = { ...this.extraHeaders, ...headers };
    const cookie = this.cookieHeader(u);
    if (cookie) h.cookie = cookie;
    let body: string | undefined;
    if (form) {
      body = new URLSearchParams(form).toString();
      h['content-type'] = 'application/x-www-form-urlencoded';
      h.origin ??= u.origin;
    }
    const res = await fetch(u, { method, headers: h, body, redirect: 'manual' });
    this.store(u, res.headers);
    const text = await res.text();
    const location = res.headers.get('location') ?? undefined;
    const out: BrowserResponse = { status: res.status, url: u.href, location: location ? new URL(location, u).href : undefined, headers: res.headers, text };
    this.history.push(out);
    return out;
  }

  /** Requests `url` and follows redirects (303 and 302 become GET, as browsers do). */
  async go(url: string, opts: { method?: 'GET' | 'POST'; form?: Record<string, string>; stopAt?: (u: URL) => boolean; maxRedirects?: number } = {}): Promise<BrowserResponse> {
    let res = await this.request(opts.method ?? 'GET', url, opts.form);
    for (let i = 0; res.location && res.status >= 300 && res.status < 400; i++) {
      if (i >= (opts.maxRedirects ?? 20)) throw new Error(`too many redirects from ${url}`);
      if (opts.stopAt?.(new URL(res.location))) return res;
      res = await this.request('GET', res.location);
    }
    return res;
  }
}

/** The first form of an HTML page: its action (absolute) and its hidden inputs. */
export function parseForm(html: string, baseUrl: string): { action: string; fields: Record<string, string> } {
  const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) throw new Error(`no form in page: ${html.slice(0, 300)}`);
  const fields: Record<string, string> = {};
  for (const m of form[2]!.matchAll(/<input[^>]*>/gi)) {
    const tag = m[0];
    const name = /name="([^"]*)"/.exec(tag)?.[1];
    const value = /value="([^"]*)"/.exec(tag)?.[1] ?? '';
    if (name && /type="hidden"/i.test(tag)) fields[name] = value.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#x3D;/g, '=');
  }
  return { action: new URL(form[1]!.replace(/&amp;/g, '&'), baseUrl).href, fields };
}

// ---------------------------------------------------------------------------------------------------------
// The provider.

/** In-memory storage in the shape oidc-provider's adapter interface expects (one instance per model name). */
function memoryAdapterClass(store: Map<string, { payload: Record<string, unknown>; expiresAt?: number }>) {
  return class MemoryAdapter {
    constructor(private readonly model: string) {}
    private key(id: string) {
      return `${this.model}:${id}`;
    }
    async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number) {
      store.set(this.key(id), { payload: { ...payload }, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined });
      if (payload.grantId) {
        const gk = `grant:${String(payload.grantId)}`;
        const list = (store.get(gk)?.payload.keys as string[] | undefined) ?? [];
        store.set(gk, { payload: { keys: [...list, this.key(id)] } });
      }
      if (payload.uid) store.set(`${this.model}:uid:${String(payload.uid)}`, { payload: { id } });
    }
    async find(id: string) {
      const e = store.get(this.key(id));
      if (!e || (e.expiresAt !== undefined && e.expiresAt < Date.now())) return undefined;
      return e.payload;
    }
    async findByUid(uid: string) {
      const ref = store.get(`${this.model}:uid:${uid}`);
      return ref ? this.find(String(ref.payload.id)) : undefined;
    }
    async findByUserCode() {
      return undefined;
    }
    async consume(id: string) {
      const e = store.get(this.key(id));
      if (e) e.payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      store.delete(this.key(id));
    }
    async revokeByGrantId(grantId: string) {
      const gk = `grant:${grantId}`;
      for (const k of (store.get(gk)?.payload.keys as string[] | undefined) ?? []) store.delete(k);
      store.delete(gk);
    }
  };
}

export async function startOidcProvider(opts: { accessTokenTtlSeconds?: number } = {}): Promise<TestOidcProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;

  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = 'test-op-key-1';
  const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  void publicKey;

  const users = new Map<string, OidcUser>();
  const storage = new Map<string, { payload: Record<string, unknown>; expiresAt?: number }>();
  const backchannelResults: TestOidcProvider['backchannelResults'] = [];

  // oidc-provider ships no TypeScript types; it is only used here, through a plain dynamic import.
  const { default: Provider } = (await import('oidc-provider' as string)) as { default: new (issuer: string, config: unknown) => any };
  const provider = new Provider(issuer, {
    adapter: memoryAdapterClass(storage),
    jwks: { keys: [privateJwk] },
    cookies: { keys: ['partnergate-test-op-cookie-key'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    scopes: ['openid', 'email', 'profile', 'offline_access'],
    features: {
      devInteractions: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx: any, form: string) {
          ctx.body = `<!doctype html><title>Sign out</title>${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>`;
        },
        async postLogoutSuccessSource(ctx: any) {
          ctx.body = '<!doctype html><title>Signed out</title><p id="op-signed-out">Signed out at the provider.</p>';
        },
      },
      revocation: { enabled: true },
    },
    pkce: { methods: ['S256'], required: () => true },
    ttl: { AccessToken: opts.accessTokenTtlSeconds ?? 3600, IdToken: 3600, RefreshToken: 86_400, Session: 86_400, Interaction: 600, Grant: 86_400, AuthorizationCode: 60 },
    async findAccount(_ctx: unknown, sub: string) {
      const u = users.get(sub);
      if (!u) return undefined;
      return { accountId: sub, claims: async () => ({ sub, email: u.email, email_verified: u.emailVerified ?? true, name: u.name ?? u.email }) };
    },
    // Consent is not what these tests are about: grant the client what it asked for.
    async loadExistingGrant(ctx: any) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid email profile offline_access');
      await grant.save();
      return grant;
    },
    async issueRefreshToken(_ctx: unknown, client: any) {
      return client.grantTypeAllowed('refresh_token');
    },
    renderError(ctx: any, out: Record<string, string>) {
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>error</title><pre id="op-error">${JSON.stringify(out).replace(/</g, '&lt;')}</pre>`;
    },
  });
  provider.on('backchannel.success', (_ctx: unknown, client: any, _sub: string, sid: string) => backchannelResults.push({ ok: true, clientId: client.clientId, sid }));
  provider.on('backchannel.error', (_ctx: unknown, err: Error, client: any, _sub: string, sid: string) => backchannelResults.push({ ok: false, clientId: client.clientId, sid, error: err.message }));
  server.on('request', provider.callback());

  const isProvider = (u: URL) => u.origin === issuer;

  return {
    issuer,
    port,
    backchannelResults,
    addUser(user) {
      users.set(user.sub, user);
    },
    registerClient(c) {
      storage.set(`Client:${c.clientId}`, {
        payload: {
          client_id: c.clientId,
          client_secret: c.clientSecret,
          redirect_uris: [c.redirectUri],
          post_logout_redirect_uris: c.postLogoutRedirectUri ? [c.postLogoutRedirectUri] : [],
          response_types: ['code'],
          grant_types: ['authorization_code', 'refresh_token'],
          token_endpoint_auth_method: 'client_secret_basic',
          ...(c.backchannelLogoutUri ? { backchannel_logout_uri: c.backchannelLogoutUri, backchannel_logout_session_required: true } : {}),
        },
      });
    },
    async login(browser, url, sub, o = {}) {
      const start = new URL(url).origin;
      let res = await browser.go(url, { stopAt: (u) => !isProvider(u) && u.origin !== start });
      // Walk the provider's pages: login form, (consent form), until we are sent back to the relying party.
      const leaving = o.stopBeforeLeaving ? (u: URL) => !isProvider(u) : undefined;
      for (let i = 0; i < 6 && isProvider(new URL(res.url)) && res.status === 200; i++) {
        const form = parseForm(res.text, res.url);
        const fields = form.fields.prompt === 'login' ? { ...form.fields, login: sub, password: 'any' } : form.fields;
        res = await browser.go(form.action, { method: 'POST', form: fields, stopAt: leaving });
      }
      return res;
    },
    async logoutAtProvider(browser) {
      const page = await browser.go(`${issuer}/session/end`);
      const form = parseForm(page.text, page.url);
      return browser.go(form.action, { method: 'POST', form: { ...form.fields, logout: 'yes' } });
    },
    async mintLogoutToken(claims, o = {}) {
      const key = o.foreignKey ? (await generateKeyPair('RS256')).privateKey : privateKey;
      const now = Math.floor(Date.now() / 1000);
      const body: Record<string, unknown> = { iss: issuer, iat: now, exp: now + 120, jti: `jti-${Math.random().toString(36).slice(2)}`, events: { 'http://schemas.openid.net/event/backchannel-logout': {} }, ...claims };
      for (const [k, v] of Object.entries(body)) if (v === undefined) delete body[k];
      return new SignJWT(body).setProtectedHeader({ alg: 'RS256', kid, typ: o.typ ?? 'logout+jwt' }).sign(key);
    },
    revokeRefreshTokens() {
      for (const k of [...storage.keys()]) if (k.startsWith('RefreshToken:')) storage.delete(k);
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
