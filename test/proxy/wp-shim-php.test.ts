/** wp-shim as PHP source: lint-clean, a valid plugin header, and loadable as a normal plugin next to the mu-plugin copy. */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { startWordPress, WP_SHIM_DIR } from '../support/wordpress.js';

const run = promisify(execFile);

function phpFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? phpFiles(join(dir, e.name)) : e.name.endsWith('.php') ? [join(dir, e.name)] : []));
}

describe('wp-shim: PHP source', function () {
  this.timeout(60_000);

  for (const file of phpFiles(WP_SHIM_DIR)) {
    it(`php -l is clean: ${relative(WP_SHIM_DIR, file)}`, async () => {
      const { stdout } = await run('php', ['-l', file]);
      expect(stdout).to.contain('No syntax errors detected');
    });
  }

  it('declares itself as a plugin for WordPress 6.1+ and PHP 8.1+, and WordPress reads the header', async () => {
    const main = readFileSync(join(WP_SHIM_DIR, 'partnergate-shim.php'), 'utf8');
    expect(main).to.match(/Requires at least:\s+6\.1/).and.to.match(/Requires PHP:\s+8\.1/);
    const wp = await startWordPress();
    const data = await wp.php<Record<string, string>>(`require_once ABSPATH . 'wp-admin/includes/plugin.php'; return get_plugin_data( WPMU_PLUGIN_DIR . '/partnergate-shim/partnergate-shim.php', false, false );`);
    expect(data).to.include({ Name: 'Partnergate shim', Version: '1.0.0', RequiresWP: '6.1', RequiresPHP: '8.1' });
  });

  it('activates as a normal plugin while the mu-plugin copy is loaded (the first copy wins, no fatal)', async () => {
    const wp = await startWordPress();
    const result = await wp.php<{ activated: boolean; error: string | null }>(`
      require_once ABSPATH . 'wp-admin/includes/plugin.php';
      $dir = WP_PLUGIN_DIR . '/partnergate-shim';
      if ( ! is_dir( $dir ) ) { mkdir( $dir ); mkdir( $dir . '/includes' ); }
      foreach ( array( 'partnergate-shim.php', 'uninstall.php' ) as $f ) { copy( WPMU_PLUGIN_DIR . '/partnergate-shim/' . $f, $dir . '/' . $f ); }
      foreach ( glob( WPMU_PLUGIN_DIR . '/partnergate-shim/includes/*.php' ) as $f ) { copy( $f, $dir . '/includes/' . basename( $f ) ); }
      $error = activate_plugin( 'partnergate-shim/partnergate-shim.php' );
      $active = is_plugin_active( 'partnergate-shim/partnergate-shim.php' );
      deactivate_plugins( 'partnergate-shim/partnergate-shim.php' );
      array_map( 'unlink', glob( $dir . '/includes/*.php' ) ); rmdir( $dir . '/includes' );
      array_map( 'unlink', glob( $dir . '/*.php' ) ); rmdir( $dir );
      return array( 'activated' => $active, 'error' => is_wp_error( $error ) ? $error->get_error_message() : null );
    `);
    expect(result).to.deep.equal({ activated: true, error: null });
  });
});
