/**
 * Benchmark 1, the pass-through proxy: an upstream (nginx serving a 12 KB page with two Set-Cookie headers), wrk
 * with 64 keep-alive connections, and every figure that matters measured as a ratio to its reference by
 * interleaved pairs (bench/interleave.ts): every server runs from the start, and short rounds alternate between
 * a variant and its reference (A B, B A, ...), so a change in the machine's load hits both sides of a pair alike.
 * Each ratio is the median of the per-pair ratios, for req/s and for CPU time per request (/proc, the gateway's
 * processes), with its spread in the row's note. The machine is shared: back-to-back whole runs swing 30-50%.
 *
 * The comparisons, each its own set of pairs:
 * - direct upstream vs nginx as a reverse proxy (upstream keepalive, 2 workers);
 * - the ceiling: a bare node:http + http-proxy pass-through (bench/bare-proxy.ts) vs Partnergate, one process
 *   each (`PARTNERGATE_WORKERS=1`) and one per core (`PARTNERGATE_WORKERS=auto`, as deployed) (goal >= 0.9);
 * - click tracking: one single-process gateway with a browser's User-Agent and Accept, the plain page vs a
 *   partner's tracked link (`?orid=<a partner in the store>&sid=bench`: every request a click) (bar >= 0.95);
 * - the access log: a single process at log level warn (writes no line) vs one at info writing one line per
 *   request to a file (bar >= 0.95), with twice the pairs; the file is counted after an orderly stop, so a lost
 *   line would show;
 * - an A/A control: two identically configured single processes, measured like the access-log pair: how far
 *   apart the method reads when there is no difference.
 * The single-process comparisons bind the servers under test to the last core and wrk and nginx to the others.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/store/index.js';
import { startBareProxy, type BareProxy } from './bare-proxy.js';
import { describeSpread, interleave, interleaveFresh, pairedResult, pinTree, type FreshVariant, type PairedResult, type Variant } from './interleave.js';
import { freePort, result, startGatewayProcess, startNginx, startScriptNodeFlags, type BenchResult, type GatewayProcess } from './lib.js';

export interface ProxyUpstream {
  /** The upstream origin (nginx serving `/page`). */
  url: string;
  /** nginx as a reverse proxy in front of it, with upstream keepalive. */
  nginxProxyUrl: string;
  /** nginx's master process (both servers; its workers are its children). */
  pid: number;
  stop(): Promise<void>;
}

/** nginx serving the 12 KB page with two Set-Cookie headers, and a second nginx server block proxying to it. */
export async function startProxyUpstream(): Promise<ProxyUpstream> {
  const upstreamPort = await freePort();
  const nginxProxyPort = await freePort();
  const www = mkdtempSync(join(tmpdir(), 'partnergate-bench-www-'));
  chmodSync(www, 0o755); // nginx's workers run as www-data; mkdtemp makes the folder private
  mkdirSync(join(www, 'www'));
  const page = `<!doctype html><html><body>${'<p>Partnergate benchmark page. '.repeat(400).slice(0, 12_000)}</p></body></html>`;
  writeFileSync(join(www, 'www', 'page.html'), page);
  const nginx = await startNginx(`
  upstream wp { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server { listen 127.0.0.1:${upstreamPort}; root ${www}/www;
    location / { add_header Set-Cookie "a=1; Path=/"; add_header Set-Cookie "b=2; Path=/; HttpOnly"; try_files /page.html =404; } }
  server { listen 127.0.0.1:${nginxProxyPort};
    location / { proxy_pass http://wp; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host; } }`);
  return {
    url: `http://127.0.0.1:${upstreamPort}`,
    nginxProxyUrl: `http://127.0.0.1:${nginxProxyPort}`,
    pid: nginx.pid,
    async stop() {
      await nginx.stop();
      rmSync(www, { recursive: true, force: true });
    },
  };
}

export interface ProxyBenchOptions {
  /** Seconds per round. */
  seconds: number;
  /** Pairs of rounds per comparison. */
  pairs: number;
}

export async function benchProxy(opts: ProxyBenchOptions): Promise<BenchResult[]> {
  const upstream = await startProxyUpstream();
  const gateways: GatewayProcess[] = [];
  const bare: BareProxy[] = [];
  let singleData: string | undefined;
  try {
    const cores = cpus().length;
    // The same Node flags as the gateway (`npm start`'s), so the ceiling differs from it only by what the gateway does.
    bare.push(await startBareProxy(upstream.url, cores, startScriptNodeFlags()));
    const cluster = await startGatewayProcess({ PARTNERGATE_UPSTREAM_URL: upstream.url, PARTNERGATE_WORKERS: 'auto' });
    gateways.push(cluster);
    singleData = mkdtempSync(join(tmpdir(), 'partnergate-bench-clicks-'));
    const single = await startGatewayProcess({ PARTNERGATE_UPSTREAM_URL: upstream.url, PARTNERGATE_WORKERS: '1', PARTNERGATE_SQLITE_PATH: join(singleData, 'bench.sqlite') });
    gateways.push(single);
    const referralCode = await addBenchPartner(join(singleData, 'bench.sqlite'));
    const accessLogFile = join(singleData, 'access.log');
    const pair = (a: Variant, b: Variant, pairs = opts.pairs) => interleave(a, b, { pairs, seconds: opts.seconds });
    // The single-process comparisons: each server under test bound to the last core, wrk and nginx to the others,
    // so the servers do not share their core with the load generator. Unbound, an A/A pair of two identical
    // gateways read anywhere from 0.99x to 1.30x between quartiles on this machine; bound, 0.96x to 1.04x.
    // Comparisons across processes also start both sides afresh for each of several blocks (interleaveFresh):
    // one pair of long-lived identical gateways read 0.945x, a difference between two processes, not two programs.
    const allCpus = `0-${cores - 1}`;
    const serverCpu = String(cores - 1);
    const loadCpus = cores > 2 ? `0-${cores - 2}` : '0';
    const pinned = cores >= 2;
    const wrkCpus = pinned ? loadCpus : undefined;
    const ownCore = async <T>(pids: readonly number[], run: () => Promise<T>): Promise<T> => {
      if (!pinned) return run();
      pinTree(upstream.pid, loadCpus);
      for (const pid of pids) pinTree(pid, serverCpu);
      try {
        return await run();
      } finally {
        pinTree(upstream.pid, allCpus);
        for (const pid of pids) pinTree(pid, allCpus);
      }
    };
    const blocks = Math.max(2, Math.round(opts.pairs / 3));
    // Fresh processes are bound as each block starts them.
    const fresh = (a: FreshVariant, b: FreshVariant, pairsPerBlock = 3) =>
      ownCore([], () => interleaveFresh(a, b, { blocks, pairs: pairsPerBlock, seconds: opts.seconds, loadCpus: wrkCpus, pin: pinned ? (pid) => pinTree(pid, serverCpu) : undefined }));
    const gatewayVariant = (name: string, env: Record<string, string> = {}, stdoutFile?: string): FreshVariant => ({
      name,
      path: '/page',
      start: () => startGatewayProcess({ PARTNERGATE_UPSTREAM_URL: upstream.url, PARTNERGATE_WORKERS: '1', ...env }, undefined, stdoutFile),
    });
    const noLog = gatewayVariant('no access log');

    const nginx = await pair({ name: 'direct', url: `${upstream.url}/page` }, { name: 'nginx', url: `${upstream.nginxProxyUrl}/page` }, Math.max(2, Math.ceil(opts.pairs / 3)));
    const one = await fresh({ name: 'bare http-proxy, 1 process', path: '/page', start: () => startBareProxy(upstream.url, 1, startScriptNodeFlags()) }, gatewayVariant('partnergate, 1 process'));
    const all = await pair({ name: `bare http-proxy, ${cores} processes`, url: `${bare[0]!.url}/page`, pid: bare[0]!.pid }, { name: `partnergate, ${cores} processes`, url: `${cluster.url}/page`, pid: cluster.pid });
    const clicks = await ownCore([single.pid], () => interleave({ name: 'untracked', url: `${single.url}/page`, pid: single.pid, headers: BROWSER }, { name: 'tracked', url: `${single.url}/page?orid=${referralCode}&sid=bench`, pid: single.pid, headers: BROWSER }, { pairs: opts.pairs, seconds: opts.seconds, loadCpus: wrkCpus }));
    // The method's own resolution: two identically configured gateways, measured like the access-log pair.
    const same = await fresh(noLog, gatewayVariant('no access log, a second process'));
    // Every block's logging gateway is stopped in order (SIGTERM flushes its log) and appends to one file: every
    // request sent to that side must then be in it.
    const log = await fresh(noLog, gatewayVariant('access log', { PARTNERGATE_LOG_LEVEL: 'info', PARTNERGATE_ACCESS_LOG: 'true' }, accessLogFile), 6);
    const lines = accessLogLines(accessLogFile);

    const nginxRef = { name: 'nginx reverse proxy', value: nginx.b.rps };
    const unpaired = 'ratio of medians from different rounds (not paired)';
    const onOwnCore = pinned ? 'servers bound to one core, wrk and nginx to the others' : 'one core: not bound';
    const freshNote = `both sides new processes in each of ${blocks} blocks`;
    const how = (r: PairedResult, which: 'rpsRatio' | 'cpuRatio' | 'p50Ratio' | 'p99Ratio') => describeSpread(r[which], r.pairs, r.secondsPerRound);
    return [
      result('proxy.direct.rps', nginx.a.rps, 'req/s'),
      pairedResult('proxy.nginx.rps', nginx.b.rps, 'req/s', { name: 'direct upstream', value: nginx.a.rps }, nginx.rpsRatio, how(nginx, 'rpsRatio')),
      result('proxy.partnergate.rps', all.b.rps, 'req/s', nginxRef, `PARTNERGATE_WORKERS=auto (one per core, like nginx); ${unpaired}`),
      result('proxy.partnergate-1-process.rps', one.b.rps, 'req/s', nginxRef, `PARTNERGATE_WORKERS=1; ${unpaired}`),
      result('proxy.bare-http-proxy.rps', all.a.rps, 'req/s', nginxRef, `node:http + http-proxy, ${cores} processes (node:cluster); ${unpaired}`),
      result('proxy.bare-http-proxy-1-process.rps', one.a.rps, 'req/s', nginxRef, `node:http + http-proxy, one process; ${unpaired}`),
      pairedResult('proxy.partnergate.rps vs bare http-proxy', all.b.rps, 'req/s', { name: 'bare node:http + http-proxy, same processes', value: all.a.rps }, all.rpsRatio, `goal >= 0.9x; ${how(all, 'rpsRatio')}`),
      pairedResult('proxy.partnergate.cpu vs bare http-proxy', all.b.cpuMsPer1000, 'CPU ms per 1000 requests', { name: 'bare node:http + http-proxy, same processes', value: all.a.cpuMsPer1000 }, all.cpuRatio, `every process of each (/proc); ${how(all, 'cpuRatio')}`),
      pairedResult('proxy.partnergate-1-process.rps vs bare http-proxy', one.b.rps, 'req/s', { name: 'bare node:http + http-proxy, one process', value: one.a.rps }, one.rpsRatio, `goal >= 0.9x; ${onOwnCore}, ${freshNote}; ${how(one, 'rpsRatio')}`),
      pairedResult('proxy.partnergate-1-process.cpu vs bare http-proxy', one.b.cpuMsPer1000, 'CPU ms per 1000 requests', { name: 'bare node:http + http-proxy, one process', value: one.a.cpuMsPer1000 }, one.cpuRatio, `process user + system time (/proc); ${how(one, 'cpuRatio')}`),
      result('proxy.direct.p50', nginx.a.p50ms, 'ms'),
      result('proxy.nginx.p50', nginx.b.p50ms, 'ms'),
      result('proxy.nginx.p99', nginx.b.p99ms, 'ms'),
      pairedResult('proxy.partnergate.p50', all.b.p50ms, 'ms', { name: 'bare http-proxy p50, same processes', value: all.a.p50ms }, all.p50Ratio, how(all, 'p50Ratio')),
      pairedResult('proxy.partnergate.p99', all.b.p99ms, 'ms', { name: 'bare http-proxy p99, same processes', value: all.a.p99ms }, all.p99Ratio, how(all, 'p99Ratio')),
      pairedResult('proxy.partnergate-1-process.p50', one.b.p50ms, 'ms', { name: 'bare http-proxy p50, one process', value: one.a.p50ms }, one.p50Ratio, how(one, 'p50Ratio')),
      pairedResult('proxy.partnergate-1-process.p99', one.b.p99ms, 'ms', { name: 'bare http-proxy p99, one process', value: one.a.p99ms }, one.p99Ratio, how(one, 'p99Ratio')),
      result('proxy.untracked-browser.rps', clicks.a.rps, 'req/s', undefined, 'PARTNERGATE_WORKERS=1, browser User-Agent and Accept'),
      pairedResult('proxy.tracked-link.rps', clicks.b.rps, 'req/s', { name: 'untracked, same process', value: clicks.a.rps }, clicks.rpsRatio, `every request a click (queued, written in batches); target >= 0.95x; ${onOwnCore}; ${how(clicks, 'rpsRatio')}`),
      pairedResult('proxy.tracked-link.cpu', clicks.b.cpuMsPer1000, 'CPU ms per 1000 requests', { name: 'untracked, same process', value: clicks.a.cpuMsPer1000 }, clicks.cpuRatio, `gateway process user + system time (/proc) over requests served, batch writes included; target >= 0.95x; ${how(clicks, 'cpuRatio')}`),
      pairedResult('proxy.tracked-link.p99', clicks.b.p99ms, 'ms', { name: 'untracked p99, same process', value: clicks.a.p99ms }, clicks.p99Ratio, how(clicks, 'p99Ratio')),
      pairedResult('proxy.control.rps', same.b.rps, 'req/s', { name: 'no access log (1 process)', value: same.a.rps }, same.rpsRatio, `A/A control: two identically configured gateways, measured like the access-log pair (${onOwnCore}, ${freshNote}): how far apart the method reads when there is no difference; ${how(same, 'rpsRatio')}`),
      pairedResult('proxy.control.cpu', same.b.cpuMsPer1000, 'CPU ms per 1000 requests', { name: 'no access log (1 process)', value: same.a.cpuMsPer1000 }, same.cpuRatio, `A/A control, as above; ${how(same, 'cpuRatio')}`),
      pairedResult('proxy.access-log.rps', log.b.rps, 'req/s', { name: 'no access log (1 process)', value: log.a.rps }, log.rpsRatio, `PARTNERGATE_WORKERS=1, one JSON line per request to a file (${lines.proxied} proxied-request lines for ${log.b.allRequests} requests sent, counted after each orderly stop); target >= 0.95x; ${onOwnCore}, ${freshNote}; ${how(log, 'rpsRatio')}`),
      pairedResult('proxy.access-log.cpu', log.b.cpuMsPer1000, 'CPU ms per 1000 requests', { name: 'no access log (1 process)', value: log.a.cpuMsPer1000 }, log.cpuRatio, `gateway process user + system time (/proc) over requests served; target >= 0.95x; ${how(log, 'cpuRatio')}`),
      pairedResult('proxy.access-log.p99', log.b.p99ms, 'ms', { name: 'no access log p99', value: log.a.p99ms }, log.p99Ratio, how(log, 'p99Ratio')),
    ];
  } finally {
    for (const g of gateways) await g.stop();
    for (const b of bare) await b.stop();
    await upstream.stop();
    if (singleData) rmSync(singleData, { recursive: true, force: true });
  }
}

/** Lines the access-log gateway wrote for proxied requests: proof the row measured logging, not a silent process. */
function accessLogLines(file: string): { proxied: number } {
  let proxied = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) if (line.includes('"msg":"request"') && line.includes('"class":"proxied"')) proxied++;
  return { proxied };
}

const BROWSER = {
  'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
};

/** A partner in the (already migrated) store of the running gateway, so tracked clicks are checked and written for real. */
async function addBenchPartner(path: string): Promise<string> {
  const store = await openStore({ kind: 'sqlite', path });
  try {
    const { db } = store;
    const now = Date.now();
    const program = await db.insertInto('programs').values({ name: 'Bench program', currency: 'USD', created_at: now, updated_at: now } as never).returning('id').executeTakeFirstOrThrow();
    const contact = await db.insertInto('contacts').values({ first_name: 'Bench', last_name: 'Partner', email: 'bench@example.test', added_at: now, updated_at: now } as never).returning('id').executeTakeFirstOrThrow();
    await db.insertInto('partners').values({ contact_id: contact.id, referral_code: '777', program_id: program.id, created_at: now, updated_at: now } as never).execute();
    return '777';
  } finally {
    await store.close();
  }
}
