/**
 * Benchmark 1, the pass-through proxy: an upstream (nginx serving a 12 KB page with two Set-Cookie headers),
 * then wrk with 64 keep-alive connections against (a) the upstream directly, (b) nginx as a reverse proxy with
 * upstream keepalive (2 workers), (c) Partnergate's pass-through with one worker per core
 * (`PARTNERGATE_WORKERS=auto`, as deployed; partner-center routes still on express), and (d) Partnergate in a
 * single process. Three rounds each, interleaved, median.
 * Then click tracking: the single process again with a browser's User-Agent and Accept, once on the plain page
 * and once on a partner's tracked link (`?orid=<a partner in the store>&sid=bench`), in the same rounds: the
 * tracked row is reported as a ratio to the untracked one (the bar: at least 0.95).
 * Then the access log: a single process at log level info writing one line per request to a file, reported as a
 * ratio to (d), the single process whose log level (warn) writes none, in the same rounds (the bar: at least 0.95).
 * The ceiling: a bare node:http + http-proxy pass-through (bench/bare-proxy.ts), one process and one per core,
 * in the same rounds; each Partnergate row is reported as a ratio to the bare proxy with as many processes (the
 * goal: at least 0.9), beside nginx.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/store/index.js';
import { startBareProxy, type BareProxy } from './bare-proxy.js';
import { freePort, median, requireClean, result, startGatewayProcess, startNginx, wrk, type BenchResult, type GatewayProcess } from './lib.js';

export interface ProxyUpstream {
  /** The upstream origin (nginx serving `/page`). */
  url: string;
  /** nginx as a reverse proxy in front of it, with upstream keepalive. */
  nginxProxyUrl: string;
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
    async stop() {
      await nginx.stop();
      rmSync(www, { recursive: true, force: true });
    },
  };
}

export async function benchProxy(opts: { seconds: number; rounds: number }): Promise<BenchResult[]> {
  const upstream = await startProxyUpstream();
  const gateways: GatewayProcess[] = [];
  const bare: BareProxy[] = [];
  let singleData: string | undefined;
  try {
    bare.push(await startBareProxy(upstream.url, 1), await startBareProxy(upstream.url, cpus().length));
    const cluster = await startGatewayProcess({ PARTNERGATE_UPSTREAM_URL: upstream.url, PARTNERGATE_WORKERS: 'auto' });
    gateways.push(cluster);
    singleData = mkdtempSync(join(tmpdir(), 'partnergate-bench-clicks-'));
    const single = await startGatewayProcess({ PARTNERGATE_UPSTREAM_URL: upstream.url, PARTNERGATE_WORKERS: '1', PARTNERGATE_SQLITE_PATH: join(singleData, 'bench.sqlite') });
    gateways.push(single);
    const referralCode = await addBenchPartner(join(singleData, 'bench.sqlite'));
    const accessLogFile = join(singleData, 'access.log');
    const logging = await startGatewayProcess({ PARTNERGATE_UPSTREAM_URL: upstream.url, PARTNERGATE_WORKERS: '1', PARTNERGATE_LOG_LEVEL: 'info', PARTNERGATE_ACCESS_LOG: 'true' }, undefined, accessLogFile);
    gateways.push(logging);
    const targets = {
      direct: `${upstream.url}/page`,
      nginx: `${upstream.nginxProxyUrl}/page`,
      bare1: `${bare[0]!.url}/page`,
      bare: `${bare[1]!.url}/page`,
      partnergate: `${cluster.url}/page`,
      partnergate1: `${single.url}/page`,
      untracked: `${single.url}/page`,
      tracked: `${single.url}/page?orid=${referralCode}&sid=bench`,
      accesslog: `${logging.url}/page`,
    };
    const headersOf = (name: string) => (name === 'untracked' || name === 'tracked' ? BROWSER : undefined);
    const runs: Record<string, Array<{ rps: number; p50ms: number; p99ms: number; errors: number; non2xx: number }>> = { direct: [], nginx: [], bare1: [], bare: [], partnergate: [], partnergate1: [], untracked: [], tracked: [], accesslog: [] };
    const cpuMsPer1000: Record<string, number[]> = { partnergate1: [], accesslog: [] };
    // Warm up the gateways' JIT and keep-alive pools before measuring.
    for (const name of ['bare1', 'bare', 'partnergate', 'partnergate1', 'untracked', 'tracked', 'accesslog'] as const) await wrk(targets[name], { connections: 64, seconds: Math.min(3, opts.seconds), headers: headersOf(name) });
    for (let round = 0; round < opts.rounds; round++) {
      // Tracked and untracked swap places every round, so neither always runs right after the other; the
      // access-log run goes right after its reference (partnergate1) one round, last the next.
      const order = Object.entries(targets).filter(([name]) => name !== 'accesslog');
      if (round % 2 === 1) order.push(...order.splice(-2, 2).reverse());
      if (round % 2 === 0) order.splice(order.findIndex(([name]) => name === 'partnergate1') + 1, 0, ['accesslog', targets.accesslog]);
      else order.push(['accesslog', targets.accesslog]);
      for (const [name, url] of order) {
        const pid = name === 'accesslog' ? logging.pid : name === 'partnergate1' ? single.pid : undefined;
        const cpuBefore = pid === undefined ? 0 : cpuSeconds(pid);
        const run = requireClean(`proxy ${name}`, await wrk(url, { connections: 64, seconds: opts.seconds, headers: headersOf(name) }));
        runs[name]!.push(run);
        // CPU time per request: what the access log costs, much less swayed by other work on the machine than req/s.
        if (pid !== undefined) cpuMsPer1000[name]!.push(((cpuSeconds(pid) - cpuBefore) * 1e6) / Math.max(1, run.rps * opts.seconds));
      }
    }
    const m = (name: string, key: 'rps' | 'p50ms' | 'p99ms') => median(runs[name]!.map((r) => r[key]));
    const cpu = (name: string) => Math.round(median(cpuMsPer1000[name]!) * 10) / 10;
    const nginxRps = { name: 'nginx reverse proxy', value: m('nginx', 'rps') };
    return [
      result('proxy.direct.rps', m('direct', 'rps'), 'req/s'),
      result('proxy.nginx.rps', m('nginx', 'rps'), 'req/s', { name: 'direct upstream', value: m('direct', 'rps') }),
      result('proxy.partnergate.rps', m('partnergate', 'rps'), 'req/s', nginxRps, 'PARTNERGATE_WORKERS=auto (one per core, like nginx)'),
      result('proxy.partnergate-1-process.rps', m('partnergate1', 'rps'), 'req/s', nginxRps, 'PARTNERGATE_WORKERS=1'),
      result('proxy.bare-http-proxy.rps', m('bare', 'rps'), 'req/s', nginxRps, `node:http + http-proxy, ${cpus().length} processes (node:cluster)`),
      result('proxy.bare-http-proxy-1-process.rps', m('bare1', 'rps'), 'req/s', nginxRps, 'node:http + http-proxy, one process'),
      result('proxy.partnergate.rps vs bare http-proxy', m('partnergate', 'rps'), 'req/s', { name: 'bare node:http + http-proxy, same processes', value: m('bare', 'rps') }, 'goal >= 0.9x'),
      result('proxy.partnergate-1-process.rps vs bare http-proxy', m('partnergate1', 'rps'), 'req/s', { name: 'bare node:http + http-proxy, one process', value: m('bare1', 'rps') }, 'goal >= 0.9x'),
      result('proxy.direct.p50', m('direct', 'p50ms'), 'ms'),
      result('proxy.nginx.p50', m('nginx', 'p50ms'), 'ms'),
      result('proxy.nginx.p99', m('nginx', 'p99ms'), 'ms'),
      result('proxy.partnergate.p50', m('partnergate', 'p50ms'), 'ms', { name: 'nginx p50', value: m('nginx', 'p50ms'), higherIsBetter: false }),
      result('proxy.partnergate.p99', m('partnergate', 'p99ms'), 'ms', { name: 'nginx p99', value: m('nginx', 'p99ms'), higherIsBetter: false }),
      result('proxy.partnergate-1-process.p50', m('partnergate1', 'p50ms'), 'ms', { name: 'nginx p50', value: m('nginx', 'p50ms'), higherIsBetter: false }),
      result('proxy.partnergate-1-process.p99', m('partnergate1', 'p99ms'), 'ms', { name: 'nginx p99', value: m('nginx', 'p99ms'), higherIsBetter: false }),
      result('proxy.untracked-browser.rps', m('untracked', 'rps'), 'req/s', undefined, 'PARTNERGATE_WORKERS=1, browser User-Agent and Accept'),
      result('proxy.tracked-link.rps', m('tracked', 'rps'), 'req/s', { name: 'untracked, same run', value: m('untracked', 'rps') }, 'every request a click (queued, written in batches); target >= 0.95x'),
      result('proxy.tracked-link.p99', m('tracked', 'p99ms'), 'ms', { name: 'untracked p99, same run', value: m('untracked', 'p99ms'), higherIsBetter: false }),
      result('proxy.access-log.rps', m('accesslog', 'rps'), 'req/s', { name: 'no access log (1 process), same run', value: m('partnergate1', 'rps') }, `PARTNERGATE_WORKERS=1, one JSON line per request to a file (${accessLogLines(accessLogFile)} lines written); target >= 0.95x`),
      result('proxy.access-log.cpu', cpu('accesslog'), 'CPU ms per 1000 requests', { name: 'no access log (1 process), same run', value: cpu('partnergate1'), higherIsBetter: false }, 'gateway process user + system time (/proc) over requests served'),
      result('proxy.access-log.p99', m('accesslog', 'p99ms'), 'ms', { name: 'no access log p99, same run', value: m('partnergate1', 'p99ms'), higherIsBetter: false }),
    ];
  } finally {
    for (const g of gateways) await g.stop();
    for (const b of bare) await b.stop();
    await upstream.stop();
    if (singleData) rmSync(singleData, { recursive: true, force: true });
  }
}

/** CPU seconds (user + system) a process has used: /proc/PID/stat fields 14 and 15, in clock ticks (100 a second). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Lines the access-log gateway wrote: proof the row measured logging, not a silent process. */
function accessLogLines(file: string): number {
  const text = readFileSync(file, 'utf8');
  let n = 0;
  for (let at = text.indexOf('"msg":"request"'); at >= 0; at = text.indexOf('"msg":"request"', at + 1)) n++;
  return n;
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
