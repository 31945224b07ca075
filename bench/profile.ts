/**
 * Where the pass-through's time goes: the gateway runs in one process under `node --cpu-prof` while wrk drives
 * the same load as benchmark 1 (12 KB page, two Set-Cookie, 64 keep-alive connections); the V8 profile is then
 * summarised as self time per function and per area (Node's HTTP internals, http-proxy, Partnergate's own code,
 * GC, idle).
 *
 *   npx tsx bench/profile.ts [--seconds 10] [--workers 1] [--access-log] [--keep DIR]
 *
 * `profileProxy(opts)` returns the summary as text (bench/analysis.md quotes it). Run `npm run build` first.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startGatewayProcess, startScriptNodeFlags, wrk, type WrkResult } from './lib.js';
import { startProxyUpstream } from './proxy.js';

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  wrk: WrkResult;
  totalMs: number;
  /** Self time per function, largest first. */
  functions: Array<{ name: string; ms: number; share: number }>;
  /** Self time per area, largest first. */
  areas: Array<{ area: string; ms: number; share: number }>;
}

function areaOf(url: string, fn: string): string {
  if (fn === '(idle)') return 'idle (waiting for I/O)';
  if (fn === '(garbage collector)') return 'garbage collector';
  if (fn === '(program)') return 'native (V8/libuv, not attributed)';
  if (url.includes('/http-proxy-middleware/')) return 'http-proxy-middleware';
  if (url.includes('/http-proxy/') || url.includes('/httpxy/')) return 'http-proxy';
  if (url.includes('/prom-client/')) return 'prom-client (metrics)';
  if (url.includes('/node_modules/')) return `npm: ${/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1]}`;
  if (url.includes('/dist/src/')) return `partnergate: ${url.replace(/.*\/dist\/src\//, '')}`;
  if (url.startsWith('node:internal/http') || url.startsWith('node:_http') || url === 'node:http') return 'node: http';
  if (url.startsWith('node:internal/streams') || url.startsWith('node:stream')) return 'node: streams';
  if (url.startsWith('node:net') || url.startsWith('node:internal/net') || url.includes('stream_base_commons')) return 'node: net/sockets';
  if (url.startsWith('node:')) return `node: other (${url.replace(/^node:(internal\/)?/, '').split('/')[0]})`;
  if (url === '') return `native: ${fn || '(anonymous)'}`;
  return url;
}

export function summariseProfile(profile: CpuProfile): Omit<ProfileSummary, 'wrk'> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const fns = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const short = url.replace(/^file:\/\/.*\/(node_modules|dist)\//, '$1/');
    const name = `${functionName || '(anonymous)'} ${short ? `${short}:${lineNumber + 1}` : ''}`.trim();
    fns.set(name, (fns.get(name) ?? 0) + us);
    const area = areaOf(url, functionName);
    areas.set(area, (areas.get(area) ?? 0) + us);
    total += us;
  }
  const rank = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).map(([k, us]) => ({ k, ms: Math.round(us / 100) / 10, share: Math.round((us / total) * 1000) / 10 }));
  return {
    totalMs: Math.round(total / 1000),
    functions: rank(fns).map(({ k, ms, share }) => ({ name: k, ms, share })),
    areas: rank(areas).map(({ k, ms, share }) => ({ area: k, ms, share })),
  };
}

export async function profileProxy(opts: { seconds: number; workers?: string; keepDir?: string; accessLog?: boolean }): Promise<ProfileSummary> {
  const upstream = await startProxyUpstream();
  const dir = opts.keepDir ?? mkdtempSync(join(tmpdir(), 'partnergate-prof-'));
  try {
    const env = { PARTNERGATE_UPSTREAM_URL: upstream.url, PARTNERGATE_WORKERS: opts.workers ?? '1', ...(opts.accessLog ? { PARTNERGATE_LOG_LEVEL: 'info', PARTNERGATE_ACCESS_LOG: 'true' } : {}) };
    // With the access log its lines go to a file, as the proxy benchmark's access-log row writes them.
    const gateway = await startGatewayProcess(env, [...startScriptNodeFlags(), '--cpu-prof', `--cpu-prof-dir=${dir}`], opts.accessLog ? join(dir, 'access.log') : undefined);
    let load: WrkResult;
    try {
      await wrk(`${gateway.url}/page`, { connections: 64, seconds: 2 }); // JIT warm-up (in the profile too; small)
      load = await wrk(`${gateway.url}/page`, { connections: 64, seconds: opts.seconds });
    } finally {
      await gateway.stop();
    }
    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
    if (!files.length) throw new Error(`no .cpuprofile written in ${dir}`);
    // With workers the primary's profile is nearly empty: take the busiest file.
    const profiles = files.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile).sort((a, b) => b.samples.length - a.samples.length);
    return { wrk: load, ...summariseProfile(profiles[0]!) };
  } finally {
    await upstream.stop();
    if (!opts.keepDir) rmSync(dir, { recursive: true, force: true });
  }
}

export function formatSummary(s: ProfileSummary, top = 25): string {
  const lines = [`wrk: ${Math.round(s.wrk.rps)} req/s, p50 ${s.wrk.p50ms} ms, p99 ${s.wrk.p99ms} ms; profile ${s.totalMs} ms of samples`, '', '| area | self ms | share |', '|---|---|---|'];
  for (const a of s.areas) if (a.share >= 0.5) lines.push(`| ${a.area} | ${a.ms} | ${a.share}% |`);
  lines.push('', '| function (self time) | ms | share |', '|---|---|---|');
  for (const f of s.functions.slice(0, top)) lines.push(`| \`${f.name}\` | ${f.ms} | ${f.share}% |`);
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string, dflt: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1]! : dflt;
  };
  const s = await profileProxy({ seconds: Number(arg('seconds', '10')), workers: arg('workers', '1'), keepDir: process.argv.includes('--keep') ? arg('keep', '') : undefined, accessLog: process.argv.includes('--access-log') });
  process.stdout.write(`${formatSummary(s, Number(arg('top', '30')))}\n`);
}
