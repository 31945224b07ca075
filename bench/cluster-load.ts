/**
 * Load on a small cluster: two gateway processes on one PostgreSQL (A with one process, B with
 * `PARTNERGATE_WORKERS=2`), the bench's upstream (nginx, the 12 KB page of the proxy benchmark) behind both,
 * and 100 concurrent clients for 60 s, each sending one request at a time to A or B in turn, of a kind drawn
 * by weight: partner pages (dashboard, commissions list), CSV exports of the partner's commissions, proxied
 * pages, and sign-ins through the real form (GET for the CSRF token, then the POST with an argon2id check).
 * Every answer must have the status its kind expects; any other answer or socket error, and in particular any
 * gateway 5xx, fails the run (`requireClean`) and writes no figure. Reports requests per second and p50/p95
 * per kind.
 *
 *   npx tsx bench/cluster-load.ts [--seconds 60] [--clients 100] [--smoke]     (run `npm run build` first)
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { openSession, sessionPolicyFrom } from '../src/auth/sessions.js';
import { hashPassword } from '../src/accounts/index.js';
import { cookieNames } from '../src/http/cookies.js';
import { migrateToLatest, openStore, type Store } from '../src/store/index.js';
import { startPostgres } from '../test/support/postgres.js';
import { CookieBrowser } from '../test/support/oidc-provider.js';
import { median, requireClean, requireSoundStore, result, round, startGatewayProcess, type BenchResult, type GatewayProcess } from './lib.js';
import { startProxyUpstream } from './proxy.js';

export interface ClusterLoadOptions {
  seconds: number;
  clients: number;
  partners: number;
  commissionsPerPartner: number;
}

type Kind = 'page' | 'export' | 'proxied' | 'sign-in';
/** Out of 100 requests. Sign-ins are few, as in life: each costs an argon2id verification (tens of ms of CPU). */
const WEIGHTS: Array<[Kind, number]> = [
  ['page', 40],
  ['proxied', 45],
  ['export', 12],
  ['sign-in', 3],
];

const PASSWORD = 'bench password, long enough';
const DAY = 86_400_000;

interface Partner {
  email: string;
  cookie: string;
}

interface KindStats {
  latencies: number[];
  non2xx: number;
  errors: number;
  server5xx: number;
}

/** Partners with an account (one shared password hash: hashing is not what is measured), commissions in the last 60 days, a session each. */
async function seed(store: Store, o: ClusterLoadOptions): Promise<Partner[]> {
  const db = store.db;
  const now = Date.now();
  const hash = await hashPassword(PASSWORD);
  const program = await db.insertInto('programs').values({ ontraport_id: null, name: 'Load', currency: 'USD', tier_group: null, level_order: 1, rate_bp: 1000, rules_json: '{}', created_at: now, updated_at: now, synced_at: null }).returning('id').executeTakeFirstOrThrow();
  const product = await db.insertInto('products').values({ ontraport_id: null, name: 'Course, "live"', price_cents: 10_000, currency: 'USD', updated_at: now, synced_at: null }).returning('id').executeTakeFirstOrThrow();
  const policy = sessionPolicyFrom({ sessionIdleMinutes: 600, sessionAbsoluteHours: 24 });
  const partners: Partner[] = [];
  for (let p = 0; p < o.partners; p++) {
    const email = `load${p}@partners.test`;
    const contact = await db.insertInto('contacts').values({ ontraport_id: null, first_name: 'Load', last_name: String(p), email, first_referrer_id: null, last_referrer_id: null, added_at: now, updated_at: now, synced_at: null, first_referrer_ontraport_id: null, last_referrer_ontraport_id: null }).returning('id').executeTakeFirstOrThrow();
    const partner = await db.insertInto('partners').values({ contact_id: contact.id, referral_code: `load${p}`, program_id: program.id, paypal_email: null, status: 'active', time_zone: 'UTC', alias: null, created_at: now, updated_at: now, synced_at: null }).returning('id').executeTakeFirstOrThrow();
    const account = await db.insertInto('accounts').values({ partner_id: partner.id, email, role: 'partner', password_hash: hash, totp_secret: null, totp_enabled: 0, totp_recovery_json: null, oidc_subject: null, created_at: now, password_changed_at: null, disabled_at: null }).returning('id').executeTakeFirstOrThrow();
    const rows = Array.from({ length: o.commissionsPerPartner }, (_, i) => {
      const at = now - Math.floor(((i + 1) * 60 * DAY) / (o.commissionsPerPartner + 1));
      const status = (['approved', 'pending', 'paid'] as const)[i % 3];
      return { partner_id: partner.id, contact_id: contact.id, product_id: product.id, promo_tool_id: null, sub_id: i % 5 ? `sub-${i % 7}` : null, kind: 'sale' as const, status, amount_cents: 1000 + i, currency: 'USD', transaction_at: at, processed_at: at, paid_at: status === 'paid' ? at + DAY : null, updated_at: at };
    });
    for (let i = 0; i < rows.length; i += 500) await db.insertInto('commissions').values(rows.slice(i, i + 500) as never).execute();
    const { cookieValue } = await openSession(db, policy, { accountId: account.id, method: 'password' });
    partners.push({ email, cookie: `${cookieNames(false).session}=${cookieValue}` });
  }
  return partners;
}

function pick(rand: number): Kind {
  let n = rand * 100;
  for (const [kind, w] of WEIGHTS) if ((n -= w) < 0) return kind;
  return 'proxied';
}

function p(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((q / 100) * s.length) - 1)]!;
}

export async function runClusterLoad(o: ClusterLoadOptions): Promise<{ seconds: number; stats: Record<Kind, KindStats>; gateways: string[]; storeCheck: string }> {
  const pg = await startPostgres();
  const upstream = await startProxyUpstream();
  const gateways: GatewayProcess[] = [];
  try {
    const url = await pg.createDatabase('cluster_load');
    const store = await openStore({ kind: 'postgres', url });
    let partners: Partner[];
    try {
      await migrateToLatest(store.db, 'postgres');
      partners = await seed(store, o);
    } finally {
      await store.close();
    }
    const env = {
      DATABASE_URL: url,
      PARTNERGATE_UPSTREAM_URL: upstream.url,
      PARTNERGATE_DATA_KEY: randomBytes(32).toString('base64'),
      PARTNERGATE_SESSION_IDLE_MINUTES: '600',
      // Every client comes from 127.0.0.1 and signs in with the right password: the throttle is not what is measured.
      PARTNERGATE_LOGIN_MAX_PER_IP: '100000',
      PARTNERGATE_EXPORT_QUEUE_SECONDS: '30',
    };
    gateways.push(await startGatewayProcess({ ...env, PARTNERGATE_WORKERS: '1' }));
    gateways.push(await startGatewayProcess({ ...env, PARTNERGATE_WORKERS: '2' }));
    const stats = Object.fromEntries(WEIGHTS.map(([k]) => [k, { latencies: [], non2xx: 0, errors: 0, server5xx: 0 }])) as unknown as Record<Kind, KindStats>;
    const from = new Date(Date.now() - 61 * DAY).toISOString().slice(0, 10);
    const to = new Date().toISOString().slice(0, 10);

    /** One request of `kind` to `base` as partner `partner`; returns the status it got (0: socket error). */
    async function once(kind: Kind, base: string, partner: Partner, n: number): Promise<{ status: number; expected: number; ms: number }> {
      const started = performance.now();
      const get = async (path: string, cookie?: string) => {
        const res = await fetch(`${base}${path}`, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
        await res.arrayBuffer();
        return res.status;
      };
      switch (kind) {
        case 'page':
          return { status: await get(n % 2 ? '/partner-center/' : '/partner-center/commissions/pending', partner.cookie), expected: 200, ms: performance.now() - started };
        case 'export':
          return { status: await get(`/partner-center/exports/commissions.csv?from=${from}&to=${to}`, partner.cookie), expected: 200, ms: performance.now() - started };
        case 'proxied':
          return { status: await get('/page'), expected: 200, ms: performance.now() - started };
        case 'sign-in': {
          const browser = new CookieBrowser();
          const page = await browser.request('GET', `${base}/sso/sign-in`);
          const csrf = /name="_csrf" value="([^"]*)"/.exec(page.text)?.[1] ?? '';
          const res = await browser.request('POST', `${base}/sso/sign-in`, { _csrf: csrf, email: partner.email, password: PASSWORD, rd: '' });
          return { status: res.status, expected: 303, ms: performance.now() - started };
        }
      }
    }

    const deadline = Date.now() + o.seconds * 1000;
    const started = Date.now();
    let seq = 0;
    await Promise.all(
      Array.from({ length: o.clients }, async (_, c) => {
        // Each client is its own partner (pages and exports are per partner; at most one export per partner at a time).
        const partner = partners[c % partners.length]!;
        for (let i = c; Date.now() < deadline; i++) {
          const kind = pick(Math.random());
          const base = gateways[i % gateways.length]!.url;
          const s = stats[kind];
          try {
            const r = await once(kind, base, partner, seq++);
            if (r.status !== r.expected) {
              s.non2xx++;
              if (r.status >= 500) s.server5xx++;
            } else s.latencies.push(r.ms);
          } catch {
            s.errors++;
          }
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    const storeCheck = await requireSoundStore('cluster-load', { kind: 'postgres', url });
    return { seconds, stats, gateways: gateways.map((g) => g.url), storeCheck };
  } finally {
    for (const g of gateways) await g.stop();
    await upstream.stop();
    await pg.stop();
  }
}

const FULL: ClusterLoadOptions = { seconds: 60, clients: 100, partners: 100, commissionsPerPartner: 1000 };
const SMOKE: ClusterLoadOptions = { seconds: 5, clients: 10, partners: 10, commissionsPerPartner: 50 };

export async function benchClusterLoad({ smoke }: { smoke: boolean }): Promise<BenchResult[]> {
  const o = smoke ? SMOKE : FULL;
  const r = await runClusterLoad(o);
  const all = Object.values(r.stats);
  const total = all.reduce((a, s) => a + s.latencies.length, 0);
  const server5xx = all.reduce((a, s) => a + s.server5xx, 0);
  const summary = { non2xx: all.reduce((a, s) => a + s.non2xx, 0), errors: all.reduce((a, s) => a + s.errors, 0) };
  const detail = Object.entries(r.stats).map(([k, s]) => `${k}: ${s.non2xx} unexpected (${s.server5xx} 5xx), ${s.errors} socket errors`).join('; ');
  requireClean(`cluster-load (${detail})`, summary);
  const out: BenchResult[] = [
    result('cluster-load: requests/s (2 gateways, 3 processes, one PostgreSQL)', round(total / r.seconds, 1), 'req/s', undefined, `${o.clients} clients for ${o.seconds} s; ${total} answers, 0 gateway 5xx, 0 unexpected statuses, 0 socket errors; ${r.storeCheck} after the run`),
    result('cluster-load: gateway 5xx', server5xx, 'answers'),
  ];
  for (const [kind, s] of Object.entries(r.stats)) {
    const what = kind === 'export' ? `commissions CSV, ${o.commissionsPerPartner} rows over 60 days` : kind === 'sign-in' ? 'GET form + POST (argon2id), timed together' : kind === 'page' ? 'dashboard and commissions list, alternating' : '12 KB upstream page';
    out.push(result(`cluster-load ${kind}: p95`, round(p(s.latencies, 95), 1), 'ms', undefined, `p50 ${round(median(s.latencies), 1)} ms; ${s.latencies.length} answers; ${what}`));
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const smoke = args.includes('--smoke');
  const num = (flag: string) => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : undefined);
  (async () => {
    const base = smoke ? SMOKE : FULL;
    const o = { ...base, seconds: num('--seconds') ?? base.seconds, clients: num('--clients') ?? base.clients };
    const r = await runClusterLoad({ ...o, partners: Math.max(o.partners, o.clients) });
    const pct = Object.fromEntries(Object.entries(r.stats).map(([k, s]) => [k, { answers: s.latencies.length, p50: round(median(s.latencies), 1), p95: round(p(s.latencies, 95), 1), unexpected: s.non2xx, server5xx: s.server5xx, errors: s.errors }]));
    process.stdout.write(`${JSON.stringify({ seconds: r.seconds, kinds: pct, storeCheck: r.storeCheck }, null, 2)}\n`);
  })().catch((err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  });
}
