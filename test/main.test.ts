/**
 * The gateway process as a deployer runs it: start-up errors are one line and a non-zero exit, a good start
 * serves /healthz and prints how to sign in, Ctrl-C (SIGINT) finishes in-flight requests and exits 0.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import BetterSqlite3 from 'better-sqlite3';
import { recordCase } from './support/adversarial.js';
import { freePort } from './support/postgres.js';

const root = new URL('..', import.meta.url).pathname;

function runMain(env: Record<string, string>, opts: { untilOutput?: RegExp; timeoutMs?: number } = {}) {
  // run-all.sh builds dist/ before the suite and says so; a developer's run uses the sources through tsx.
  const entry = process.env.PARTNERGATE_TEST_BUILT === '1' ? [join(root, 'dist/src/main.js')] : ['--import', 'tsx', join(root, 'src/main.ts')];
  const child = spawn(process.execPath, entry, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', PARTNERGATE_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
  const output = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out; stdout=${stdout} stderr=${stderr}`)), opts.timeoutMs ?? 30_000);
    const check = () => {
      if (opts.untilOutput && opts.untilOutput.test(stdout)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
  return { child, exited, output, get stdout() { return stdout; }, get stderr() { return stderr; } };
}

describe('partnergate process (src/main.ts)', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'partnergate-main-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const startupErrors: Array<[string, Record<string, string>, number, RegExp]> = [
    ['a bad setting', { PARTNERGATE_PORT: 'eighty' }, 2, /^partnergate: Invalid configuration: PARTNERGATE_PORT: .*\n$/],
    ['an unknown setting', { PARTNERGATE_UPSTREAM: 'http://x' }, 2, /PARTNERGATE_UPSTREAM: unknown setting/],
    ['a malformed DATABASE_URL', { DATABASE_URL: 'postgres//nope' }, 2, /DATABASE_URL: must be a postgres:\/\/ URL/],
    ['an unreachable database', { DATABASE_URL: 'postgres://u:pw@127.0.0.1:1/db' }, 3, /^partnergate: store: cannot reach PostgreSQL at postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/db/],
  ];
  for (const [name, env, code, pattern] of startupErrors) {
    it(`stops with one line and exit ${code} on ${name}`, async () => {
      const run = runMain({ PARTNERGATE_SQLITE_PATH: join(dir, 's.sqlite'), ...env });
      expect(await run.exited).to.equal(code);
      expect(run.stderr).to.match(pattern);
      expect(run.stderr.trim().split('\n')).to.have.length(1);
      expect(run.stderr).not.to.contain('    at ');
    });
  }

  it('refuses a store from a newer schema version with exit 3', async () => {
    const file = join(dir, 'newer.sqlite');
    const db = new BetterSqlite3(file);
    db.exec("create table kysely_migration (name varchar(255) primary key, timestamp varchar(255) not null); insert into kysely_migration values ('2999-01-01-0001-future', 'x')");
    db.close();
    const run = runMain({ PARTNERGATE_SQLITE_PATH: file, PARTNERGATE_DEMO_DATA: 'off' });
    expect(await run.exited).to.equal(3);
    expect(run.stderr).to.match(/written by a newer Partnergate \(schema 2999-01-01-0001-future\)/);
  });

  it('seeds no demo data (and prints no demo password) when the public URL is not localhost', async () => {
    const port = await freePort();
    const file = join(dir, 'public.sqlite');
    const run = runMain({ PARTNERGATE_PORT: String(port), PARTNERGATE_SQLITE_PATH: file, PARTNERGATE_PUBLIC_URL: 'https://partners.example.test' }, { untilOutput: /Stop with Ctrl-C/ });
    await run.output;
    run.child.kill('SIGINT');
    expect(await run.exited).to.equal(0);
    expect(run.stdout).not.to.contain('Demo partner');
    const db = new BetterSqlite3(file, { readonly: true });
    const accounts = (db.prepare('select count(*) as n from accounts').get() as { n: number }).n;
    db.close();
    expect(recordCase('demo data in production', 'gateway on a public URL: no demo accounts', accounts === 0), `${accounts} accounts`).to.equal(true);
  });

  it('starts on the embedded store with demo data, prints the demo sign-in, serves /healthz, and stops cleanly on SIGINT', async () => {
    const port = await freePort();
    const run = runMain({ PARTNERGATE_PORT: String(port), PARTNERGATE_SQLITE_PATH: join(dir, 'demo.sqlite') }, { untilOutput: /Stop with Ctrl-C/ });
    await run.output;
    expect(run.stdout).to.contain(`http://localhost:${port}`);
    expect(run.stdout).to.match(/Demo partner: +sign in at .*\/sso\/sign-in as demo@partnergate\.test \/ \S+/);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).to.equal(200);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect((await ready.json()) as unknown).to.deep.equal({ status: 'ready', checks: { store: { ok: true } } });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).to.match(/partnergate_http_requests_total\{class="own",status="2xx"\} \d+/);
    run.child.kill('SIGINT');
    expect(await run.exited).to.equal(0);
    const db = new BetterSqlite3(join(dir, 'demo.sqlite'), { readonly: true });
    const partners = (db.prepare('select count(*) as n from partners').get() as { n: number }).n;
    db.close();
    expect(partners).to.be.greaterThan(10);
  });
});
