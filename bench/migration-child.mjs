// One phase of the migration benchmark (bench/migration.ts), run on the built code (dist/) with plain Node, as
// `partnergate migrate ... apply` and `partnergate mail drain` run in production: under tsx the same modules
// cost about 55 MB more resident memory before any work, which would be counted in the peak.
// Prints its figures as one JSON line on stdout.
//
//   node bench/migration-child.mjs <phase> <store> <smtp url> <wordpress url> [partners]
//   phases: apply (apply, then apply again with nothing to do), drain (mail drain, then verify),
//           reference (a bare nodemailer pool sending `partners` fixed messages to the same sink)
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { clearInterval, setInterval } from 'node:timers';
import nodemailer from 'nodemailer';

const [phase, storePath, smtp, wp, count] = process.argv.slice(2);
const dist = new URL('../dist/', import.meta.url);
const load = (path) => import(new URL(path, dist).href);

const round = (v, digits = 1) => Math.round(v * 10 ** digits) / 10 ** digits;
const cpuSeconds = (since) => {
  const u = process.cpuUsage(since);
  return round((u.user + u.system) / 1e6, 2);
};

// Resident and heap memory sampled every 20 ms: the peak RSS is the kernel's (maxRSS); the heap peak and the
// start-up RSS say how much of it the work itself took.
const memory = { startRssMb: round(process.memoryUsage().rss / 1048576), peakHeapMb: 0, peakExternalMb: 0 };
// Heap peak by what the migration said it was doing last (its progress labels): where the memory goes.
const heapByStep = {};
let doing = 'start';
const sample = () => {
  const m = process.memoryUsage();
  memory.peakHeapMb = Math.max(memory.peakHeapMb, round(m.heapUsed / 1048576));
  heapByStep[doing] = Math.max(heapByStep[doing] ?? 0, round(m.heapUsed / 1048576));
  memory.peakExternalMb = Math.max(memory.peakExternalMb, round((m.external + m.arrayBuffers) / 1048576));
};
const sampler = setInterval(sample, 20);
const peakRssMb = () => round(process.resourceUsage().maxRSS / 1024);
const done = (figures) => {
  clearInterval(sampler);
  sample();
  process.stdout.write(`${JSON.stringify({ ...figures, ...memory, peakRssMb: peakRssMb() })}\n`);
};

if (phase === 'reference') {
  // The ceiling of nodemailer's pool on this machine: the same connections, the same sink, a message of the
  // same shape (text + html, base64 bodies) built once; no store, no templates, no sealing.
  const { pooledSmtpUrl } = await load('src/mail/index.js');
  const pool = pooledSmtpUrl(smtp, { maxConnections: Number(process.env.PARTNERGATE_SMTP_MAX_CONNECTIONS ?? 4) });
  const transport = nodemailer.createTransport(pool.url, { from: 'Bench Partners <partners@bench.test>' });
  // With Nagle's algorithm on (nodemailer's default) every message waits for delayed ACKs: 80 emails/s here,
  // a ceiling of nothing. TCP_NODELAY through nodemailer's documented getSocket hook, nothing else.
  transport.transporter.getSocket = (options, callback) => {
    const socket = connect({ host: options.host, port: options.port });
    socket.setNoDelay(true);
    socket.once('error', (err) => callback(err));
    socket.once('connect', () => callback(null, { connection: socket }));
  };
  const text = 'Hello,\n\nyour sign-in for the new partner center: https://partners.bench.test/sso/set-password?token=x\n'.repeat(6);
  const html = `<p>${text.replace(/\n/g, '<br>')}</p>`.repeat(2);
  const n = Number(count);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < n) {
      const i = next++;
      await transport.sendMail({ to: `partner${i}@bench.test`, subject: 'Bench Partners: your sign-in', text, html, messageId: `<ref-${i}@bench.test>`, textEncoding: 'base64' });
    }
  };
  await Promise.all(Array.from({ length: pool.maxConnections * 2 }, lane));
  const seconds = (performance.now() - t0) / 1000;
  transport.close();
  done({ referenceSent: n, referenceSeconds: round(seconds, 2), referencePerSecond: Math.round(n / seconds), referenceCpuSeconds: cpuSeconds(cpu0) });
} else {
  // The modules `partnergate migrate ...` (and `mail drain`) load: the command tree of the one command run
  // (src/admin/cli/program.ts loads a command's module only when it runs) with that command's module, and the
  // engine its runtime renders with (src/admin/cli/runtime.ts). Nothing more, nothing less: module code is live
  // heap, and V8 lets the old generation grow to a multiple of the live heap before collecting the work's garbage.
  const command = phase === 'drain' ? 'mail' : 'migrate';
  // As src/admin/cli.ts does before it runs `migrate` (and not `mail drain`).
  if (command === 'migrate') (await load('src/admin/cli/memory.js')).favourMemoryOverSpeed();
  const { buildProgram } = await load('src/admin/cli/program.js');
  await buildProgram({ stdout: process.stdout, stderr: process.stderr }, { code: 0 }, command);
  const { createLogger } = await load('src/common/index.js');
  const { loadConfig } = await load('src/config/index.js');
  const { createMailTransport, poolOptionsOf, processEmailOutbox } = await load('src/mail/index.js');
  const { openStore } = await load('src/store/index.js');
  const { createViews } = await load('src/views/views.js');
  // `mail drain` does not load the migrations: the drain phase loads them for its verify, once the drain is done.
  const migrations = () => load('migration/index.js');
  const { createLegacyWordPress, situations } = phase === 'drain' ? {} : await migrations();
  const config = loadConfig({
    PARTNERGATE_ENV: 'test',
    PARTNERGATE_LOG_LEVEL: 'warn',
    PARTNERGATE_PUBLIC_URL: 'https://partners.bench.test',
    PARTNERGATE_SMTP_URL: smtp,
    PARTNERGATE_WP_SHIM_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    PARTNERGATE_DEMO_DATA: 'off',
  });
  const logger = createLogger(config.logLevel, process.stderr);
  const store = await openStore({ kind: 'sqlite', path: storePath });
  const mail = createMailTransport({ smtpUrl: config.smtpUrl, from: config.mailFrom, logger, pool: poolOptionsOf(config) });
  const views = createViews({ brand: { name: 'Bench Partners', primaryColor: '#1d4ed8' } });
  const depsWith = (legacyWordPress) => ({
    store, config, views, mail, logger, canSend: true,
    importPartners: async () => ({ ok: true, objects: [] }),
    wordpress: legacyWordPress({ url: wp, user: 'admin', appPassword: 'bench' }),
  });
  if (phase === 'drain') {
    // As `partnergate mail drain` does; then verify, which checks that every partner's link was delivered.
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await processEmailOutbox({ db: store.db, keys: config.dataKeys, transport: mail, views, logger }, { batch: config.mailDrainBatch, lease: true });
    const t1 = performance.now();
    const drainCpuSeconds = cpuSeconds(cpu0);
    const drainPeakRssMb = peakRssMb();
    const m = await migrations();
    const verify = await m.situations['situation-2'].verify(depsWith(m.createLegacyWordPress)).catch((err) => ({ ok: false, partners: [], error: err.message }));
    const t2 = performance.now();
    mail.close();
    await store.close();
    done({ drainSeconds: round((t1 - t0) / 1000, 2), drained: r.sent, drainFailed: r.failed.length, drainCpuSeconds, drainPeakRssMb, connections: mail.maxConnections, verifySeconds: round((t2 - t1) / 1000), verifyOk: verify.ok, verifyProblems: verify.partners.length });
  } else {
    const deps = depsWith(createLegacyWordPress);
    memory.loadedRssMb = round(process.memoryUsage().rss / 1048576);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const onProgress = (label) => {
      doing = label;
    };
    const report = await situations['situation-2'].apply(deps, { send: false, onProgress });
    doing = 're-run';
    const t1 = performance.now();
    const applyCpuSeconds = cpuSeconds(cpu0);
    const applyPeakRssMb = peakRssMb();
    const cpu1 = process.cpuUsage();
    const rerun = await situations['situation-2'].apply(deps, { send: false });
    const t2 = performance.now();
    process.stderr.write(`apply ${round((t1 - t0) / 1000)} s, re-run ${round((t2 - t1) / 1000)} s: ${JSON.stringify(report.steps.map((s) => [s.step, s.ms]))}\n`);
    mail.close();
    await store.close();
    done({
      applySeconds: round((t1 - t0) / 1000),
      applyCpuSeconds,
      applyPeakRssMb,
      steps: report.steps.map((s) => ({ step: s.step, seconds: round((s.ms ?? 0) / 1000), summary: s.summary })),
      rerunSeconds: round((t2 - t1) / 1000, 2),
      rerunCpuSeconds: cpuSeconds(cpu1),
      rerunSteps: rerun.steps.map((s) => `${s.step} ${s.status}`),
      heapByStep,
    });
  }
}
