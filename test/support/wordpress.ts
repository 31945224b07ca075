/**
 * A real WordPress for integration tests: Debian's `wordpress` package (6.1) on a private MariaDB and `php -S`,
 * with the wp-shim plugin installed as a must-use plugin, plus a test-only mu-plugin (test/support/wordpress/
 * test-plugin.php: no mail, and an endpoint that echoes what PHP received).
 *
 * `startBareWordPress()` starts a separate one the way a site owner starts: no wp-shim at all, no PARTNERGATE_*
 * constants, plugin uploads allowed; install the plugin from its zip (through wp-admin in a browser, or with
 * `wp.installPluginZip(zip)`), and stop it in `after`. Only one of the two may have a gateway in front at a time.
 *
 * Started once per mocha run (`startWordPress()` caches the promise, stop registered with `onRunEnd`). WordPress
 * believes it lives at `publicOrigin` (WP_HOME/WP_SITEURL): the tests' gateway must listen on `gatewayPort` with
 * PARTNERGATE_PUBLIC_URL = publicOrigin, so only one such gateway runs at a time (close it in `after`).
 *
 * Layout of the throw-away folder: mariadb/ (datadir + socket), site/ (wp-admin and wp-includes hard-linked from
 * /usr/share/wordpress, never written; own wp-config.php and wp-content), logs/. Both servers run in their own
 * process group (setsid) and are stopped by group, so `php -S` workers never outlive the run.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, linkSync, mkdirSync, mkdtempSync, openSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, closeSync } from 'node:fs';
import { get } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { onRunEnd } from './hooks.js';
import { freePort } from './postgres.js';

const run = promisify(execFile);
const WP_CORE = '/usr/share/wordpress';
const HERE = dirname(fileURLToPath(import.meta.url));
const PHP_HELPERS = join(HERE, 'wordpress');
export const WP_SHIM_DIR = resolve(HERE, '../../wp-shim');

export interface WpUser {
  id: number;
  login: string;
  password: string;
  email: string;
}

export interface WordPress {
  /** Where php -S listens (the gateway's upstream), e.g. http://127.0.0.1:41234. */
  url: string;
  /** WP_HOME / WP_SITEURL: the gateway's origin. */
  publicOrigin: string;
  /** The port the tests' gateway must listen on (the one in publicOrigin). */
  gatewayPort: number;
  /** PARTNERGATE_SHIM_SECRET in wp-config.php (a bare WordPress: the secret to enter on its settings screen); the gateway gets it as PARTNERGATE_WP_SHIM_SECRET. */
  secret: string;
  admin: WpUser & { appPassword: string };
  /** A partner by usermeta `partnergate_partner` = 1. */
  partner: WpUser;
  /** A partner the PilotPress way: usermeta `program_id` and `contact_id`. */
  pilotPartner: WpUser;
  /** A subscriber who is not a partner. */
  customer: WpUser;
  helloPostId: number;
  /** The environment a test gateway needs to sit in front of this WordPress. */
  gatewayEnv(extra?: Record<string, string>): Record<string, string>;
  /** Runs PHP with WordPress loaded (the code should `return` something) and gives back its JSON. */
  php<T = unknown>(code: string): Promise<T>;
  /** Makes the site look the way PilotPress leaves one (settings option, "Partner Center" page), or undoes it. */
  setPilotPress(on: boolean): Promise<{ pageId: number | null; pageUrl: string | null }>;
  /** Installs and activates a plugin zip as wp-admin's upload would (unzip into wp-content/plugins/, activate). */
  installPluginZip(zip: string, pluginFile: string): Promise<void>;
  logDir: string;
  stop(): Promise<void>;
}

let started: Promise<WordPress> | undefined;

/** How wp-shim is present: a must-use plugin configured in wp-config.php, or not at all (a site owner's site). */
interface LaunchOptions {
  shim: 'mu-plugin' | 'none';
}

/** A private WordPress without wp-shim, for installing it as a normal plugin; the caller stops it. */
export async function startBareWordPress(): Promise<WordPress> {
  const wp = await launch({ shim: 'none' });
  onRunEnd(() => wp.stop());
  return wp;
}

/** The run's WordPress (wp-shim as a must-use plugin, configured in wp-config.php), started on first use. */
export function startWordPress(): Promise<WordPress> {
  started ??= launch({ shim: 'mu-plugin' }).then((wp) => {
    onRunEnd(() => wp.stop());
    return wp;
  });
  return started;
}

function waitFor(what: string, probe: () => Promise<boolean>, child: ChildProcess, logFile: string, deadlineMs = 30_000): Promise<void> {
  const start = Date.now();
  return new Promise((resolvePromise, reject) => {
    const tick = async () => {
      if (child.exitCode !== null) return reject(new Error(`${what} exited with ${child.exitCode}; see ${logFile}`));
      if (await probe().catch(() => false)) return resolvePromise();
      if (Date.now() - start > deadlineMs) return reject(new Error(`${what} not ready after ${deadlineMs} ms; see ${logFile}`));
      setTimeout(tick, 50);
    };
    void tick();
  });
}

function socketAccepts(path: string): Promise<boolean> {
  return new Promise((res) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => res(false));
  });
}

function httpOk(url: string): Promise<boolean> {
  return new Promise((res) => {
    const req = get(url, (r) => {
      r.resume();
      res(r.statusCode === 200);
    });
    req.setTimeout(5000, () => req.destroy());
    req.once('error', () => res(false));
  });
}

/** Kills a process group started with `detached: true` and waits for its leader to exit. */
async function stopGroup(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }, 5000);
  await exited;
  clearTimeout(timer);
}

/** A pristine MariaDB datadir, made once per machine (mariadb-install-db takes ~2 s) and copied per run. */
async function mariadbTemplate(): Promise<string> {
  const { stdout } = await run('mariadbd', ['--version']);
  const version = (/Ver\s+(\S+)/.exec(stdout)?.[1] ?? 'unknown').replace(/[^A-Za-z0-9.-]/g, '_');
  const template = join(tmpdir(), `partnergate-mariadb-template-${version}`);
  if (existsSync(join(template, 'mysql'))) return template;
  const building = `${template}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  await run('mariadb-install-db', [
    '--no-defaults', `--datadir=${building}`, '--auth-root-authentication-method=normal', '--skip-test-db', `--user=${userName()}`,
    '--innodb-flush-log-at-trx-commit=0', '--innodb-doublewrite=0', '--innodb-log-file-size=8M', '--innodb-buffer-pool-size=32M',
  ]);
  try {
    renameSync(building, template);
  } catch {
    rmSync(building, { recursive: true, force: true }); // another run won the race
  }
  return template;
}

function userName(): string {
  return process.env.USER ?? (process.getuid?.() === 0 ? 'root' : 'nobody');
}

/** wp-admin, wp-includes and the theme are hard links (read-only use, instant); the rest is copied or ours. */
function buildSite(siteDir: string, opts: LaunchOptions): void {
  mkdirSync(siteDir, { recursive: true });
  for (const entry of readdirSync(WP_CORE)) {
    const from = join(WP_CORE, entry);
    if (entry === 'wp-config.php' || entry === 'wp-content' || entry.startsWith('.')) continue;
    if (statSync(from).isDirectory()) linkTree(from, join(siteDir, entry));
    else copyFileSync(from, join(siteDir, entry));
  }
  const content = join(siteDir, 'wp-content');
  for (const d of ['themes', 'plugins', 'mu-plugins', 'uploads']) mkdirSync(join(content, d), { recursive: true });
  linkTree(join(WP_CORE, 'wp-content/themes/twentytwentyone'), join(content, 'themes/twentytwentyone'));
  if (opts.shim === 'mu-plugin') {
    // wp-shim as a must-use plugin: its folder plus the one-line loader the README describes.
    cpSync(WP_SHIM_DIR, join(content, 'mu-plugins/partnergate-shim'), { recursive: true });
    writeFileSync(join(content, 'mu-plugins/partnergate-shim-loader.php'), "<?php\nrequire_once __DIR__ . '/partnergate-shim/partnergate-shim.php';\n");
  }
  copyFileSync(join(PHP_HELPERS, 'test-plugin.php'), join(content, 'mu-plugins/partnergate-test-plugin.php'));
}

/** Hard links when the temporary folder is on the same file system as /usr/share/wordpress, else a copy. */
function linkTree(from: string, to: string): void {
  if (hardLinkTree(from, to)) return;
  rmSync(to, { recursive: true, force: true });
  cpSync(from, to, { recursive: true });
}

function hardLinkTree(from: string, to: string): boolean {
  try {
    mkdirSync(to, { recursive: true });
    for (const entry of readdirSync(from, { withFileTypes: true })) {
      const src = join(from, entry.name);
      const dst = join(to, entry.name);
      if (entry.isDirectory()) {
        if (!hardLinkTree(src, dst)) return false;
      } else if (entry.isFile()) {
        linkSync(src, dst);
      }
    }
    return true;
  } catch {
    return false;
  }
}

function phpString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function wpConfig(o: { socket: string; origin: string; secret: string; shim: LaunchOptions['shim'] }): string {
  const salt = () => phpString(randomBytes(48).toString('base64'));
  const keys = ['AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT', 'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT'];
  return `<?php
// Written by test/support/wordpress.ts for one test run.
define( 'DB_NAME', 'wordpress' );
define( 'DB_USER', 'root' );
define( 'DB_PASSWORD', '' );
define( 'DB_HOST', ${phpString(`localhost:${o.socket}`)} );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
${keys.map((k) => `define( '${k}', ${salt()} );`).join('\n')}
$table_prefix = 'wp_';
define( 'WP_HOME', ${phpString(o.origin)} );
define( 'WP_SITEURL', ${phpString(o.origin)} );
define( 'WP_ENVIRONMENT_TYPE', 'local' );
define( 'WP_HTTP_BLOCK_EXTERNAL', true );
define( 'DISABLE_WP_CRON', true );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
define( 'WP_AUTO_UPDATE_CORE', false );
define( 'WP_DEBUG', false );
${o.shim === 'mu-plugin' ? `define( 'DISALLOW_FILE_MODS', true );
define( 'PARTNERGATE_SHIM_SECRET', ${phpString(o.secret)} );
define( 'PARTNERGATE_URL', ${phpString(o.origin)} );` : `define( 'FS_METHOD', 'direct' );`}
if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}
require_once ABSPATH . 'wp-settings.php';
`;
}

async function launch(opts: LaunchOptions): Promise<WordPress> {
  if (!existsSync(join(WP_CORE, 'wp-load.php'))) throw new Error('WordPress is not installed: apt-get install wordpress (see test/install-deps.sh)');
  const root = mkdtempSync(join(tmpdir(), 'partnergate-wp-'));
  const logDir = join(root, 'logs');
  mkdirSync(logDir);
  const socket = join(root, 'mariadb.sock');
  const dataDir = join(root, 'mariadb');
  const siteDir = join(root, 'site');
  let mariadb: ChildProcess | undefined;
  let php: ChildProcess | undefined;
  const exitGuard = () => {
    for (const c of [php, mariadb]) if (c?.pid && c.exitCode === null) try { process.kill(-c.pid, 'SIGKILL'); } catch { /* gone */ }
  };
  process.once('exit', exitGuard);

  const stop = async () => {
    await stopGroup(php);
    await stopGroup(mariadb);
    process.off('exit', exitGuard);
    if (!process.env.PARTNERGATE_KEEP_WP) rmSync(root, { recursive: true, force: true });
  };

  try {
    const [gatewayPort, wpPort, template] = await Promise.all([freePort(), freePort(), mariadbTemplate()]);
    cpSync(template, dataDir, { recursive: true });
    const dbLog = join(logDir, 'mariadb.log');
    const dbLogFd = openSync(dbLog, 'a');
    mariadb = spawn('mariadbd', [
      '--no-defaults', `--datadir=${dataDir}`, `--socket=${socket}`, '--skip-networking', `--user=${userName()}`,
      '--innodb-buffer-pool-size=32M', '--performance-schema=OFF', '--innodb-flush-log-at-trx-commit=0', '--innodb-doublewrite=0',
      '--innodb-log-file-size=8M', '--skip-log-bin', `--pid-file=${join(root, 'mariadb.pid')}`,
    ], { detached: true, stdio: ['ignore', dbLogFd, dbLogFd] });
    closeSync(dbLogFd);
    buildSite(siteDir, opts);

    const publicOrigin = `http://127.0.0.1:${gatewayPort}`;
    const url = `http://127.0.0.1:${wpPort}`;
    const secret = randomBytes(32).toString('base64url');
    writeFileSync(join(siteDir, 'wp-config.php'), wpConfig({ socket, origin: publicOrigin, secret, shim: opts.shim }));

    await waitFor('mariadbd', () => socketAccepts(socket), mariadb, dbLog);
    await run('mariadb', ['--no-defaults', `--socket=${socket}`, '-uroot', '-e', 'CREATE DATABASE wordpress CHARACTER SET utf8mb4']);

    const publicHost = `127.0.0.1:${gatewayPort}`;
    const phpIni = ['-d', 'display_errors=0', '-d', 'log_errors=1', '-d', `error_log=${join(logDir, 'php-errors.log')}`, '-d', 'upload_max_filesize=64M', '-d', 'post_max_size=64M', '-d', 'memory_limit=256M'];
    const phpJson = async <T>(script: string, stdin: string): Promise<T> => {
      const child = execFile('php', [...phpIni, join(PHP_HELPERS, script), siteDir, publicHost], { maxBuffer: 16 * 1024 * 1024 });
      child.stdin!.end(stdin);
      const out = await new Promise<string>((res, rej) => {
        let stdout = '';
        let stderr = '';
        child.stdout!.on('data', (d) => (stdout += d));
        child.stderr!.on('data', (d) => (stderr += d));
        child.once('exit', (code) => (code === 0 ? res(stdout) : rej(new Error(`php ${script} exited ${code}: ${stderr || stdout}`))));
      });
      try {
        return JSON.parse(out.slice(out.indexOf(out.trimStart().charAt(0)))) as T;
      } catch {
        throw new Error(`php ${script} printed no JSON: ${out.slice(0, 500)}`);
      }
    };

    const users = {
      admin: { login: 'admin', password: `admin-${randomBytes(9).toString('base64url')}`, email: 'admin@example.test' },
      partner: { login: 'partner', password: `partner-${randomBytes(9).toString('base64url')}`, email: 'partner@example.test', role: 'subscriber', meta: { partnergate_partner: '1' } },
      pilotPartner: { login: 'pilotpartner', password: `pilot-${randomBytes(9).toString('base64url')}`, email: 'pilot.partner@example.test', role: 'subscriber', meta: { program_id: '3', contact_id: '7781' } },
      customer: { login: 'customer', password: `customer-${randomBytes(9).toString('base64url')}`, email: 'customer@example.test', role: 'subscriber', meta: {} },
    };
    const installed = await phpJson<{ adminId: number; appPassword: string; users: Record<string, number>; helloPostId: number }>(
      'install.php',
      JSON.stringify({ title: 'Partnergate test site', admin: users.admin, users: [users.partner, users.pilotPartner, users.customer] }),
    );

    const phpLog = join(logDir, 'php-server.log');
    const phpLogFd = openSync(phpLog, 'a');
    // opcache makes the long-lived server about three times faster (it would only slow the one-shot scripts).
    php = spawn('php', [...phpIni, '-d', 'opcache.enable_cli=1', '-S', `127.0.0.1:${wpPort}`, '-t', siteDir, join(PHP_HELPERS, 'router.php')], {
      detached: true,
      cwd: siteDir,
      stdio: ['ignore', phpLogFd, phpLogFd],
      env: { ...process.env, PHP_CLI_SERVER_WORKERS: '4' },
    });
    closeSync(phpLogFd);
    await waitFor('php -S', () => httpOk(`${url}/wp-login.php`), php, phpLog);

    const user = (u: { login: string; password: string; email: string }): WpUser => ({ id: installed.users[u.login] ?? installed.adminId, login: u.login, password: u.password, email: u.email });
    const wp: WordPress = {
      url,
      publicOrigin,
      gatewayPort,
      secret,
      admin: { ...user(users.admin), id: installed.adminId, appPassword: installed.appPassword },
      partner: user(users.partner),
      pilotPartner: user(users.pilotPartner),
      customer: user(users.customer),
      helloPostId: installed.helloPostId,
      logDir,
      gatewayEnv: (extra = {}) => ({
        PARTNERGATE_PORT: String(gatewayPort),
        PARTNERGATE_PUBLIC_URL: publicOrigin,
        PARTNERGATE_UPSTREAM_URL: url,
        PARTNERGATE_WP_SHIM_SECRET: secret,
        ...extra,
      }),
      php: (code) => phpJson('eval.php', code),
      async setPilotPress(on) {
        return phpJson('eval.php', on ? PILOTPRESS_ON : PILOTPRESS_OFF);
      },
      async installPluginZip(zip, pluginFile) {
        const error = await phpJson<string | null>('eval.php', `
          require_once ABSPATH . 'wp-admin/includes/file.php';
          require_once ABSPATH . 'wp-admin/includes/plugin.php';
          WP_Filesystem();
          $unzipped = unzip_file( ${phpString(zip)}, WP_PLUGIN_DIR );
          if ( is_wp_error( $unzipped ) ) { return $unzipped->get_error_message(); }
          $activated = activate_plugin( ${phpString(pluginFile)} );
          return is_wp_error( $activated ) ? $activated->get_error_message() : null;
        `);
        if (error) throw new Error(`installing ${zip} failed: ${error}`);
      },
      stop,
    };
    return wp;
  } catch (err) {
    await stop();
    throw err;
  }
}

/** What PilotPress leaves behind: its settings (partner center on, plr pages) and the "Partner Center" system page. */
const PILOTPRESS_ON = `
$page = get_page_by_path( 'affiliate-center', OBJECT, 'page' );
$id = $page ? $page->ID : wp_insert_post( array( 'post_title' => 'Partner Center', 'post_name' => 'affiliate-center', 'post_type' => 'page', 'post_status' => 'publish', 'post_content' => '[pilotpress_affiliate_center]' ) );
update_post_meta( $id, '_pilotpress_system_page', 'affiliate_center' );
update_option( 'pilotpress-settings', array(
  'app_id' => '2_1234_AbCdEf', 'api_key' => 'pilotpress-api-key-0123456789', 'customer_center' => 'on', 'affiliate_center' => 'on',
  'pilotpress_customer_plr' => '-1', 'pilotpress_affiliate_plr' => (string) $id, 'pilotpress_logout_users' => '', 'disablecaching' => '', 'usehome' => '',
) );
update_option( 'pilotpress_api_version', '1.0' );
return array( 'pageId' => (int) $id, 'pageUrl' => get_permalink( $id ) );
`;

const PILOTPRESS_OFF = `
$page = get_page_by_path( 'affiliate-center', OBJECT, 'page' );
if ( $page ) { wp_delete_post( $page->ID, true ); }
delete_option( 'pilotpress-settings' );
delete_option( 'pilotpress_api_version' );
return array( 'pageId' => null, 'pageUrl' => null );
`;
