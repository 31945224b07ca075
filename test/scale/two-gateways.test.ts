/**
 * Two gateway processes on one PostgreSQL database, as behind a load balancer: gateway A with one process,
 * gateway B with `PARTNERGATE_WORKERS=2` (node:cluster), both with the Ontraport sync on a one-second interval
 * against the emulator. Everything that must hold across processes is kept in the store, and this shows it:
 * a session opened on one is valid on the other, a sign-out on one ends it on both, the sign-in throttle counts
 * the attempts made on both, and of the three processes ticking the background jobs one alone runs the sync
 * (the `jobs.runner` lease): the others skip, and the runs never interleave.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { openStore, migrateToLatest, type Store } from '../../src/store/index.js';
import { csrfIn, newBrowser, PASSWORD, seedPartner, sessionInfo, signInWithForm } from '../auth/support/fixtures.js';
import type { CookieBrowser } from '../support/oidc-provider.js';
import { startOntraportEmulator, type OntraportEmulator } from '../support/ontraport-emulator.js';
import { freePort } from '../support/postgres.js';
import { sharedPostgres } from '../support/store.js';

const root = new URL('../..', import.meta.url).pathname;
/** The order in which a sync run visits the object types (programs ... open orders). */
const RUN_ORDER = [35, 0, 36, 16, 40, 17, 38, 44];

interface GatewayProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<void>;
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}; ${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The real gateway (built, or through tsx) in its own process group, so its workers go with it. */
async function startGateway(env: Record<string, string>): Promise<GatewayProcess> {
  const port = await freePort();
  const entry = process.env.PARTNERGATE_TEST_BUILT === '1' ? [`${root}dist/src/main.js`] : ['--import', 'tsx', `${root}src/main.ts`];
  const child = spawn(process.execPath, entry, {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', PARTNERGATE_PORT: String(port), PARTNERGATE_HOST: '127.0.0.1', PARTNERGATE_PUBLIC_URL: `http://127.0.0.1:${port}`, ...env },
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const workers = env.PARTNERGATE_WORKERS ?? '1';
  await until(`gateway on ${port}`, async () => (await fetch(`${url}/readyz`).then((r) => r.status, () => 0)) === 200 && (workers === '1' || output.includes(`(${workers} worker processes)`)), 90_000, () => output.slice(-2000));
  return { url, child, output: () => output, exited };
}

async function stopGateway(gw: GatewayProcess | undefined): Promise<void> {
  if (!gw) return;
  try {
    process.kill(-gw.child.pid!, 'SIGKILL');
  } catch {
    /* already gone */
  }
  await gw.exited;
}

/** The same browser on the other gateway: its session cookie copied across (one site behind a balancer). */
function sameBrowserOn(url: string, from: CookieBrowser, fromUrl: string): CookieBrowser {
  const b = newBrowser();
  b.setCookie(url, 'pg_session', from.cookie(fromUrl, 'pg_session')!);
  return b;
}

/** Info log lines of every process, JSON per line. */
function logLines(gw: GatewayProcess): Array<{ msg?: string; holder?: string; pid?: number }> {
  return gw
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg?: string; holder?: string; pid?: number });
}

describe('scale: two gateways (one with PARTNERGATE_WORKERS=2) on one PostgreSQL', function () {
  this.timeout(240_000);
  let store: Store;
  let emu: OntraportEmulator;
  let a: GatewayProcess | undefined;
  let b: GatewayProcess | undefined;
  let dbUrl: string;

  before(async () => {
    const pg = await sharedPostgres();
    dbUrl = await pg.createDatabase();
    store = await openStore({ kind: 'postgres', url: dbUrl });
    await migrateToLatest(store.db, 'postgres');
    emu = await startOntraportEmulator({ rateLimit: 600, rateWindowMs: 60_000 });
    emu.seed({ programs: 1, partners: 2, contacts: 4, unreferredContacts: 1, products: 1, purchases: 2, uncreditedPurchases: 0, clawbacks: 0, openOrders: 1, promoTools: 1 });
    const shared = {
      DATABASE_URL: dbUrl,
      PARTNERGATE_LOG_LEVEL: 'info',
      PARTNERGATE_DEMO_DATA: 'off',
      PARTNERGATE_ENV: 'test',
      // One data key for the deployment: CSRF tokens and sealed values must open on every gateway.
      PARTNERGATE_DATA_KEY: randomBytes(32).toString('base64'),
      PARTNERGATE_LOGIN_MAX_PER_ACCOUNT: '4',
      PARTNERGATE_TRUST_PROXY: 'loopback',
      PARTNERGATE_ONTRAPORT_BASE_URL: emu.baseUrl,
      PARTNERGATE_ONTRAPORT_APP_ID: emu.appId,
      PARTNERGATE_ONTRAPORT_API_KEY: emu.apiKey,
      PARTNERGATE_SYNC_INTERVAL_SECONDS: '1',
    };
    a = await startGateway(shared);
    b = await startGateway({ ...shared, PARTNERGATE_WORKERS: '2' });
  });
  after(async () => {
    await stopGateway(a);
    await stopGateway(b);
    await store?.close();
    await emu?.stop();
  });

  it('a session opened on A works on B (both of its workers); a sign-out on B ends it on A too', async () => {
    const p = await seedPartner(store, { email: 'both@example.test' });
    const onA = newBrowser();
    expect((await signInWithForm(onA, a!.url, 'both@example.test')).status).to.equal(303);
    // Several requests: B's workers take turns, so both of them see the session.
    for (let i = 0; i < 4; i++) {
      const info = await sessionInfo(sameBrowserOn(b!.url, onA, a!.url), b!.url);
      expect(info.status, `request ${i} on B`).to.equal(200);
      expect(info.body.partnerId).to.equal(p.partnerId);
    }
    const onB = sameBrowserOn(b!.url, onA, a!.url);
    expect((await onB.request('GET', `${b!.url}/partner-center/`)).status).to.equal(200);
    const form = await onB.request('GET', `${b!.url}/sso/sign-out`);
    expect((await onB.request('POST', `${b!.url}/sso/sign-out`, { _csrf: csrfIn(form.text) })).status).to.equal(303);
    expect((await sessionInfo(onA, a!.url)).status).to.equal(401);
    expect((await sessionInfo(sameBrowserOn(b!.url, onA, a!.url), b!.url)).status).to.equal(401);
  });

  it('the sign-in throttle counts the attempts made on both gateways', async () => {
    await seedPartner(store, { email: 'guessed@example.test' });
    // Four wrong passwords (the limit), from four addresses, alternating between the gateways.
    for (let i = 1; i <= 4; i++) {
      const gw = i % 2 ? a! : b!;
      const r = await signInWithForm(newBrowser(`198.51.100.${i}`), gw.url, 'guessed@example.test', `guess ${i}`);
      expect(r.status, `attempt ${i}`).to.equal(401);
    }
    // Per process, each would have seen two: the fifth is refused on either, even with the right password.
    for (const gw of [a!, b!]) {
      const r = await signInWithForm(newBrowser('198.51.100.99'), gw.url, 'guessed@example.test', PASSWORD);
      expect(r.status, gw.url).to.equal(429);
    }
  });

  it('of the three processes ticking the jobs, one runs the sync; the others skip, and runs never interleave', async () => {
    const log = () => `requests=${emu.log.length} A=${a!.output().slice(-1500)} B=${b!.output().slice(-1500)}`;
    const runsStarted = () => emu.log.filter((e) => e.path === '/objects/getInfo' && e.objectId === 35).length;
    // Every process has ticked many times once three runs have started (one-second interval).
    await until('three sync runs', () => runsStarted() >= 3, 90_000, log);
    const runners = [...logLines(a!), ...logLines(b!)].filter((l) => l.msg === 'this process now runs the background jobs');
    expect(runners.map((l) => l.holder), 'processes that took the runner lease').to.have.length(1);
    const lease = await store.db.selectFrom('job_leases').select(['holder']).where('name', '=', 'jobs.runner').executeTakeFirstOrThrow();
    expect(lease.holder).to.equal(runners[0]!.holder);
    // A walk through the object types goes back to the first type once per new run: more means two runs mixed.
    const data = emu.log.filter((e) => (e.path === '/objects' || e.path === '/objects/getInfo') && e.status === 200).map((e) => RUN_ORDER.indexOf(e.objectId ?? -1));
    let back = 0;
    for (let i = 1; i < data.length; i++) if (data[i]! < data[i - 1]!) back++;
    expect(back, 'runs interleaving').to.equal(runsStarted() - 1);
    const done = await store.db.selectFrom('sync_state').select((eb) => eb.fn.countAll<number>().as('n')).where('last_completed_at', 'is not', null).executeTakeFirstOrThrow();
    expect(Number(done.n), 'object types synced').to.equal(RUN_ORDER.length);
  });
});
