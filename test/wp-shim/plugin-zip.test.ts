/**
 * wp-shim as a site owner gets it: the zip `npm run build:wp-shim` builds (readme.txt the wp.org way, a .pot with
 * every translatable string, the German .mo), installed as a normal plugin into a WordPress that has never seen
 * it; the German catalogue is used; and deleting the plugin removes everything it stored.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startBareWordPress, type WordPress } from '../support/wordpress.js';
import { buildShimZip, SHIM_PLUGIN_FILE as PLUGIN } from '../support/wordpress-plugin.js';

const run = promisify(execFile);

describe('wp-shim: the installable zip', function () {
  this.timeout(120_000);
  let built: { zip: string; dir: string };
  let wp: WordPress;

  before(async () => {
    built = await buildShimZip();
    wp = await startBareWordPress();
  });
  after(async () => {
    await wp?.stop();
    if (built) rmSync(built.dir, { recursive: true, force: true });
  });

  it('holds the plugin folder, a wp.org readme.txt, the generated .pot and the compiled German catalogue', async () => {
    const { stdout } = await run('unzip', ['-Z1', built.zip]);
    const files = stdout.trim().split('\n');
    expect(files).to.include.members([
      'partnergate-shim/partnergate-shim.php', 'partnergate-shim/uninstall.php', 'partnergate-shim/readme.txt',
      'partnergate-shim/languages/partnergate-shim.pot', 'partnergate-shim/languages/partnergate-shim-de_DE.po', 'partnergate-shim/languages/partnergate-shim-de_DE.mo',
    ]);
    expect(files.every((f) => f.startsWith('partnergate-shim/'))).to.equal(true);
    const readme = (await run('unzip', ['-p', built.zip, 'partnergate-shim/readme.txt'])).stdout;
    expect(readme).to.match(/^=== Partnergate shim ===/).and.to.match(/^Requires at least: 6\.1$/m).and.to.match(/^Tested up to: \S+$/m)
      .and.to.match(/^Requires PHP: 8\.1$/m).and.to.match(/^Stable tag: 1\.0\.0$/m).and.to.match(/^== Frequently Asked Questions ==$/m).and.to.match(/^== Changelog ==$/m);
  });

  it('puts every __()/esc_html__() string of the PHP into the .pot, with translators comments', () => {
    const pot = readFileSync(join(built.dir, 'partnergate-shim.pot'), 'utf8');
    expect(pot).to.contain('msgid "Test connection"').and.to.contain('msgid "Only administrators may use this route."');
    expect(pot).to.match(/#\. translators: 1: the gateway URL, 2: the error from the HTTP client\.\n#: includes\/status\.php:\d+\n#, php-format\nmsgid "The gateway at %1\$s cannot be reached: %2\$s"/);
  });

  it('installs from the zip and activates as a normal plugin in a WordPress without it, showing the not-configured state', async () => {
    await wp.installPluginZip(built.zip, PLUGIN);
    const state = await wp.php<{ active: boolean; configured: boolean; version: string }>(`
      require_once ABSPATH . 'wp-admin/includes/plugin.php';
      return array( 'active' => is_plugin_active( '${PLUGIN}' ), 'configured' => Partnergate\\Shim\\is_configured(), 'version' => PARTNERGATE_SHIM_VERSION );
    `);
    expect(state).to.deep.equal({ active: true, configured: false, version: '1.0.0' });
  });

  it('speaks German with the de_DE locale', async () => {
    const said = await wp.php<string[]>(`
      add_filter( 'plugin_locale', fn() => 'de_DE' );
      unload_textdomain( 'partnergate-shim' );
      Partnergate\\Shim\\load_translations();
      return array( __( 'Test connection', 'partnergate-shim' ), Partnergate\\Shim\\test_connection()['message'] );
    `);
    expect(said).to.deep.equal(['Verbindung testen', 'Das Plugin ist nicht eingerichtet: Legen Sie die Gateway-URL und das gemeinsame Geheimnis (mindestens 32 Zeichen) fest.']);
  });

  it('leaves nothing behind when deleted: options, the replay table and cached test results are gone', async () => {
    const before = await wp.php<{ options: string[]; table: boolean }>(`
      Partnergate\\Shim\\update_settings( array( 'gateway_url' => 'https://partners.example.test', 'assertion_login' => true ) );
      update_option( Partnergate\\Shim\\SECRET_OPTION, str_repeat( 's', 40 ), false );
      Partnergate\\Shim\\record_jti_once( 'uninstall-check', time() + 60 );
      set_transient( 'partnergate_shim_test_1', array( 'ok' => true ), 300 );
      global $wpdb;
      return array(
        'options' => $wpdb->get_col( "SELECT option_name FROM {$wpdb->options} WHERE option_name LIKE '%partnergate%' ORDER BY option_name" ),
        'table'   => (bool) $wpdb->get_var( "SHOW TABLES LIKE '{$wpdb->prefix}partnergate_seen_jti'" ),
      );
    `);
    expect(before.options).to.include.members(['partnergate_shim_settings', 'partnergate_shim_secret', 'partnergate_shim_db_version', '_transient_partnergate_shim_test_1']);
    expect(before.table).to.equal(true);
    const after = await wp.php<{ options: string[]; table: boolean; usermeta: string[]; deleted: boolean }>(`
      require_once ABSPATH . 'wp-admin/includes/plugin.php';
      require_once ABSPATH . 'wp-admin/includes/file.php';
      deactivate_plugins( '${PLUGIN}' );
      $deleted = delete_plugins( array( '${PLUGIN}' ) );
      global $wpdb;
      return array(
        'options'  => $wpdb->get_col( "SELECT option_name FROM {$wpdb->options} WHERE option_name LIKE '%partnergate%'" ),
        'table'    => (bool) $wpdb->get_var( "SHOW TABLES LIKE '{$wpdb->prefix}partnergate_seen_jti'" ),
        'usermeta' => $wpdb->get_col( "SELECT DISTINCT meta_key FROM {$wpdb->usermeta} WHERE meta_key LIKE '%partnergate%' AND meta_key <> 'partnergate_partner'" ),
        'deleted'  => true === $deleted,
      );
    `);
    expect(after).to.deep.equal({ options: [], table: false, usermeta: [], deleted: true });
  });
});
