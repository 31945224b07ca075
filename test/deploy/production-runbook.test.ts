/**
 * The README's production runbook, followed as written on an empty store: its environment block (secrets made
 * with openssl as it says; only the port and the store's folder are this test's), the unit's ExecStart, and the
 * first-admin command (`partnergate-cli`, which runs dist/src/admin/cli.js with the same environment). Then: no
 * demo data, no demo or known password signs in, the administrator the CLI made does (on to TOTP set-up), and
 * /metrics wants its token.
 */
import { expect } from 'chai';
import BetterSqlite3 from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_ADMIN_LOGIN, DEMO_LOGIN } from '../../src/demo/index.js';
import { csrfIn, PASSWORD } from '../auth/support/fixtures.js';
import { freePort } from '../support/postgres.js';
import { runCli, startGatewayProcess, type GatewayRun } from './process.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const unit = readFileSync(new URL('../../deploy/systemd/partnergate.service', import.meta.url), 'utf8');
const cliWrapper = readFileSync(new URL('../../deploy/partnergate-cli', import.meta.url), 'utf8');

function block(name: string): string {
  const m = new RegExp(`<!-- runbook:${name}:start -->\\n\`\`\`sh\\n([\\s\\S]*?)\`\`\`\\n<!-- runbook:${name}:end -->`).exec(readme);
  if (!m) throw new Error(`README: no runbook:${name} block`);
  return m[1]!;
}

/** The environment block, with each `<openssl rand -base64 32>` made as it says. */
function runbookEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of block('env').split('\n')) {
    if (!line.trim()) continue;
    const eq = line.indexOf('=');
    const value = line.slice(eq + 1);
    env[line.slice(0, eq)] = value === '<openssl rand -base64 32>' ? execFileSync('openssl', ['rand', '-base64', '32'], { encoding: 'utf8' }).trim() : value;
  }
  return env;
}

describe('deploy: the README production runbook on an empty store', function () {
  this.timeout(120_000);
  let dir: string;
  let env: Record<string, string>;
  let gateway: GatewayRun;
  let base: string;
  const origin = 'https://partners.example.com';

  async function signIn(email: string, password: string): Promise<{ status: number; location?: string; text: string }> {
    const form = await fetch(`${base}/sso/sign-in`);
    const cookies = form.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const body = new URLSearchParams({ _csrf: csrfIn(await form.text()), email, password, rd: '' });
    const r = await fetch(`${base}/sso/sign-in`, { method: 'POST', redirect: 'manual', body, headers: { cookie: cookies, origin, 'content-type': 'application/x-www-form-urlencoded' } });
    return { status: r.status, location: r.headers.get('location') ?? undefined, text: await r.text() };
  }

  const count = (table: string) => {
    const db = new BetterSqlite3(env.PARTNERGATE_SQLITE_PATH!, { readonly: true });
    try {
      return (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'partnergate-runbook-'));
    env = runbookEnv();
    expect(env).to.include({ PARTNERGATE_ENV: 'production', PARTNERGATE_PUBLIC_URL: origin });
    const port = await freePort();
    // What a deployer picks anyway: a free port here, and the store in this test's folder.
    env.PARTNERGATE_PORT = String(port);
    env.PARTNERGATE_SQLITE_PATH = join(dir, 'partnergate.sqlite');
    base = `http://127.0.0.1:${port}`;
    const execStart = /^ExecStart=\/usr\/bin\/node (.*) \/opt\/partnergate\/dist\/src\/main\.js$/m.exec(unit);
    expect(execStart, 'the unit runs node on dist/src/main.js').to.not.equal(null);
    gateway = await startGatewayProcess(env, port, execStart![1]!.split(' '));
  });
  after(async () => {
    if (gateway) expect(await gateway.stop(), 'SIGTERM stops it cleanly').to.equal(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts on an empty store with no demo data and prints no password', () => {
    expect(count('accounts')).to.equal(0);
    expect(count('partners')).to.equal(0);
    expect(gateway.stdout()).not.to.contain('Demo partner');
    expect(gateway.stdout() + gateway.stderr()).not.to.contain(DEMO_LOGIN.password);
  });

  it('no demo or known password signs in', async () => {
    for (const [email, password] of [[DEMO_LOGIN.email, DEMO_LOGIN.password], [DEMO_ADMIN_LOGIN.email, DEMO_ADMIN_LOGIN.password], ['ops@example.com', PASSWORD], ['admin@example.com', 'admin']]) {
      const r = await signIn(email!, password!);
      expect(r.status, `${email}`).not.to.equal(303);
      expect(r.location, `${email}`).to.equal(undefined);
    }
  });

  it('creates the first administrator with the CLI as written, who then signs in and is sent to set up TOTP', async () => {
    const command = block('first-admin').trim();
    const m = /^partnergate-cli (admin create --email (\S+) --password-stdin) < \S+$/.exec(command);
    expect(m, command).to.not.equal(null);
    // partnergate-cli runs dist/src/admin/cli.js with the service's environment.
    expect(cliWrapper).to.match(/\/usr\/bin\/node \/opt\/partnergate\/dist\/src\/admin\/cli\.js "\$@"\n/);
    expect(cliWrapper).to.contain('-p EnvironmentFile=/etc/partnergate/partnergate.env');
    const password = execFileSync('openssl', ['rand', '-base64', '18'], { encoding: 'utf8' }).trim();
    const run = await runCli(m![1]!.split(' '), env, `${password}\n`);
    expect(run.code, run.stderr).to.equal(0);
    expect(count('accounts')).to.equal(1);
    const wrong = await signIn(m![2]!, `${password}x`);
    expect(wrong.status).not.to.equal(303);
    const r = await signIn(m![2]!, password);
    expect(r.status, r.text.slice(0, 300)).to.equal(303);
    expect(r.location).to.match(/^\/sso\/two-factor\/setup/);
  });

  it('serves /metrics only with its token', async () => {
    expect((await fetch(`${base}/metrics`)).status).to.equal(401);
    const ok = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${env.PARTNERGATE_METRICS_TOKEN}` } });
    expect(ok.status).to.equal(200);
    expect(await ok.text()).to.match(/partnergate_http_requests_total\{class="own",status="2xx"\} \d+/);
  });
});
