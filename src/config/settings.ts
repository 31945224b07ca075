/**
 * The catalogue of every Partnergate setting: its environment variable, its zod schema, whether it is a
 * secret (never echoed), and the sentence that documents it. The README's configuration table is printed
 * from this list (`partnergate config doc`), so the code and the docs cannot drift apart.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { parseDataKey } from '../common/sealed.js';

const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])])
  .transform((v) => (typeof v === 'boolean' ? v : ['true', '1', 'yes', 'on'].includes(v)));

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const httpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// URL')
  .transform((u) => u.replace(/\/+$/, ''));

const list = z
  .union([z.array(z.string()), z.string()])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean));

const secret = z.string().min(32, 'must be at least 32 characters');

/** Named ranges and addresses or subnets of proxies whose X-Forwarded-For is believed (express `trust proxy`). */
const trustProxy = z.string().refine((v) => {
  if (v.trim() === 'false') return true;
  return v.split(',').every((raw) => {
    const part = raw.trim();
    if (['loopback', 'linklocal', 'uniquelocal'].includes(part)) return true;
    const [address, bits, extra] = part.split('/');
    const family = isIP(address ?? '');
    if (family === 0 || extra !== undefined) return false;
    return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
  });
}, 'must be `false` or a comma-separated list of loopback, linklocal, uniquelocal, IP addresses or subnets (a.b.c.d/n); `true` is not accepted: name the proxies in front');
const dataKeyText = z.string().refine((t) => parseDataKey(t) !== undefined, 'must be 32 random bytes written as base64 (openssl rand -base64 32) or 64 hex characters');

const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as Europe/Paris');

export interface SettingSpec {
  /** Environment variable that sets it. */
  env: string;
  schema: z.ZodType;
  /** Shown in the docs; omitted means "required" or "unset". */
  default?: string;
  secret?: boolean;
  doc: string;
}

export const settings = {
  port: { env: 'PARTNERGATE_PORT', schema: int(0, 65535).default(8080), default: '8080', doc: 'TCP port the gateway listens on (0 picks a free one).' },
  host: { env: 'PARTNERGATE_HOST', schema: z.string().min(1).default('0.0.0.0'), default: '0.0.0.0', doc: 'Address the gateway binds.' },
  workers: { env: 'PARTNERGATE_WORKERS', schema: z.union([z.literal('auto'), int(1, 64)]).default(1), default: '1', doc: 'Gateway processes sharing the port (node:cluster); `auto` = one per CPU core. Sessions live in the store, so any process serves any partner.' },
  publicUrl: { env: 'PARTNERGATE_PUBLIC_URL', schema: httpUrl.optional(), default: 'http://localhost:<port>', doc: 'Origin partners use to reach the gateway; decides Secure cookies, redirects and links in emails.' },
  partnerCenterHost: { env: 'PARTNERGATE_PARTNER_CENTER_HOST', schema: z.string().regex(/^[a-z0-9.-]+(:\d+)?$/i, 'must be a host name, optionally with :port').optional(), doc: 'Situation 3: the host (e.g. partners.example.com) that serves the partner center in front of the site. Requests on that host for `/` go to the partner center.' },
  upstreamUrl: { env: 'PARTNERGATE_UPSTREAM_URL', schema: httpUrl.optional(), doc: 'The WordPress origin everything that is not Partnergate\'s own is proxied to. Unset: no proxy, `/` goes to the partner center.' },
  upstreamPreserveHost: { env: 'PARTNERGATE_UPSTREAM_PRESERVE_HOST', schema: bool.default(true), default: 'true', doc: 'Send the client\'s Host header to WordPress (set WP_HOME to the public origin). false: send the upstream\'s own host and rewrite Location/cookie domains back.' },
  upstreamTimeoutMs: { env: 'PARTNERGATE_UPSTREAM_TIMEOUT_MS', schema: int(100, 600_000).default(30_000), default: '30000', doc: 'How long to wait for WordPress before answering 504.' },
  upstreamMaxSockets: { env: 'PARTNERGATE_UPSTREAM_MAX_SOCKETS', schema: int(1, 65_536).default(256), default: '256', doc: 'Most sockets open to WordPress at once (per gateway process); further requests wait for a free one.' },
  requestTimeoutMs: { env: 'PARTNERGATE_REQUEST_TIMEOUT_MS', schema: int(1_000, 3_600_000).default(300_000), default: '300000', doc: 'Longest time a client may take to send a whole request, body included (then 408). Raise it for large uploads over slow links.' },
  headersTimeoutMs: { env: 'PARTNERGATE_HEADERS_TIMEOUT_MS', schema: int(1_000, 300_000).default(20_000), default: '20000', doc: 'Longest time a client may take to send the request headers (then 408; capped at the request timeout).' },
  clientIdleTimeoutMs: { env: 'PARTNERGATE_CLIENT_IDLE_TIMEOUT_MS', schema: int(1_000, 3_600_000).default(120_000), default: '120000', doc: 'A client connection on which nothing moves this long (a stalled body, an unread download) is closed. Websockets are exempt.' },
  maxHeaderBytes: { env: 'PARTNERGATE_MAX_HEADER_BYTES', schema: int(1024, 1_048_576).default(16_384), default: '16384', doc: 'Largest request header block accepted (bigger gets 431).' },
  maxUploadBytes: { env: 'PARTNERGATE_MAX_UPLOAD_BYTES', schema: int(1024, 10_737_418_240).default(268_435_456), default: '268435456', doc: 'Largest request body passed to WordPress (bigger gets 413).' },
  maxFormBytes: { env: 'PARTNERGATE_MAX_FORM_BYTES', schema: int(1024, 10_485_760).default(65_536), default: '65536', doc: 'Largest form body accepted by Partnergate\'s own routes.' },
  databaseUrl: { env: 'DATABASE_URL', schema: z.string().regex(/^postgres(ql)?:\/\/[^\s]+$/, 'must be a postgres:// URL').optional(), secret: true, doc: 'PostgreSQL connection URL. Unset: the embedded SQLite store.' },
  sqlitePath: { env: 'PARTNERGATE_SQLITE_PATH', schema: z.string().min(1).default('./data/partnergate.sqlite'), default: './data/partnergate.sqlite', doc: 'SQLite file used when DATABASE_URL is unset.' },
  demoData: { env: 'PARTNERGATE_DEMO_DATA', schema: z.enum(['auto', 'on', 'off']).default('auto'), default: 'auto', doc: 'Demo data (accounts with published passwords) when the store is empty. `auto`: only when the public URL is localhost and not in production. `on`: asked for explicitly (refused in production). `off`: never.' },
  environment: { env: 'PARTNERGATE_ENV', schema: z.enum(['development', 'production', 'test']).default('development'), default: 'development (production when NODE_ENV=production)', doc: 'In `production` (also when `NODE_ENV=production`): the data key (and the shim secret when proxying) must be set, the public URL must be https:// (localhost excepted), /metrics needs its token, and demo data is never seeded.' },
  logLevel: { env: 'PARTNERGATE_LOG_LEVEL', schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'), default: 'info', doc: 'pino log level.' },
  accessLog: { env: 'PARTNERGATE_ACCESS_LOG', schema: bool.default(true), default: 'true', doc: 'One `request` log line (level info) per request, own and proxied: request id, method, path without its query string, status, bytes sent, duration, time to WordPress\'s answer, client address.' },
  wpShimSecret: { env: 'PARTNERGATE_WP_SHIM_SECRET', schema: secret.optional(), secret: true, doc: 'Secret shared with the wp-shim plugin (define PARTNERGATE_SHIM_SECRET in wp-config.php). Signs hand-off tokens and identity assertions (separate keys are derived per purpose).' },
  identityHeader: { env: 'PARTNERGATE_IDENTITY_HEADER', schema: z.string().regex(/^[A-Za-z0-9-]+$/).default('X-Partnergate-Identity'), default: 'X-Partnergate-Identity', doc: 'Header carrying the signed identity assertion to WordPress.' },
  sessionIdleMinutes: { env: 'PARTNERGATE_SESSION_IDLE_MINUTES', schema: int(1, 10_080).default(60), default: '60', doc: 'A session unused this long ends.' },
  sessionAbsoluteHours: { env: 'PARTNERGATE_SESSION_ABSOLUTE_HOURS', schema: int(1, 720).default(12), default: '12', doc: 'A session ends this long after sign-in, used or not.' },
  redirectAllowedHosts: { env: 'PARTNERGATE_REDIRECT_ALLOWED_HOSTS', schema: list.default([]), default: '(none)', doc: 'Hosts a post-sign-in redirect may go to besides the gateway\'s own origin: `host:port` exact, or `.example.com` for subdomains.' },
  accessPrograms: { env: 'PARTNERGATE_ACCESS_PROGRAMS', schema: list.default([]), default: '(any program)', doc: 'Partner program names allowed into the partner center; empty means partners of any program.' },
  totpRequired: { env: 'PARTNERGATE_TOTP_REQUIRED', schema: bool.default(false), default: 'false', doc: 'Make TOTP two-factor mandatory for partners too (administrators always need it) on every sign-in path: password, WordPress hand-off and OpenID Connect.' },
  loginMaxPerAccount: { env: 'PARTNERGATE_LOGIN_MAX_PER_ACCOUNT', schema: int(1, 1000).default(5), default: '5', doc: 'Failed sign-ins allowed per account in 15 minutes.' },
  loginMaxPerIp: { env: 'PARTNERGATE_LOGIN_MAX_PER_IP', schema: int(1, 100_000).default(20), default: '20', doc: 'Failed sign-ins allowed per client IP in 15 minutes.' },
  trustProxy: { env: 'PARTNERGATE_TRUST_PROXY', schema: trustProxy.default('loopback'), default: 'loopback', doc: 'Which peers may set X-Forwarded-For (the proxy in front, such as deploy/nginx): `loopback`, `linklocal`, `uniquelocal`, addresses or subnets, comma-separated, or `false`. The per-IP sign-in limits and the access log count the address those proxies vouch for, else the connecting peer. A request proxied to WordPress carries X-Forwarded-For extended with the connecting peer: from a trusted peer, the chain from the first address it vouches for; from any other peer, that peer alone (what the client wrote is dropped); `true` (trust any peer) is refused, since a client could then pick the address it is counted under.' },
  oidcIssuer: { env: 'PARTNERGATE_OIDC_ISSUER', schema: httpUrl.optional(), doc: 'OpenID Provider issuer URL; enables "Sign in with" when set with the client id.' },
  oidcClientId: { env: 'PARTNERGATE_OIDC_CLIENT_ID', schema: z.string().min(1).optional(), doc: 'OIDC client id.' },
  oidcClientSecret: { env: 'PARTNERGATE_OIDC_CLIENT_SECRET', schema: z.string().min(1).optional(), secret: true, doc: 'OIDC client secret.' },
  oidcEmailClaim: { env: 'PARTNERGATE_OIDC_EMAIL_CLAIM', schema: z.string().min(1).default('email'), default: 'email', doc: 'Claim mapped to the partner\'s email (must be verified when it is `email`).' },
  oidcMfaClaims: { env: 'PARTNERGATE_OIDC_MFA_CLAIMS', schema: list.pipe(z.array(z.string().regex(/^(amr|acr):\S+$/, 'each entry must be amr:<value> or acr:<value>'))).default([]), default: '(none)', doc: 'ID-token values that prove the OpenID Provider checked a second factor itself (e.g. `amr:mfa,amr:otp` or `acr:<your MFA level>`); such a sign-in skips the TOTP code. Empty: an OIDC sign-in asks for the TOTP code like any other.' },
  oidcProviderName: { env: 'PARTNERGATE_OIDC_PROVIDER_NAME', schema: z.string().min(1).default('your company account'), default: 'your company account', doc: 'Name on the "Sign in with ..." button.' },
  smtpUrl: { env: 'PARTNERGATE_SMTP_URL', schema: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(), secret: true, doc: 'SMTP server for outgoing mail. Unset: mail is written to the log instead (development).' },
  mailFrom: { env: 'PARTNERGATE_MAIL_FROM', schema: z.string().min(3).default('Partner Center <partners@localhost>'), default: 'Partner Center <partners@localhost>', doc: 'From address of every email.' },
  tokenTtlMinutes: { env: 'PARTNERGATE_TOKEN_TTL_MINUTES', schema: int(5, 43_200).default(60), default: '60', doc: 'Lifetime of password-reset and email-confirmation links.' },
  credentialTtlHours: { env: 'PARTNERGATE_CREDENTIAL_TTL_HOURS', schema: int(1, 2160).default(168), default: '168', doc: 'Lifetime of set-password links in new-credential emails.' },
  ontraportBaseUrl: { env: 'PARTNERGATE_ONTRAPORT_BASE_URL', schema: httpUrl.default('https://api.ontraport.com/1'), default: 'https://api.ontraport.com/1', doc: 'Ontraport REST API base URL.' },
  ontraportAppId: { env: 'PARTNERGATE_ONTRAPORT_APP_ID', schema: z.string().min(1).optional(), doc: 'Ontraport Api-Appid.' },
  ontraportApiKey: { env: 'PARTNERGATE_ONTRAPORT_API_KEY', schema: z.string().min(1).optional(), secret: true, doc: 'Ontraport Api-Key.' },
  ontraportRatePerMinute: { env: 'PARTNERGATE_ONTRAPORT_RATE_PER_MINUTE', schema: int(1, 100_000).default(180), default: '180', doc: 'Requests per rolling minute each gateway or CLI process keeps to (Ontraport allows 180 per account). With several workers or hosts on one account, each counts its own requests and learns of the others only after the fact, from Ontraport\'s rate headers (a 429 makes them all wait): to stay under the quota, divide the value by the number of processes.' },
  ontraportTimeoutMs: { env: 'PARTNERGATE_ONTRAPORT_TIMEOUT_MS', schema: int(100, 300_000).default(30_000), default: '30000', doc: 'Hard timeout of one Ontraport request.' },
  syncIntervalSeconds: { env: 'PARTNERGATE_SYNC_INTERVAL_SECONDS', schema: int(0, 86_400).optional(), default: '300 with Ontraport credentials, else 0 (off)', doc: 'Run the incremental Ontraport sync inside the gateway this often (one runner across instances); 0 turns it off. The partner center says how long ago the last sync finished.' },
  defaultTimeZone: { env: 'PARTNERGATE_DEFAULT_TIME_ZONE', schema: timeZone.default('UTC'), default: 'UTC', doc: 'Time zone for partners who have not chosen one.' },
  defaultCurrency: { env: 'PARTNERGATE_DEFAULT_CURRENCY', schema: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD').default('USD'), default: 'USD', doc: 'Currency of programs that do not name one.' },
  exportMaxRangeDays: { env: 'PARTNERGATE_EXPORT_MAX_RANGE_DAYS', schema: int(1, 36_600).default(3_660), default: '3660', doc: 'Longest date range a report or export accepts.' },
  exportQueueSeconds: { env: 'PARTNERGATE_EXPORT_QUEUE_SECONDS', schema: int(0, 300).default(20), default: '20', doc: 'How long an export waits for one of the 4 export slots of its process (4 per gateway process) before answering 503 with Retry-After (one partner holds at most 2; a third gets 429 at once).' },
  blocksConfig: { env: 'PARTNERGATE_BLOCKS_CONFIG', schema: z.string().min(1).optional(), doc: 'YAML or JSON file of rollups, blocks, pages, tiers and groups. Unset: the shipped presets.' },
  themeDir: { env: 'PARTNERGATE_THEME_DIR', schema: z.string().min(1).optional(), doc: 'Folder of templates that override the shipped ones file by file.' },
  brandName: { env: 'PARTNERGATE_BRAND_NAME', schema: z.string().min(1).default('Partner Center'), default: 'Partner Center', doc: 'Business name shown on pages and in emails.' },
  brandLogoUrl: { env: 'PARTNERGATE_BRAND_LOGO_URL', schema: z.string().min(1).optional(), doc: 'Logo image URL.' },
  brandPrimaryColor: { env: 'PARTNERGATE_BRAND_PRIMARY_COLOR', schema: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #1d4ed8').default('#1d4ed8'), default: '#1d4ed8', doc: 'Accent colour of the pages.' },
  metricsToken: { env: 'PARTNERGATE_METRICS_TOKEN', schema: z.string().min(16).optional(), secret: true, doc: 'When set, /metrics requires `Authorization: Bearer <token>`. In production /metrics answers 404 without one.' },
  dataKey: { env: 'PARTNERGATE_DATA_KEY', schema: dataKeyText.optional(), secret: true, doc: 'Key (32 random bytes as base64 or hex: `openssl rand -base64 32`) that encrypts secrets at rest with AES-256-GCM: TOTP seeds, OpenID refresh tokens, the pending OpenID sign-in cookie and the parameters of queued emails (reset, set-password and confirmation links). Required in production; in development one is derived from the store\'s location. To rotate, see "Rotating the data key".' },
  dataKeyPrevious: { env: 'PARTNERGATE_DATA_KEY_PREVIOUS', schema: dataKeyText.optional(), secret: true, doc: 'The data key before the last rotation: still read, never written; stored secrets are re-sealed with PARTNERGATE_DATA_KEY in the background. Remove it once the log says none is left.' },
  trackClicks: { env: 'PARTNERGATE_TRACK_CLICKS', schema: bool.default(true), default: 'true', doc: 'Record a click in `visits` when a request through the proxy follows a partner\'s link (`?orid=`, `opid`, `sid`) or comes back with the attribution cookie set on such a landing; once per partner, visitor and UTC day; crawlers, prefetches and HEAD left out.' },
  trackCookieDays: { env: 'PARTNERGATE_TRACK_COOKIE_DAYS', schema: int(1, 365).default(30), default: '30', doc: 'Lifetime of the attribution cookie (`pg_ref`, HttpOnly, SameSite=Lax) set on a tracked landing; a visitor who comes back with it counts once a day while it lasts.' },
  trackQueueMax: { env: 'PARTNERGATE_TRACK_QUEUE_MAX', schema: int(100, 1_000_000).default(10_000), default: '10000', doc: 'Most clicks waiting in memory to be written; beyond it clicks are dropped (and logged as a count) rather than slowing the proxy.' },
  trackFlushMs: { env: 'PARTNERGATE_TRACK_FLUSH_MS', schema: int(20, 60_000).default(100), default: '100', doc: 'How often queued clicks are written to the store in one batch (and once more at shutdown). Short on purpose: a click held longer outlives the young generation and costs the proxy garbage-collection time.' },
  smtpMaxConnections: { env: 'PARTNERGATE_SMTP_MAX_CONNECTIONS', schema: int(1, 100).default(4), default: '4', doc: 'SMTP connections the outbox sends over side by side while it drains (nodemailer `pool`, `maxConnections`; closed once the outbox is empty). A `maxConnections` in PARTNERGATE_SMTP_URL wins.' },
  smtpMaxMessages: { env: 'PARTNERGATE_SMTP_MAX_MESSAGES', schema: int(1, 1_000_000).default(1000), default: '1000', doc: 'Messages sent over one SMTP connection before it is replaced by a fresh one (nodemailer `maxMessages`). A `maxMessages` in PARTNERGATE_SMTP_URL wins.' },
  smtpRatePerSecond: { env: 'PARTNERGATE_SMTP_RATE_PER_SECOND', schema: int(0, 100_000).default(0), default: '0 (no cap)', doc: 'Most emails handed to the SMTP server per second (nodemailer `rateLimit` over `rateDelta` 1000 ms): set it to your provider\'s sending rate. The outbox is sent by one process at a time (the store lease `mail.drain`), so the cap holds across workers, gateways and `partnergate mail drain`.' },
  mailDrainBatch: { env: 'PARTNERGATE_MAIL_DRAIN_BATCH', schema: int(1, 10_000).default(100), default: '100', doc: 'Emails the outbox claims in one statement and marks sent in one statement while it drains (two such claims are in progress at once). Larger is faster where each commit is costly; a crash mid-drain leaves up to twice this many emails flagged "interrupted" (they may have arrived: never sent again by themselves; `partnergate credentials resend` sends a fresh link).' },
  apiKeyRatePerMinute: { env: 'PARTNERGATE_API_KEY_RATE_PER_MINUTE', schema: int(1, 100_000).default(60), default: '60', doc: 'Requests one partner API key may make per minute (a fixed window counted in the store, so several gateways share it); beyond it the API answers 429 with Retry-After.' },
  maskCustomerEmails: { env: 'PARTNERGATE_MASK_CUSTOMER_EMAILS', schema: bool.default(true), default: 'true', doc: 'Show referred customers\' email addresses to partners masked (`j***@example.com`) on pages, in JSON reports and in CSV exports. `false` shows them whole.' },
} satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof settings;
