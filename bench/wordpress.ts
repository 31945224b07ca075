/**
 * Benchmark 2, in front of a real WordPress: Debian's WordPress 6.1 on MariaDB and `php -S` (4 workers, the
 * test harness in test/support/wordpress.ts), the front page (PHP) and a static asset, each through the gateway
 * (`PARTNERGATE_WORKERS=auto`) and directly, with wrk; rounds interleaved, median. Direct requests carry the
 * Host header the gateway would send (WordPress lives at the gateway's origin), so both sides get the same page.
 * Targets: >= 0.95x direct for the PHP page; the asset at about the pass-through ratio of benchmark 1.
 */
import { get } from 'node:http';
import { median, requireClean, result, round, startGatewayProcess, wrk, type BenchResult, type WrkResult } from './lib.js';
import { startWordPress } from '../test/support/wordpress.js';

const ASSET = '/wp-includes/css/dashicons.min.css';

/** GET with an explicit Host header (fetch drops it), body discarded. */
function statusOf(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { host } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

export async function benchWordpress({ smoke }: { smoke: boolean }): Promise<BenchResult[]> {
  const seconds = smoke ? 2 : 10;
  const rounds = smoke ? 1 : 3;
  const wp = await startWordPress();
  try {
    const gateway = await startGatewayProcess(wp.gatewayEnv({ PARTNERGATE_WORKERS: 'auto' }));
    try {
      const host = new URL(wp.publicOrigin).host;
      const cases = [
        { name: 'front page', path: '/', connections: 8 },
        { name: 'static asset', path: ASSET, connections: 32 },
      ];
      const out: BenchResult[] = [];
      for (const c of cases) {
        for (const url of [`${wp.url}${c.path}`, `${gateway.url}${c.path}`]) {
          const status = await statusOf(url, host);
          if (status !== 200) throw new Error(`${url} answered ${status}`);
        }
        const direct: WrkResult[] = [];
        const via: WrkResult[] = [];
        await wrk(`${gateway.url}${c.path}`, { connections: c.connections, seconds: 2 }); // warm-up (JIT, opcache)
        for (let r = 0; r < rounds; r++) {
          direct.push(requireClean(`wordpress ${c.name} direct`, await wrk(`${wp.url}${c.path}`, { connections: c.connections, seconds, headers: { Host: host }, serverClosesEachConnection: true })));
          via.push(requireClean(`wordpress ${c.name} through the gateway`, await wrk(`${gateway.url}${c.path}`, { connections: c.connections, seconds })));
        }
        const m = (runs: WrkResult[], k: 'rps' | 'p50ms' | 'p99ms') => median(runs.map((x) => x[k]));
        // php -S closes every connection after its answer (wrk's read errors, one per request, are those closes).
        const note = `${c.connections} connections (keep-alive to the gateway; php -S closes each one after its answer)`;
        const target = c.name === 'front page' ? '; target >= 0.95' : '';
        out.push(
          result(`wordpress ${c.name}: direct`, m(direct, 'rps'), 'req/s', undefined, note),
          result(`wordpress ${c.name}: through the gateway`, m(via, 'rps'), 'req/s', { name: 'direct', value: m(direct, 'rps') }, `${note}${target}`),
          result(`wordpress ${c.name}: p50 through the gateway`, m(via, 'p50ms'), 'ms', { name: 'direct p50', value: m(direct, 'p50ms'), higherIsBetter: false }),
          result(`wordpress ${c.name}: p99 through the gateway`, m(via, 'p99ms'), 'ms', { name: 'direct p99', value: m(direct, 'p99ms'), higherIsBetter: false }),
          // What a visitor waits for the gateway: p50 through it minus p50 direct, per round (the two ran back to back).
          result(`wordpress ${c.name}: gateway overhead at p50`, round(median(via.map((v, i) => v.p50ms - direct[i]!.p50ms)), 2), 'ms', undefined, `median over ${rounds} rounds of (p50 through the gateway - p50 direct)`),
        );
      }
      return out;
    } finally {
      await gateway.stop();
    }
  } finally {
    await wp.stop();
  }
}
