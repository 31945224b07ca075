/**
 * The access log as an operator gets it: the gateway's stdout, buffered (src/common/logger.ts `bulkLogger`)
 * rather than written one syscall per line. No line may be lost or held back: a quiet gateway's lines still
 * appear within the flush interval, and an orderly stop (SIGTERM, as systemd sends) writes every line still
 * buffered before the process exits.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/postgres.js';
import { eventually } from '../proxy/http.js';
import { startGatewayProcess, type GatewayRun } from '../deploy/process.js';

function requestLines(stdout: string, path: string): number {
  let n = 0;
  for (const text of stdout.split('\n')) {
    if (!text.startsWith('{')) continue;
    const line = JSON.parse(text) as { msg?: string; path?: string };
    if (line.msg === 'request' && line.path === path) n++;
  }
  return n;
}

describe('http: the access log on stdout (buffered)', function () {
  this.timeout(120_000);
  let dir: string;
  let run: GatewayRun | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'partnergate-access-'));
  });
  afterEach(async () => {
    if (run) await run.stop();
    run = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(): Promise<string> {
    const port = await freePort();
    run = await startGatewayProcess({ PARTNERGATE_PORT: String(port), PARTNERGATE_HOST: '127.0.0.1', PARTNERGATE_DEMO_DATA: 'off', PARTNERGATE_LOG_LEVEL: 'info', PARTNERGATE_SQLITE_PATH: join(dir, 's.sqlite') }, port);
    return `http://127.0.0.1:${port}`;
  }

  it('a single request on an idle gateway reaches stdout without waiting for more lines or for the exit', async () => {
    const base = await start();
    expect((await fetch(`${base}/readyz`)).status).to.be.oneOf([200, 503]);
    await eventually('the line of one request', () => requestLines(run!.stdout(), '/readyz') === 1);
  });

  it('writes every line still buffered when stopped with SIGTERM', async () => {
    const base = await start();
    const sent = 300;
    for (let i = 0; i < sent; i += 30) await Promise.all(Array.from({ length: 30 }, () => fetch(`${base}/healthz`).then((r) => r.arrayBuffer())));
    // Stopped right away: most of these lines are still in the buffer (4 KiB or the flush interval).
    const code = await run!.stop();
    expect(code).to.equal(0);
    expect(requestLines(run!.stdout(), '/healthz')).to.equal(sent + 1); // + the start-up probe
  });
});
