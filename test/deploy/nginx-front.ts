/**
 * The real nginx (/usr/sbin/nginx) running `deploy/nginx/partnergate.conf` as shipped, with only what a deployer
 * replaces filled in: ports (free, unprivileged), the gateway's address, the WordPress directory and a self-signed
 * certificate made by openssl. Each replacement must match the file, so a change to the shipped config that the
 * test does not follow fails here rather than testing something else. nginx runs in the foreground in its own
 * process group under a temporary prefix; as root it runs as `nobody` (never as root).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/postgres.js';

export const NGINX = '/usr/sbin/nginx';
export const SHIPPED_CONFIG = new URL('../../deploy/nginx/partnergate.conf', import.meta.url).pathname;

export interface NginxFront {
  httpPort: number;
  tlsPort: number;
  /** The self-signed certificate (PEM), for the client's `ca`. */
  cert: string;
  accessLog(): string;
  stop(): Promise<void>;
}

function replaceOnce(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`deploy/nginx/partnergate.conf: expected exactly one "${from}"`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

/** The shipped config with a deployer's values filled in. */
export function renderShippedConfig(v: { httpPort: number; tlsPort: number; gatewayPort: number; wordpressDir: string; certFile: string; keyFile: string; acmeDir: string }): string {
  let conf = readFileSync(SHIPPED_CONFIG, 'utf8');
  conf = replaceOnce(conf, '    listen 80;\n', `    listen 127.0.0.1:${v.httpPort};\n`);
  conf = replaceOnce(conf, '    listen [::]:80;\n', '');
  conf = replaceOnce(conf, '    listen 443 ssl http2;\n', `    listen 127.0.0.1:${v.tlsPort} ssl http2;\n`);
  conf = replaceOnce(conf, '    listen [::]:443 ssl http2;\n', '');
  conf = replaceOnce(conf, 'server 127.0.0.1:8080;', `server 127.0.0.1:${v.gatewayPort};`);
  conf = replaceOnce(conf, 'root /var/www/wordpress;', `root ${v.wordpressDir};`);
  conf = replaceOnce(conf, 'root /var/www/acme;', `root ${v.acmeDir};`);
  conf = replaceOnce(conf, '/etc/letsencrypt/live/partners.example.com/fullchain.pem', v.certFile);
  conf = replaceOnce(conf, '/etc/letsencrypt/live/partners.example.com/privkey.pem', v.keyFile);
  return conf;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

export async function startNginxFront(opts: { gatewayPort: number; wordpressDir: string }): Promise<NginxFront> {
  const dir = mkdtempSync(join(tmpdir(), 'partnergate-front-'));
  const asRoot = process.getuid?.() === 0;
  const [httpPort, tlsPort] = [await freePort(), await freePort()];
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
  mkdirSync(join(dir, 'acme'));
  writeFileSync(join(dir, 'partnergate.conf'), renderShippedConfig({ httpPort, tlsPort, gatewayPort: opts.gatewayPort, wordpressDir: opts.wordpressDir, certFile, keyFile, acmeDir: join(dir, 'acme') }));
  const temp = (name: string) => `${name}_temp_path ${dir}/${name};`;
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\ndaemon off;\nevents { worker_connections 256; }\n` +
      `http {\n  include /etc/nginx/mime.types;\n  default_type application/octet-stream;\n  access_log ${dir}/access.log;\n` +
      `  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}\n  include ${dir}/partnergate.conf;\n}\n`,
  );
  if (asRoot) {
    // nginx runs as nobody: it must read its prefix and the key (a throw-away one) and write its logs there.
    for (const f of ['', 'acme', 'cert.pem', 'key.pem', 'nginx.conf', 'partnergate.conf']) chownSync(join(dir, f), 65534, 65534);
    chmodSync(dir, 0o755);
  }
  const args = ['-c', join(dir, 'nginx.conf'), '-p', dir, '-e', join(dir, 'error.log')];
  const [command, prefix] = asRoot ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', NGINX]] : [NGINX, []];
  // The syntax check first, as the same user (it creates the error log, which the server must then open).
  execFileSync(command, [...prefix, '-t', ...args], { stdio: 'pipe' });
  const child: ChildProcess = spawn(command, [...prefix, ...args], { stdio: 'ignore', detached: true });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Ready when both ports accept connections (or nginx has exited: then the error log says why).
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) break;
    if ((await listening(httpPort)) && (await listening(tlsPort))) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (child.exitCode !== null || !(await listening(tlsPort))) {
    const log = readFileSync(join(dir, 'error.log'), 'utf8');
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`nginx did not start: ${log}`);
  }
  return {
    httpPort,
    tlsPort,
    cert: readFileSync(certFile, 'utf8'),
    accessLog: () => readFileSync(join(dir, 'access.log'), 'utf8'),
    async stop() {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        /* already gone */
      }
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
