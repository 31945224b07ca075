/**
 * Benchmark 1, the pass-through proxy: an upstream (nginx serving a 12 KB page with two Set-Cookie headers),
 * then wrk with 64 keep-alive connections against (a) the upstream directly, (b) nginx as a reverse proxy with
 * upstream keepalive, (c) Partnergate's pass-through. Three rounds each, median.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, median, result, startGatewayProcess, startNginx, wrk, type BenchResult } from './lib.js';

export async function benchProxy(opts: { seconds: number; rounds: number }): Promise<BenchResult[]> {
  const upstreamPort = await freePort();
  const nginxProxyPort = await freePort();
  const page = `<!doctype html><html><body>${'<p>Partnergate benchmark page. '.repeat(400).slice(0, 12_000)}</p></body></html>`;
  const nginx = await startNginx(`
  upstream wp { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server { listen 127.0.0.1:${upstreamPort}; root __DIR__/www;
    location / { add_header Set-Cookie "a=1; Path=/"; add_header Set-Cookie "b=2; Path=/; HttpOnly"; try_files /page.html =404; } }
  server { listen 127.0.0.1:${nginxProxyPort};
    location / { proxy_pass http://wp; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host; } }`.replaceAll('__DIR__', '/tmp/partnergate-bench-www'));
  const { mkdirSync } = await import('node:fs');
  mkdirSync('/tmp/partnergate-bench-www/www', { recursive: true });
  writeFileSync(join('/tmp/partnergate-bench-www/www', 'page.html'), page);
  const gateway = await startGatewayProcess({ PARTNERGATE_UPSTREAM_URL: `http://127.0.0.1:${upstreamPort}` });
  try {
    const targets = {
      direct: `http://127.0.0.1:${upstreamPort}/page`,
      nginx: `http://127.0.0.1:${nginxProxyPort}/page`,
      partnergate: `${gateway.url}/page`,
    };
    const runs: Record<string, Array<{ rps: number; p50ms: number; p99ms: number; errors: number }>> = { direct: [], nginx: [], partnergate: [] };
    // Warm up the gateway's JIT and keep-alive pool before measuring.
    await wrk(targets.partnergate, { connections: 64, seconds: Math.min(3, opts.seconds) });
    for (let round = 0; round < opts.rounds; round++) {
      for (const [name, url] of Object.entries(targets)) runs[name]!.push(await wrk(url, { connections: 64, seconds: opts.seconds }));
    }
    const m = (name: string, key: 'rps' | 'p50ms' | 'p99ms') => median(runs[name]!.map((r) => r[key]));
    const errors = runs.partnergate!.reduce((a, r) => a + r.errors, 0);
    return [
      result('proxy.direct.rps', m('direct', 'rps'), 'req/s'),
      result('proxy.nginx.rps', m('nginx', 'rps'), 'req/s', { name: 'direct upstream', value: m('direct', 'rps') }),
      result('proxy.partnergate.rps', m('partnergate', 'rps'), 'req/s', { name: 'nginx reverse proxy', value: m('nginx', 'rps') }, errors ? `${errors} socket errors` : undefined),
      result('proxy.nginx.p50', m('nginx', 'p50ms'), 'ms'),
      result('proxy.nginx.p99', m('nginx', 'p99ms'), 'ms'),
      result('proxy.partnergate.p50', m('partnergate', 'p50ms'), 'ms', { name: 'nginx p50', value: m('nginx', 'p50ms'), higherIsBetter: false }),
      result('proxy.partnergate.p99', m('partnergate', 'p99ms'), 'ms', { name: 'nginx p99', value: m('nginx', 'p99ms'), higherIsBetter: false }),
    ];
  } finally {
    await gateway.stop();
    await nginx.stop();
  }
}
