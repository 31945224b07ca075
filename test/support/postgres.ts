/**
 * A throw-away PostgreSQL 15 from Debian's packages, on loopback, for the test suite and the benchmarks.
 * initdb into a temporary folder, no systemd. As root (CI), the server runs as the `postgres` user.
 * Set PARTNERGATE_TEST_DATABASE_URL to use a server you already run instead.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const BIN = ['/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/17/bin'].find((d) => existsSync(d));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface PostgresServer {
  /** URL of the `postgres` maintenance database. */
  url: string;
  port: number;
  dataDir: string;
  /** Creates a fresh empty database and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  dropDatabase(url: string): Promise<void>;
  /** Stops and starts the server on the same port and data (a "PostgreSQL restarted" fault). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const asPostgresUser = process.getuid?.() === 0;

function run(cmd: string, args: string[]): void {
  if (asPostgresUser) execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' });
  else execFileSync(cmd, args, { stdio: 'pipe' });
}

async function waitReady(url: string, child: ChildProcess, deadlineMs = 20_000): Promise<void> {
  const start = Date.now();
  let lastErr: unknown;
  while (Date.now() - start < deadlineMs) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      lastErr = err;
      await client.end().catch(() => {});
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`postgres did not become ready: ${(lastErr as Error)?.message}`);
}

let counter = 0;

export async function startPostgres(): Promise<PostgresServer> {
  if (!BIN) throw new Error('PostgreSQL server binaries not found: apt-get install postgresql');
  const dataDir = mkdtempSync(join(tmpdir(), 'partnergate-pg-'));
  if (asPostgresUser) chownSync(dataDir, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), Number(execFileSync('id', ['-g', 'postgres']).toString().trim()));
  run(join(BIN, 'initdb'), ['-D', join(dataDir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let child: ChildProcess;

  const startServer = async () => {
    const args = ['-D', join(dataDir, 'data'), '-p', String(port), '-k', dataDir, '-c', 'listen_addresses=127.0.0.1',
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200',
      '-c', 'shared_buffers=128MB'];
    child = asPostgresUser
      ? spawn('runuser', ['-u', 'postgres', '--', join(BIN, 'postgres'), ...args], { stdio: 'ignore', detached: true })
      : spawn(join(BIN, 'postgres'), args, { stdio: 'ignore', detached: true });
    child.unref();
    await waitReady(url, child);
  };
  const stopServer = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      process.kill(-child.pid!, 'SIGINT'); // fast shutdown of the whole process group
    } catch {
      /* already gone */
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  };
  await startServer();

  const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };

  return {
    url,
    port,
    dataDir,
    async createDatabase(name) {
      const db = name ?? `t_${process.pid}_${++counter}_${Date.now().toString(36)}`;
      await admin((c) => c.query(`create database "${db}"`));
      return `postgres://postgres@127.0.0.1:${port}/${db}`;
    },
    async dropDatabase(dbUrl) {
      const db = new URL(dbUrl).pathname.slice(1);
      await admin(async (c) => {
        // A DROP DATABASE waits for every backend on the server to pass a barrier, and one blocked writing to a
        // client that does not read (a parked export's COPY) never does. Give up with the culprits named rather
        // than as a bare hook timeout in whichever test file happens to drop a database next.
        await c.query(`set statement_timeout = '20s'`);
        try {
          await c.query(`drop database if exists "${db}" with (force)`);
        } catch (err) {
          const { rows } = await c.query(`select pid, datname, backend_type, wait_event, left(query, 80) as query from pg_stat_activity where state = 'active' and pid <> pg_backend_pid()`);
          throw new Error(`drop database ${db}: ${(err as Error).message}; active backends: ${JSON.stringify(rows)}`);
        }
      });
    },
    async restart() {
      await stopServer();
      await startServer();
    },
    async stop() {
      await stopServer();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
