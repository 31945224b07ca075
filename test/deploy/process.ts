/**
 * The gateway and the admin CLI as separate processes, the way an operator starts them: the built `dist/` when
 * the run built it (run-all.sh sets PARTNERGATE_TEST_BUILT=1), else the sources through tsx. Only the given
 * environment (plus PATH) reaches them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const built = process.env.PARTNERGATE_TEST_BUILT === '1';

function entry(script: 'main' | 'cli'): string[] {
  if (built) return [join(root, script === 'main' ? 'dist/src/main.js' : 'dist/src/admin/cli.js')];
  return ['--import', 'tsx', join(root, script === 'main' ? 'src/main.ts' : 'src/admin/cli.ts')];
}

export interface GatewayRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number>;
  /** SIGTERM, as systemd stops it; resolves with the exit code. */
  stop(): Promise<number>;
}

/**
 * Starts `node [nodeFlags] main.js` and resolves once `/healthz` answers on `port`. Its stdout is a pipe read
 * here, or with `stdoutFile` a regular file it writes to (opened with `fileFlags`, `a` for O_APPEND as systemd's
 * `StandardOutput=append:` does).
 */
export async function startGatewayProcess(env: Record<string, string>, port: number, nodeFlags: string[] = [], stdoutFile?: { path: string; fileFlags: 'a' | 'w' }): Promise<GatewayRun> {
  let out = '';
  let err = '';
  const fd = stdoutFile ? openSync(stdoutFile.path, stdoutFile.fileFlags) : undefined;
  const child = spawn(process.execPath, [...nodeFlags, ...entry('main')], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', fd ?? 'pipe', 'pipe'] });
  if (fd !== undefined) closeSync(fd); // the child has its own copy
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
  let gone = false;
  void exited.then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error(`the gateway exited before answering: ${err}${out}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    stdout: () => (stdoutFile ? readFileSync(stdoutFile.path, 'utf8') : out),
    stderr: () => err,
    exited,
    stop() {
      if (!gone) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Runs the admin CLI to its end with `stdin` as its input. */
export function runCli(args: string[], env: Record<string, string>, stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...entry('cli'), ...args], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}
