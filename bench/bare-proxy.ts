/**
 * The pass-through's ceiling: a bare `node:http` server handing every request to `http-proxy` (the library
 * http-proxy-middleware wraps, so the same proxying code the gateway runs), with a keep-alive agent like the
 * gateway's and nothing else: no express, sessions, header hygiene, identity assertion or click tracking.
 * Runs in its own process (node:cluster with `workers` > 1), like the gateway, so the two are measured alike.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { freePort, waitForHttp } from './lib.js';

const SOURCE = `
const cluster = require('node:cluster');
const http = require('node:http');
const [httpProxyPath, target, port, workers] = process.argv.slice(1);
process.on('SIGTERM', () => process.exit(0)); // an orderly exit, so --cpu-prof writes its profile
if (cluster.isPrimary && Number(workers) > 1) {
  for (let i = 0; i < Number(workers); i++) cluster.fork();
} else {
  const httpProxy = require(httpProxyPath);
  const agent = new http.Agent({ keepAlive: true, scheduling: 'lifo' });
  const proxy = httpProxy.createProxyServer({ target, agent, changeOrigin: true, xfwd: false });
  proxy.on('error', (err, req, res) => { res.writeHead(502); res.end(); });
  http.createServer((req, res) => proxy.web(req, res)).listen(Number(port), '127.0.0.1');
}
`;

export interface BareProxy {
  url: string;
  /** The process (the node:cluster primary with `workers` > 1: its workers are its children). */
  pid: number;
  stop(): Promise<void>;
}

/** `nodeArgs`: extra Node flags (bench/profile.ts passes `--cpu-prof`). */
export async function startBareProxy(target: string, workers: number, nodeArgs: string[] = []): Promise<BareProxy> {
  const port = await freePort();
  const httpProxy = createRequire(import.meta.url).resolve('http-proxy');
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, '-e', SOURCE, '--', httpProxy, target, String(port), String(workers)], { stdio: ['ignore', 'ignore', 'inherit'], detached: true });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/page`, 30_000);
  } catch (err) {
    process.kill(-child.pid!, 'SIGKILL');
    throw err;
  }
  return {
    url,
    pid: child.pid!,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(-child.pid!, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(-child.pid!, 'SIGKILL');
        await exited;
      }
    },
  };
}
