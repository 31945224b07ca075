/**
 * Settings -> Partnergate, rendered and sanitised by the real WordPress: wp-config.php constants win and the
 * screen says so (their fields disabled, the secret never printed); the Settings API callbacks keep the stored
 * value and say why when a field is invalid, turn the form's checkboxes into true/false, and treat the secret as
 * write-only (empty keeps it, a short one is refused). Uses the run's WordPress, whose wp-config.php defines
 * PARTNERGATE_URL and PARTNERGATE_SHIM_SECRET.
 */
import { expect } from 'chai';
import { startWordPress, type WordPress } from '../support/wordpress.js';

/** PHP that loads the admin half of the plugin (only loaded inside wp-admin) as the administrator. */
const asAdmin = (adminId: number) => `
  require_once ABSPATH . 'wp-admin/includes/admin.php';
  require_once WPMU_PLUGIN_DIR . '/partnergate-shim/includes/admin.php';
  require_once WPMU_PLUGIN_DIR . '/partnergate-shim/includes/admin-page.php';
  wp_set_current_user( ${adminId} );
  Partnergate\\Shim\\register_admin_settings();
`;

describe('wp-shim: the settings screen', function () {
  this.timeout(60_000);
  let wp: WordPress;

  before(async () => {
    wp = await startWordPress();
  });
  after(async () => {
    await wp.php(`delete_option( 'partnergate_shim_secret' ); Partnergate\\Shim\\update_settings( array( 'gateway_url' => '', 'assertion_login' => false, 'legacy_page_301' => false ) ); return true;`);
  });

  it('shows the fields set in wp-config.php as disabled, says the constant wins, and never prints the secret', async () => {
    const html = await wp.php<string>(`${asAdmin(wp.admin.id)} set_current_screen( 'settings_page_partnergate' ); ob_start(); Partnergate\\Shim\\render_admin_page(); return ob_get_clean();`);
    expect(html).to.contain('Set in wp-config.php by PARTNERGATE_URL: that value wins over this screen.');
    expect(html).to.contain('Set in wp-config.php by PARTNERGATE_SHIM_SECRET: that value wins over this screen.');
    expect(html).to.match(/<input type="url"[^>]*id="partnergate-gateway_url"[^>]*disabled/);
    expect(html).to.match(/<input type="password"[^>]*id="partnergate-secret"[^>]*value=""[^>]*disabled/);
    expect(html).not.to.contain(wp.secret);
    expect(html).to.match(/name=['"]option_page['"] value=['"]partnergate_shim['"]/).and.to.match(/name=['"]_wpnonce['"]/);
    expect(html).to.match(/<input type="checkbox" id="partnergate-assertion_login" name="partnergate_shim_settings\[assertion_login\]" value="1"/);
  });

  it('keeps the stored value of an invalid field and says why; checkboxes become true/false', async () => {
    const result = await wp.php<{ saved: Record<string, unknown>; errors: string[] }>(`${asAdmin(wp.admin.id)}
      update_option( 'partnergate_shim_settings', array_merge( Partnergate\\Shim\\stored_settings(), array( 'legacy_page_target' => 'https://kept.example/' ) ) );
      $saved = Partnergate\\Shim\\sanitize_settings_form( array(
        'gateway_url' => 'https://partners.example.test', 'legacy_page_target' => 'javascript:alert(1)',
        'assertion_login' => '1', 'legacy_page_301' => '0', 'login_redirect' => 'wordpress',
        'assertion_roles' => array( '', 'subscriber', 'no-such-role' ), 'not_a_setting' => 'x',
      ) );
      return array( 'saved' => $saved, 'errors' => wp_list_pluck( get_settings_errors( 'partnergate_shim_settings' ), 'message' ) );
    `);
    expect(result.saved).to.include({ gateway_url: 'https://partners.example.test', legacy_page_target: 'https://kept.example/', assertion_login: true, legacy_page_301: false, login_redirect: 'wordpress' });
    expect(result.saved.assertion_roles).to.deep.equal(['subscriber']);
    expect(result.saved).not.to.have.property('not_a_setting');
    expect(result.errors).to.deep.equal(['Legacy page target: must be an http(s) URL or empty.', 'Roles assertion sign-in may sign in: must name existing roles only.']);
  });

  it('treats the secret as write-only: empty keeps the saved one, a short one is refused', async () => {
    const result = await wp.php<{ kept: string; short: string; next: string; errors: string[] }>(`${asAdmin(wp.admin.id)}
      update_option( 'partnergate_shim_secret', str_repeat( 'a', 40 ), false );
      return array(
        'kept'   => Partnergate\\Shim\\sanitize_secret_form( '' ),
        'short'  => Partnergate\\Shim\\sanitize_secret_form( 'too-short' ),
        'next'   => Partnergate\\Shim\\sanitize_secret_form( '  ' . str_repeat( 'b', 40 ) . '  ' ),
        'errors' => wp_list_pluck( get_settings_errors( 'partnergate_shim_settings' ), 'message' ),
      );
    `);
    expect(result).to.deep.equal({ kept: 'a'.repeat(40), short: 'a'.repeat(40), next: 'b'.repeat(40), errors: ['Shared secret: must be at least 32 characters; the saved secret was kept.'] });
  });

  it('never answers the secret over REST and keeps it out of the autoloaded options', async () => {
    const r = await wp.php<{ status: Record<string, unknown>; autoload: string | null }>(`
      update_option( 'partnergate_shim_secret', str_repeat( 'c', 40 ), false );
      global $wpdb;
      return array( 'status' => Partnergate\\Shim\\shim_status(), 'autoload' => $wpdb->get_var( "SELECT autoload FROM {$wpdb->options} WHERE option_name = 'partnergate_shim_secret'" ) );
    `);
    expect(JSON.stringify(r.status)).not.to.contain('c'.repeat(40));
    expect(r.status.secret_configured).to.equal(true);
    expect(r.autoload).to.equal('no');
  });
});
