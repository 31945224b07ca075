/**
 * The migration at scale: situation 2 for N partners (default 100,000) on a SQLite store filled by the demo-data
 * generator, with the legacy site served by a stand-in speaking wp-shim's REST contract (N WordPress users, one
 * per partner email, paged by 1000). `apply` commits the state and queues the emails, as the CLI does; it runs in
 * a child process so its peak memory (max RSS) is its own, followed there by a second apply (nothing to do) and a
 * verify. Then another child drains the outbox as `partnergate mail drain` does (pooled SMTP, 4 connections) to
 * a counting sink: every email really sent. Each figure is set against its target (issue 21).
 * The Ontraport import is not part of the figure (the store is filled beforehand; the sync has its own bench).
 *
 *   npx tsx bench/migration.ts [--partners 100000] [--out result.json]      prints the figures as JSON
 *   benchMigration({ smoke })                                               for bench/run.ts
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { SMTPServer } from 'smtp-server';
import { createLogger } from '../src/common/index.js';
import { loadConfig } from '../src/config/index.js';
import { generateDemoData } from '../src/demo/index.js';
import { createMailTransport, poolOptionsOf, processEmailOutbox } from '../src/mail/index.js';
import { buildSqliteFile, openStore } from '../src/store/index.js';
import { createViews } from '../src/views/index.js';
import { createLegacyWordPress, situations } from '../migration/index.js';
import { requireSoundStore, result, round, type BenchResult } from './lib.js';

const HERE = fileURLToPath(import.meta.url);

export interface MigrationFigures {
  partners: number;
  wordpressUsers: number;
  applySeconds: number;
  steps: Array<{ step: string; seconds: number; summary: string }>;
  emailsSent: number;
  emailsPerSecond: number;
  rerunSeconds: number;
  verifySeconds: number;
  drainSeconds: number;
  drainPeakRssMb: number;
  verifyOk: boolean;
  peakRssMb: number;
  setupSeconds: number;
  /** `partnergate db check` on the store after the migration ran ('db check ok'; a failed check throws). */
  storeCheck: string;
}

/** An SMTP server that accepts everything and only counts (parsing would cost more than the migration). */
async function countingSink(): Promise<{ url: string; count(): number; close(): Promise<void> }> {
  let n = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    disableReverseLookup: true,
    onData(stream, _s, cb) {
      stream.on('end', () => {
        n++;
        cb();
      });
      stream.resume();
    },
  });
  // A mail relay answers without waiting for Nagle (Postfix, for one, sets TCP_NODELAY on its SMTP sockets).
  server.server.on('connection', (socket: Socket) => socket.setNoDelay(true));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as AddressInfo).port;
  return { url: `smtp://127.0.0.1:${port}/`, count: () => n, close: () => new Promise((r) => server.close(() => r())) };
}

/** Answers wp-shim's export (paged) and settings routes for the given users, as the plugin does. */
async function legacySite(emails: string[]): Promise<{ url: string; close(): Promise<void> }> {
  let settings: Record<string, unknown> = { login_redirect: 'wordpress', legacy_page_301: false, legacy_page_target: '', assertion_login: false, partner_role: '', partner_meta_key: '' };
  let origin = '';
  const shim = () => ({ settings, effective: settings, gateway_url: 'https://partners.bench.test', secret_configured: true, legacy_page_target: settings.legacy_page_target || null });
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/wp-json/partnergate/v1/export') {
      const page = Number(url.searchParams.get('page') ?? 1);
      const perPage = Math.min(5000, Number(url.searchParams.get('per_page') ?? 500));
      const slice = emails.slice((page - 1) * perPage, page * perPage);
      return json(200, {
        site: { home: origin, siteurl: origin },
        users: slice.map((email, i) => {
          const id = (page - 1) * perPage + i + 2;
          return { id, login: `user${id}`, email, display_name: `User ${id}`, roles: ['subscriber'], partner: true, meta: { program_id: '1', contact_id: String(id) } };
        }),
        users_total: emails.length,
        page,
        per_page: perPage,
        pages: Math.ceil(emails.length / perPage),
        pilotpress_settings: { affiliate_center: 'on', pilotpress_affiliate_plr: '7', api_key: '[redacted]' },
        legacy_partner_center: { id: 7, title: 'Partner Center', slug: 'affiliate-center', status: 'publish', url: `${origin}/affiliate-center/`, system_page: 'affiliate_center' },
        plr: { affiliate_plr: '7', affiliate_plr_url: `${origin}/affiliate-center/`, customer_plr: '-1', customer_plr_url: `${origin}/` },
        shim: shim(),
      });
    }
    if (url.pathname === '/wp-json/partnergate/v1/settings' && req.method === 'POST') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const previous = settings;
        settings = { ...settings, ...(JSON.parse(body) as Record<string, unknown>) };
        json(200, { previous, current: settings });
      });
      return;
    }
    if (url.pathname === '/affiliate-center/') {
      if (settings.legacy_page_301) {
        res.writeHead(301, { location: String(settings.legacy_page_target) });
        return res.end();
      }
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('<h1>Partner Center</h1>');
    }
    json(404, { code: 'rest_no_route' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: origin, close: () => new Promise((r) => server.close(() => r())) };
}

function childConfig(smtp: string) {
  return loadConfig({
    PARTNERGATE_ENV: 'test',
    PARTNERGATE_LOG_LEVEL: 'warn',
    PARTNERGATE_PUBLIC_URL: 'https://partners.bench.test',
    PARTNERGATE_SMTP_URL: smtp,
    PARTNERGATE_WP_SHIM_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    PARTNERGATE_DEMO_DATA: 'off',
  });
}

/** In the child: runs apply (queue only), apply again and verify, or the drain; prints the figures as one JSON line. */
async function child(opts: { store: string; smtp: string; wp: string; phase: string }): Promise<void> {
  const config = childConfig(opts.smtp);
  const logger = createLogger(config.logLevel, process.stderr);
  const store = await openStore({ kind: 'sqlite', path: opts.store });
  const mail = createMailTransport({ smtpUrl: config.smtpUrl, from: config.mailFrom, logger, pool: poolOptionsOf(config) });
  const views = createViews({ brand: { name: 'Bench Partners', primaryColor: '#1d4ed8' } });
  const peakRssMb = () => round(process.resourceUsage().maxRSS / 1024, 1);
  const deps = {
    store,
    config,
    views,
    mail,
    logger,
    canSend: true,
    importPartners: async () => ({ ok: true, objects: [] }),
    wordpress: createLegacyWordPress({ url: opts.wp, user: 'admin', appPassword: 'bench' }),
  };
  if (opts.phase === 'drain') {
    // As `partnergate mail drain` does; then verify, which checks that every partner's link was delivered.
    const t0 = performance.now();
    const r = await processEmailOutbox({ db: store.db, keys: config.dataKeys, transport: mail, views, logger }, { batch: config.mailDrainBatch, lease: true });
    const t1 = performance.now();
    const verify = await situations['situation-2'].verify(deps).catch((err: Error) => ({ ok: false, partners: [], error: err.message }));
    const t2 = performance.now();
    mail.close();
    await store.close();
    process.stdout.write(`${JSON.stringify({ drainSeconds: round((t1 - t0) / 1000, 1), drained: r.sent, drainFailed: r.failed.length, drainPeakRssMb: peakRssMb(), verifySeconds: round((t2 - t1) / 1000, 1), verifyOk: verify.ok, verifyProblems: verify.partners.length })}\n`);
    return;
  }
  const t0 = performance.now();
  const report = await situations['situation-2'].apply(deps, { send: false });
  const t1 = performance.now();
  await situations['situation-2'].apply(deps, { send: false });
  const t2 = performance.now();
  process.stderr.write(`apply ${round((t1 - t0) / 1000, 1)} s, re-run ${round((t2 - t1) / 1000, 1)} s: ${JSON.stringify(report.steps.map((s) => [s.step, s.ms]))}\n`);
  mail.close();
  await store.close();
  process.stdout.write(
    `${JSON.stringify({
      applySeconds: round((t1 - t0) / 1000, 1),
      steps: report.steps.map((s) => ({ step: s.step, seconds: round((s.ms ?? 0) / 1000, 1), summary: s.summary })),
      rerunSeconds: round((t2 - t1) / 1000, 1),
      peakRssMb: peakRssMb(),
    })}\n`,
  );
}

/** Runs one phase of the migration in a child process; returns its JSON line. */
function runChild<T>(args: string[]): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // PARTNERGATE_BENCH_PROFILE=<dir>: each phase writes a V8 CPU profile there (how the costs below were found).
    const profile = process.env.PARTNERGATE_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PARTNERGATE_BENCH_PROFILE}`] : [];
    execFile(process.execPath, [...profile, '--import', 'tsx', HERE, '--child', ...args], { maxBuffer: 64 * 1024 * 1024, timeout: 30 * 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`migration child failed: ${err.message}\n${stderr.slice(-2000)}`));
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1)!) as T);
    });
  });
}

export async function measureMigration(opts: { partners: number }): Promise<MigrationFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'partnergate-migration-bench-'));
  const path = join(dir, 'bench.sqlite');
  const sink = await countingSink();
  let site: { url: string; close(): Promise<void> } | undefined;
  try {
    const setupStart = performance.now();
    const rows = await buildSqliteFile(path, async (store) => {
      await generateDemoData(store, { seed: 1, partners: opts.partners, commissions: opts.partners, visitsPerCommission: 1 });
      return store.db.selectFrom('partners as p').innerJoin('contacts as c', 'c.id', 'p.contact_id').select('c.email').orderBy('p.id').execute();
    });
    site = await legacySite(rows.map((r) => r.email ?? ''));
    const setupSeconds = round((performance.now() - setupStart) / 1000, 1);

    const common = ['--store', path, '--smtp', sink.url, '--wp', site.url];
    const child = await runChild<Pick<MigrationFigures, 'applySeconds' | 'steps' | 'rerunSeconds' | 'peakRssMb'>>([...common, '--phase', 'apply']);
    const drain = await runChild<{ drainSeconds: number; drained: number; drainFailed: number; drainPeakRssMb: number; verifySeconds: number; verifyOk: boolean }>([...common, '--phase', 'drain']);
    if (drain.drainFailed) throw new Error(`${drain.drainFailed} emails refused by the sink`);
    const storeCheck = await requireSoundStore('migration', { kind: 'sqlite', path });
    return {
      partners: opts.partners,
      wordpressUsers: rows.length,
      ...child,
      drainSeconds: drain.drainSeconds,
      drainPeakRssMb: drain.drainPeakRssMb,
      verifySeconds: drain.verifySeconds,
      verifyOk: drain.verifyOk,
      emailsSent: sink.count(),
      emailsPerSecond: drain.drainSeconds > 0 ? round(sink.count() / drain.drainSeconds, 0) : 0,
      setupSeconds,
      storeCheck,
    };
  } finally {
    await site?.close();
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchMigration(opts: { smoke: boolean }): Promise<BenchResult[]> {
  const f = await measureMigration({ partners: opts.smoke ? 2_000 : 100_000 });
  const label = opts.smoke ? '2k' : '100k';
  const target = (value: number, unit: string) => ({ name: `target ${value.toLocaleString('en-US')} ${unit}`, value, higherIsBetter: false });
  const note = `apply commits and queues, sends nothing; steps: ${f.steps.map((s) => `${s.step} ${s.seconds}s`).join(', ')}; ${f.storeCheck} after the run`;
  return [
    result(`migration situation-2 apply, ${label} partners`, f.applySeconds, 's', target(60, 's'), note),
    result(`migration situation-2 apply peak memory, ${label} partners`, f.peakRssMb, 'MB', target(250, 'MB')),
    result(`migration outbox drain, ${label} partners`, f.emailsPerSecond, 'emails/s', { name: 'target 1,000 emails/s', value: 1000 }, `${f.emailsSent} emails over pooled SMTP (4 connections) to a local sink in ${f.drainSeconds} s; drain peak memory ${f.drainPeakRssMb} MB`),
    result(`migration situation-2 re-run (nothing to do), ${label} partners`, f.rerunSeconds, 's', target(5, 's')),
    result(`migration situation-2 verify, ${label} partners`, f.verifySeconds, 's', undefined, f.verifyOk ? 'every partner checked: ok' : 'verify reported problems'),
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const program = new Command()
    .option('--partners <n>', 'partners (and WordPress users)', '100000')
    .option('--out <file>', 'also write the JSON here')
    .option('--child', 'internal: run the migration')
    .option('--store <file>')
    .option('--smtp <url>')
    .option('--wp <url>')
    .option('--phase <phase>', 'internal: apply or drain', 'apply')
    .parse();
  const o = program.opts<{ partners: string; out?: string; child?: boolean; store?: string; smtp?: string; wp?: string; phase: string }>();
  if (o.child) {
    await child({ store: o.store!, smtp: o.smtp!, wp: o.wp!, phase: o.phase });
  } else {
    const figures = await measureMigration({ partners: Number(o.partners) });
    const text = JSON.stringify(figures, null, 2);
    if (o.out) writeFileSync(o.out, `${text}\n`);
    process.stdout.write(`${text}\n`);
  }
}
