/**
 * Load: mixed traffic from 100 concurrent clients for PARTNERGATE_LOAD_SECONDS (default 60; 600 is the soak) against
 * one gateway in its own process (so its memory is its own), on the SQLite store with the demo program (40
 * partners, 4,000 commissions) and a throw-away WordPress: proxied pages (anonymous and signed in, so with an
 * identity assertion), partner center pages, leaderboards, CSV exports and report JSON, and real password
 * sign-ins (right and wrong). Held: zero 5xx from the gateway (the upstream never answers one), no failed
 * connection, the expected status for every kind of request, memory bounded (resident set growth after warm-up
 * and the peak under stated bounds), and the gateway healthy afterwards. The figures are printed at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Agent, request } from 'node:http';
import { hashPassword } from '../../src/accounts/index.js';
import { openSession, sessionPolicyFrom, csrfTokenFor } from '../../src/auth/sessions.js';
import { generateDemoData } from '../../src/demo/index.js';
import { migrateToLatest, openStore } from '../../src/store/index.js';
import { startFakeUpstream, type FakeUpstream } from '../proxy/fake-upstream.js';
import { freePort } from '../support/postgres.js';
import { expectAllHeld, figuresPrinter, type CaseResult } from './support.js';

const CLASS = 'load';
const SECONDS = Number(process.env.PARTNERGATE_LOAD_SECONDS ?? 60);
const CLIENTS = 100;
const PASSWORD = 'load-test-partner-password';
/** Bounds: resident memory may grow this much after warm-up, and never exceed the peak bound. */
const RSS_GROWTH_MB = 150;
const RSS_PEAK_MB = 700;
const REPO = fileURLToPath(new URL('../..', import.meta.url));

const figure = figuresPrinter('Load figures');

/** One request on a keep-alive agent (100 clients need 100 sockets, reused). */
function call(agent: Agent, url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; text: string; setCookies: string[] }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: { ...init.headers, ...(init.body !== undefined ? { 'content-length': String(Buffer.byteLength(init.body)) } : {}) }, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), setCookies: (res.headers['set-cookie'] ?? []) as string[] }));
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(Object.assign(new Error('no answer in 30 s'), { code: 'CLIENT_TIMEOUT' })));
    req.end(init.body);
  });
}

function rssMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024;
  return { rss: Math.round(kb('VmRSS')), peak: Math.round(kb('VmHWM')) };
}

type Kind = 'proxied' | 'proxied signed in' | 'page' | 'leaderboard' | 'export' | 'json' | 'sign-in' | 'wrong password';

interface Tally {
  count: number;
  statuses: Map<number, number>;
  errors: Map<string, number>;
  latencies: number[];
}

describe('adversarial: load (100 concurrent clients, mixed traffic)', function () {
  this.timeout((SECONDS + 120) * 1000);
  let dir: string;
  let upstream: FakeUpstream;
  let child: ChildProcess;
  let base: string;
  let sessions: Array<{ cookie: string }>;
  let emails: string[];

  before(async function () {
    this.timeout(120_000);
    dir = mkdtempSync(join(tmpdir(), 'pg-load-'));
    const path = join(dir, 'load.sqlite');
    const store = await openStore({ kind: 'sqlite', path });
    await migrateToLatest(store.db, 'sqlite');
    await generateDemoData(store, { seed: 11, partners: 40, commissions: 4_000 });
    // Accounts for 20 active partners (one password hash at production cost), and 3 live sessions each.
    const hash = await hashPassword(PASSWORD);
    const partners = await store.db.selectFrom('partners').select(['id']).where('status', '=', 'active').orderBy('id').limit(20).execute();
    expect(partners).to.have.length(20);
    const policy = sessionPolicyFrom({ sessionIdleMinutes: 600, sessionAbsoluteHours: 24 });
    sessions = [];
    emails = [];
    for (const [i, p] of partners.entries()) {
      const email = `load-partner-${i}@example.test`;
      const account = await store.db
        .insertInto('accounts')
        .values({ partner_id: p.id, email, role: 'partner', password_hash: hash, totp_secret: null, totp_enabled: 0, totp_recovery_json: null, oidc_subject: null, created_at: Date.now(), password_changed_at: null, disabled_at: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      emails.push(email);
      for (let k = 0; k < 3; k++) {
        const { cookieValue, session } = await openSession(store.db, policy, { accountId: account.id, method: 'password' });
        void csrfTokenFor(session);
        sessions.push({ cookie: `pg_session=${cookieValue}` });
      }
    }
    await store.close();

    upstream = await startFakeUpstream();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // Only what a deployer would set: the gateway refuses unknown PARTNERGATE_ variables.
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: REPO,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? dir,
        PARTNERGATE_PORT: String(port),
        PARTNERGATE_HOST: '127.0.0.1',
        PARTNERGATE_PUBLIC_URL: base,
        PARTNERGATE_SQLITE_PATH: path,
        PARTNERGATE_UPSTREAM_URL: upstream.url,
        PARTNERGATE_WP_SHIM_SECRET: 'load-test-wp-shim-secret-0123456789abcdef',
        PARTNERGATE_LOG_LEVEL: 'error',
        PARTNERGATE_DEMO_DATA: 'off',
        PARTNERGATE_ENV: 'test',
        PARTNERGATE_SESSION_IDLE_MINUTES: '600',
        PARTNERGATE_LOGIN_MAX_PER_ACCOUNT: '1000',
        PARTNERGATE_LOGIN_MAX_PER_IP: '100000',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${base}/healthz`)).status === 200) break;
      } catch {
        /* not up yet */
      }
      if (i > 300 || child.exitCode !== null) throw new Error('the gateway did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await upstream?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`holds ${SECONDS} s of mixed traffic from ${CLIENTS} clients: zero 5xx, no failed connection, bounded memory`, async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS + 10 });
    const tallies = new Map<Kind, Tally>();
    /** The first answer of each kind and failing status, shown when a case does not hold. */
    const samples = new Map<string, string>();
    const tally = (k: Kind) => tallies.get(k) ?? (tallies.set(k, { count: 0, statuses: new Map(), errors: new Map(), latencies: [] }), tallies.get(k)!);
    const pages = ['/partner-center/', '/partner-center/commissions', '/partner-center/earnings', '/partner-center/reports', '/partner-center/contacts', '/partner-center/links', '/partner-center/subscriptions', '/partner-center/promo-tools', '/partner-center/settings'];
    const exportsList = ['/partner-center/exports/commissions.csv', '/partner-center/exports/payments.csv', '/partner-center/exports/report.csv?by=subid', '/partner-center/exports/contacts.csv'];
    const jsonList = ['/partner-center/api/reports/commissions?limit=100', '/partner-center/api/reports/report', '/sso/session'];
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;

    async function one(kind: Kind, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<void> {
      const t = tally(kind);
      const t0 = performance.now();
      try {
        const res = await call(agent, `${base}${path}`, init);
        t.statuses.set(res.status, (t.statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 400 && !samples.has(`${kind} ${res.status}`)) samples.set(`${kind} ${res.status}`, `${path}: ${res.text.replace(/\s+/g, ' ').replace(/.*<main[^>]*>/, '').slice(0, 300)}`);
      } catch (err) {
        const e = err as Error & { code?: string };
        const key = e.code ?? e.message;
        t.errors.set(key, (t.errors.get(key) ?? 0) + 1);
      }
      t.count++;
      t.latencies.push(performance.now() - t0);
    }

    async function signIn(right: boolean): Promise<void> {
      const page = await call(agent, `${base}/sso/sign-in`).catch(() => ({ status: 0, text: '', setCookies: [] as string[] }));
      const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
      const pre = page.setCookies.find((c) => c.startsWith('pg_csrf='))?.split(';')[0] ?? '';
      await one(right ? 'sign-in' : 'wrong password', '/sso/sign-in', {
        method: 'POST',
        headers: { cookie: pre, origin: base, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: token, email: pick(emails), password: right ? PASSWORD : 'not the password' }).toString(),
      });
    }

    const deadline = Date.now() + SECONDS * 1000;
    const warmAt = Date.now() + Math.min(10, SECONDS * 0.2) * 1000;
    let warm: { rss: number; peak: number } | undefined;
    const sampler = setInterval(() => {
      if (!warm && Date.now() >= warmAt) warm = rssMb(child.pid!);
    }, 250);
    const client = async (n: number) => {
      while (Date.now() < deadline) {
        const r = Math.random() * 100;
        const cookie = sessions[n % sessions.length]!.cookie;
        if (r < 30) await one('proxied', `/blog/post-${Math.floor(Math.random() * 500)}/?utm=${n}`);
        else if (r < 45) await one('proxied signed in', `/shop/item-${Math.floor(Math.random() * 100)}`, { headers: { cookie } });
        else if (r < 78) await one('page', pick(pages), { headers: { cookie } });
        else if (r < 83) await one('leaderboard', '/partner-center/leaderboard', { headers: { cookie } });
        else if (r < 87) await one('export', pick(exportsList), { headers: { cookie } });
        else if (r < 99.2) await one('json', pick(jsonList), { headers: { cookie } });
        else if (r < 99.8) await signIn(true);
        else await signIn(false);
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: CLIENTS }, (_x, n) => client(n)));
    const elapsed = (Date.now() - started) / 1000;
    clearInterval(sampler);
    const end = rssMb(child.pid!);
    warm ??= end;
    agent.destroy();

    const expected: Record<Kind, number[]> = {
      proxied: [200],
      'proxied signed in': [200],
      page: [200],
      leaderboard: [200],
      // Five clients share each partner here: a partner's third export at once is refused (MAX_EXPORTS_PER_PARTNER).
      export: [200, 429],
      json: [200],
      'sign-in': [303],
      'wrong password': [401],
    };
    const results: CaseResult[] = [];
    let total = 0;
    let fiveXx = 0;
    for (const [kind, t] of tallies) {
      total += t.count;
      const sorted = [...t.latencies].sort((x, y) => x - y);
      const p = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
      const statuses = [...t.statuses].map(([s, n]) => `${s}x${n}`).join(' ');
      const errors = [...t.errors].map(([e, n]) => `${e}x${n}`).join(' ');
      const five = [...t.statuses].filter(([s]) => s >= 500).reduce((a, [, n]) => a + n, 0);
      fiveXx += five;
      figure(`  ${kind}: ${t.count} requests, p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, statuses ${statuses}${errors ? `, errors ${errors}` : ''}`);
      results.push({ name: `load: ${kind}: zero 5xx`, held: five === 0, why: statuses });
      results.push({ name: `load: ${kind}: no failed connection`, held: t.errors.size === 0, why: errors });
      results.push({ name: `load: ${kind}: expected statuses only`, held: [...t.statuses.keys()].every((s) => expected[kind].includes(s)), why: `${statuses}; ${[...samples].filter(([k]) => k.startsWith(`${kind} `)).map(([k, v]) => `${k}: ${v}`).join(' | ')}` });
    }
    figure(`  ${CLIENTS} clients for ${elapsed.toFixed(1)} s: ${total} requests (${Math.round(total / elapsed)}/s), ${fiveXx} answered 5xx; gateway RSS ${warm.rss} MB after warm-up, ${end.rss} MB at the end (growth ${end.rss - warm.rss} MB, bound ${RSS_GROWTH_MB}), peak ${end.peak} MB (bound ${RSS_PEAK_MB})`, true);
    results.push({ name: 'load: every kind of traffic was exercised', held: tallies.size === Object.keys(expected).length, why: [...tallies.keys()].join(', ') });
    results.push({ name: `load: RSS growth after warm-up under ${RSS_GROWTH_MB} MB`, held: end.rss - warm.rss < RSS_GROWTH_MB, why: `${warm.rss} -> ${end.rss} MB` });
    results.push({ name: `load: peak RSS under ${RSS_PEAK_MB} MB`, held: end.peak < RSS_PEAK_MB, why: `${end.peak} MB` });
    const ready = await fetch(`${base}/readyz`);
    results.push({ name: 'load: healthy afterwards (/readyz)', held: ready.status === 200, why: await ready.text() });
    expect(total, 'requests made').to.be.greaterThan(CLIENTS);
    expectAllHeld(CLASS, results);
  });
});
