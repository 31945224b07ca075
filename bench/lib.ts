/**
 * Shared benchmark plumbing: loopback servers (nginx, the gateway in its own process), the wrk load generator,
 * peak-memory readings from /proc, and the result record every benchmark returns. Every server started here is
 * stopped by the caller's `finally`; every load run is bounded in time.
 *
 * A measured run with any non-2xx answer or socket error throws (`requireClean`), and so does a store that fails
 * `partnergate db check` after a benchmark wrote to it (`requireSoundStore`): the runner then writes no figure,
 * rather than timing error pages.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../test/support/postgres.js';
import { runCli } from '../src/admin/cli/program.js';
import type { StoreConfig } from '../src/store/index.js';

export { freePort };
const execFileP = promisify(execFile);

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  reference: string | null;
  referenceValue: number | null;
  ratio: number | null;
  date: string;
  note?: string;
}

export function result(name: string, value: number, unit: string, reference?: { name: string; value: number; higherIsBetter?: boolean }, note?: string): BenchResult {
  // No ratio when nothing was measured (0: e.g. no request completed in the window), rather than Infinity.
  const ratio = reference && reference.value > 0 && value > 0 ? round((reference.higherIsBetter ?? true) ? value / reference.value : reference.value / value, 3) : null;
  return { name, value: round(value, 3), unit, reference: reference?.name ?? null, referenceValue: reference ? round(reference.value, 3) : null, ratio, date: new Date().toISOString(), ...(note ? { note } : {}) };
}

export function round(v: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const repoRoot = resolve(new URL('..', import.meta.url).pathname);

/** Peak resident memory (VmHWM) of a live process, in MB. */
export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return round(kb / 1024, 1);
}

/** A process's parent and CPU time (user + system, clock ticks of 10 ms) from /proc; undefined once it has exited. */
export function procStat(pid: number): { ppid: number; ticks: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command name (which may hold spaces): ppid is the 2nd, utime and stime the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
}

/** CPU time (user + system) a live process has used so far, in seconds (/proc, clock ticks of 10 ms). */
export function cpuSeconds(pid: number): number {
  const stat = procStat(pid);
  if (stat === undefined) throw new Error(`process ${pid} has exited`);
  return stat.ticks / 100;
}

export interface WrkResult {
  rps: number;
  p50ms: number;
  p99ms: number;
  non2xx: number;
  errors: number;
  /** Requests completed in the run (wrk's "N requests in"). */
  requests: number;
}

function toMs(text: string): number {
  const m = /([\d.]+)(us|ms|s)/.exec(text);
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

/** A benchmark that must not publish a figure: it measured errors, or left a damaged store. */
export class BenchFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchFailure';
  }
}

/** Throws when a measured run saw any non-2xx answer or socket error; returns the run otherwise. */
export function requireClean<T extends { non2xx: number; errors: number }>(what: string, r: T): T {
  if (r.non2xx || r.errors) throw new BenchFailure(`${what}: ${r.non2xx} non-2xx answers and ${r.errors} socket errors in a measured run; no figure is written`);
  return r;
}

/**
 * Runs `partnergate db check` (in this process, through the CLI) on the store a benchmark wrote to; throws unless
 * it exits 0. Returns a note for the figures.
 */
export async function requireSoundStore(what: string, config: StoreConfig): Promise<string> {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) => ({ write: (s: string) => (append(String(s)), true) }) as unknown as NodeJS.WritableStream;
  const env = { PARTNERGATE_ENV: 'test', PARTNERGATE_LOG_LEVEL: 'warn', ...(config.kind === 'sqlite' ? { PARTNERGATE_SQLITE_PATH: config.path } : { DATABASE_URL: config.url }) };
  const code = await runCli(['--json', 'db', 'check'], { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), overrides: { env } });
  if (code !== 0) throw new BenchFailure(`${what}: partnergate db check exited ${code} on the ${config.kind} store: ${out.trim() || err.trim()}`);
  process.stderr.write(`  ${what}: db check (${config.kind}) ok\n`);
  return 'db check ok';
}

/** Runs wrk (Debian package) with keep-alive connections; returns req/s and latency percentiles. */
/**
 * `serverClosesEachConnection`: the server answers `Connection: close` (php -S does) and wrk counts the close that
 * follows each complete response as a read error. Up to one such read error per completed request (plus one per
 * connection) is then the close, not a failure; any beyond that, and every connect, write or timeout error, still counts.
 */
/** `cpus`: run wrk bound to these CPUs (taskset's list form), away from the server under test. */
export async function wrk(url: string, opts: { connections: number; seconds: number; threads?: number; headers?: Record<string, string>; serverClosesEachConnection?: boolean; cpus?: string }): Promise<WrkResult> {
  const args = ['-t', String(opts.threads ?? 2), '-c', String(opts.connections), '-d', `${opts.seconds}s`, '--latency', '--timeout', '5s'];
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push('-H', `${k}: ${v}`);
  args.push(url);
  const { stdout } = opts.cpus === undefined ? await execFileP('wrk', args, { timeout: (opts.seconds + 30) * 1000 }) : await execFileP('taskset', ['-c', opts.cpus, 'wrk', ...args], { timeout: (opts.seconds + 30) * 1000 });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0);
  const p50 = toMs(/\s50%\s+(\S+)/.exec(stdout)?.[1] ?? '');
  const p99 = toMs(/\s99%\s+(\S+)/.exec(stdout)?.[1] ?? '');
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  const errs = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const [connect, read, write, timeout] = errs ? errs.slice(1).map(Number) : [0, 0, 0, 0];
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0);
  const closes = opts.serverClosesEachConnection ? Math.min(read!, requests + opts.connections) : 0;
  const errors = connect! + (read! - closes) + write! + timeout!;
  return { rps, p50ms: p50, p99ms: p99, non2xx, errors, requests };
}

export async function waitForHttp(url: string, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  for (;;) {
    try {
      const r = await fetch(url);
      await r.arrayBuffer();
      if (r.status < 500) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() - start > timeoutMs) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Nginx {
  dir: string;
  /** The master process (its workers are its children). */
  pid: number;
  stop(): Promise<void>;
}

/** Starts a private nginx (Debian package) with the given `http {}` body; logs off, 2 workers like our 2 cores. */
export async function startNginx(httpBody: string): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'partnergate-nginx-'));
  const conf = `worker_processes 2;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\ndaemon off;\nevents { worker_connections 4096; }\nhttp {\n  access_log off;\n  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;\n${httpBody}\n}\n`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const child = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir, '-e', join(dir, 'error.log')], { stdio: 'ignore', detached: true });
  await new Promise((r) => setTimeout(r, 300));
  if (child.exitCode !== null) throw new Error(`nginx exited: ${readFileSync(join(dir, 'error.log'), 'utf8')}`);
  return {
    dir,
    pid: child.pid!,
    async stop() {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        /* gone */
      }
      await new Promise((r) => setTimeout(r, 200));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface GatewayProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** The Node flags `npm start` gives the gateway (package.json `scripts.start`), so benchmarks run it as users do. */
export function startScriptNodeFlags(): string[] {
  const start = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  return start.split(/\s+/).filter((t) => t.startsWith('--'));
}

/**
 * Starts the built gateway (`dist/src/main.js`) in its own process so its CPU and memory are measured alone,
 * with the same Node flags as `npm start`.
 */
/** `stdoutFile`: where the gateway's stdout (its log) goes; by default nowhere. */
export async function startGatewayProcess(env: Record<string, string>, nodeArgs: string[] = startScriptNodeFlags(), stdoutFile?: string): Promise<GatewayProcess> {
  const port = env.PARTNERGATE_PORT ? Number(env.PARTNERGATE_PORT) : await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'partnergate-bench-'));
  const out = stdoutFile ? openSync(stdoutFile, 'a') : 'ignore';
  const child = spawn(process.execPath, [...nodeArgs, join(repoRoot, 'dist/src/main.js')], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      PARTNERGATE_PORT: String(port),
      PARTNERGATE_HOST: '127.0.0.1',
      PARTNERGATE_LOG_LEVEL: 'warn',
      PARTNERGATE_DEMO_DATA: 'off',
      PARTNERGATE_SQLITE_PATH: join(dataDir, 'bench.sqlite'),
      ...env,
    },
    stdio: ['ignore', out, 'inherit'],
  });
  if (typeof out === 'number') closeSync(out); // the child has its own copy
  const url = `http://127.0.0.1:${port}`;
  try {
    // Generous: a cluster start on a loaded 2-core machine loads every module three times.
    await waitForHttp(`${url}/healthz`, 90_000);
  } catch (err) {
    child.kill('SIGKILL'); // a primary killed this way takes its workers with it (they exit on disconnect)
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    pid: child.pid!,
    child,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface WrkPercentiles extends WrkResult {
  p95ms: number;
}

/**
 * wrk with a Lua script that rotates through `cookies` (one per simulated partner) and prints p50/p95/p99.
 */
export async function wrkAsPartners(url: string, cookies: string[], opts: { connections: number; seconds: number }): Promise<WrkPercentiles> {
  const dir = mkdtempSync(join(tmpdir(), 'partnergate-wrk-'));
  const script = join(dir, 'partners.lua');
  const path = new URL(url).pathname + new URL(url).search;
  writeFileSync(
    script,
    `local cookies = { ${cookies.map((c) => JSON.stringify(c)).join(', ')} }
local i = math.random(#cookies)
request = function()
  i = i + 1
  return wrk.format("GET", ${JSON.stringify(path)}, { ["Cookie"] = cookies[(i % #cookies) + 1] })
end
done = function(summary, latency, requests)
  io.write(string.format("P50 %d\\nP95 %d\\nP99 %d\\n", latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
`,
  );
  try {
    const { stdout } = await execFileP('wrk', ['-t', '2', '-c', String(opts.connections), '-d', `${opts.seconds}s`, '--timeout', '10s', '-s', script, url], { timeout: (opts.seconds + 30) * 1000 });
    const us = (k: string) => Number(new RegExp(`${k} (\\d+)`).exec(stdout)?.[1] ?? NaN) / 1000;
    const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
    const errs = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
    return {
      rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0),
      p50ms: us('P50'),
      p95ms: us('P95'),
      p99ms: us('P99'),
      non2xx,
      errors: errs ? errs.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
      requests: Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
