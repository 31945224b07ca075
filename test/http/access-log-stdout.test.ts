/**
 * The access log as an operator gets it: the gateway's stdout, queued and written in batches
 * (src/common/bulk-log.ts `bulkLogger`) rather than one syscall per line. No line may be lost, torn or held back:
 * a quiet gateway's lines still appear within the flush interval, an orderly stop (SIGTERM, as systemd sends)
 * writes every line still queued before the process exits, and workers sharing one stdout never tear each
 * other's lines.
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

  async function start(more: Record<string, string> = {}, stdoutFile?: { path: string; fileFlags: 'a' | 'w' }): Promise<string> {
    const port = await freePort();
    run = await startGatewayProcess({ PARTNERGATE_PORT: String(port), PARTNERGATE_HOST: '127.0.0.1', PARTNERGATE_DEMO_DATA: 'off', PARTNERGATE_LOG_LEVEL: 'info', PARTNERGATE_SQLITE_PATH: join(dir, 's.sqlite'), ...more }, port, [], stdoutFile);
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

  // Two workers share one stdout. A pipe keeps a write of up to PIPE_BUF bytes whole, a regular file any write
  // (O_APPEND, or one shared offset): the batches are sized for each, and no line may be torn or lost.
  for (const [what, file] of [
    ['a pipe', undefined],
    ['a file opened for appending', 'a'],
    ['a file opened for writing (one offset shared by the workers)', 'w'],
  ] as const) {
    it(`with two workers writing to ${what}, every line is whole and none is lost`, async () => {
      const base = await start({ PARTNERGATE_WORKERS: '2' }, file ? { path: join(dir, 'out.log'), fileFlags: file } : undefined);
      const sent = 2_000;
      for (let i = 0; i < sent; i += 100) await Promise.all(Array.from({ length: 100 }, () => fetch(`${base}/readyz`).then((r) => r.arrayBuffer())));
      expect(await run!.stop()).to.equal(0);
      const text = run!.stdout();
      // The start-up banner is text for people ("Partnergate is running on ..." and indented lines); every other
      // line is one JSON object: a torn line fails to parse, or glues two together, or starts mid-object.
      const lines = text.split('\n').filter((l) => l !== '' && !/^(Partnergate is running on | {2}\S)/.test(l));
      for (const l of lines) expect(() => JSON.parse(l), l.slice(0, 200)).not.to.throw();
      expect(requestLines(text, '/readyz')).to.equal(sent);
    });
  }
});
