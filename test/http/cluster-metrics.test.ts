/**
 * /metrics with several worker processes (PARTNERGATE_WORKERS=2): a scrape lands on one worker, yet counts
 * every worker's requests (prom-client's AggregatorRegistry in the primary). Requests are sent until the access
 * log shows that both workers served some: from then on no single worker's figures can equal the total.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/postgres.js';
import { eventually } from '../proxy/http.js';
import { startGatewayProcess, type GatewayRun } from '../deploy/process.js';

/** One request on its own connection, so that the primary picks the next worker for it. */
function getClosed(url: string, requestId?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { connection: 'close' };
    if (requestId) headers['x-request-id'] = requestId;
    const req = request(url, { agent: false, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The prefix of this test's request ids (the access log keeps a well-formed client X-Request-Id). */
const TEST_ID = 'cluster-metrics-';
const OWN_2XX = 'partnergate_http_requests_total{class="own",status="2xx"}';

function valueOf(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('http: /metrics aggregated across worker processes', function () {
  this.timeout(120_000);
  let dir: string;
  let run: GatewayRun;
  let base: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'partnergate-cluster-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    run = await startGatewayProcess({ PARTNERGATE_WORKERS: '2', PARTNERGATE_PORT: String(port), PARTNERGATE_HOST: '127.0.0.1', PARTNERGATE_DEMO_DATA: 'off', PARTNERGATE_LOG_LEVEL: 'info', PARTNERGATE_SQLITE_PATH: join(dir, 's.sqlite') }, port);
  });
  after(async () => {
    if (run) await run.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Workers that logged one of this test's /healthz requests (its own request ids: the start-up probe's lines are
   * written whenever the buffered access log passes them on), and how many such lines there are.
   */
  function healthzLines(): { workers: Set<number>; lines: number } {
    const workers = new Set<number>();
    let lines = 0;
    for (const text of run.stdout().split('\n')) {
      if (!text.startsWith('{')) continue;
      const line = JSON.parse(text) as { msg?: string; path?: string; reqId?: string; worker?: number };
      if (line.msg !== 'request' || line.path !== '/healthz' || !line.reqId?.startsWith(TEST_ID)) continue;
      lines++;
      workers.add(line.worker!);
    }
    return { workers, lines };
  }

  it('counts the requests every worker served', async () => {
    const before = await getClosed(`${base}/metrics`);
    expect(before.status).to.equal(200);
    let sent = 0;
    while (healthzLines().workers.size < 2 && sent < 400) {
      for (let i = 0; i < 10; i++, sent++) expect((await getClosed(`${base}/healthz`, `${TEST_ID}${sent}`)).status).to.equal(200);
      await eventually('the access log lines', () => healthzLines().lines === sent);
    }
    expect([...healthzLines().workers].sort()).to.deep.equal([1, 2]);
    const after = await getClosed(`${base}/metrics`);
    expect(after.status).to.equal(200);
    // The first scrape is counted once it has answered, so it shows in the second.
    expect(valueOf(after.body, OWN_2XX) - valueOf(before.body, OWN_2XX)).to.equal(sent + 1);
    expect(after.body).to.contain('# TYPE partnergate_http_request_duration_seconds histogram');
  });
});
