<?php
/**
 * Plugin Name:       Partnergate shim
 * Plugin URI:        https://github.com/partnergate/partnergate
 * Description:       Connects this site to the Partnergate partner center: sends partners to it after login with a signed one-minute hand-off, optionally signs partners in from the gateway's signed identity assertion, answers the migration's export and settings calls, and can redirect the legacy PilotPress "Partner Center" page.
 * Version:           1.0.0
 * Requires at least: 6.1
 * Requires PHP:      8.1
 * License:           MIT
 * Text Domain:       partnergate-shim
 *
 * Domain Path:       /languages
 *
 * Works as a normal plugin (wp-content/plugins/partnergate-shim/) or a must-use plugin (copy the folder into
 * wp-content/mu-plugins/ and add a one-line loader, see README.md). Configure it on Settings -> Partnergate, or
 * in wp-config.php (constants win over the screen):
 *   define( 'PARTNERGATE_SHIM_SECRET', '...same value as PARTNERGATE_WP_SHIM_SECRET...' );
 *   define( 'PARTNERGATE_URL', 'https://partners.example.com' );
 *
 * @package Partnergate\Shim
 */

namespace Partnergate\Shim;

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}
if ( defined( 'PARTNERGATE_SHIM_VERSION' ) ) {
	return; // Loaded twice (plugin and mu-plugin): the first copy wins.
}
define( 'PARTNERGATE_SHIM_VERSION', '1.0.0' );

require_once __DIR__ . '/includes/jwt.php';
require_once __DIR__ . '/includes/settings.php';
require_once __DIR__ . '/includes/partners.php';
require_once __DIR__ . '/includes/handoff.php';
require_once __DIR__ . '/includes/assertion.php';
require_once __DIR__ . '/includes/legacy-page.php';
require_once __DIR__ . '/includes/rest.php';
require_once __DIR__ . '/includes/replay.php';
require_once __DIR__ . '/includes/status.php';

add_filter( 'login_redirect', __NAMESPACE__ . '\\login_redirect', 99, 3 );
add_filter( 'allowed_redirect_hosts', __NAMESPACE__ . '\\allowed_redirect_hosts' );
add_filter( 'determine_current_user', __NAMESPACE__ . '\\user_from_assertion', 30 );
add_action( 'template_redirect', __NAMESPACE__ . '\\legacy_page_redirect', 1 );
add_action( 'rest_api_init', __NAMESPACE__ . '\\register_rest_routes' );
add_action( 'init', __NAMESPACE__ . '\\load_translations' );
add_filter( 'site_status_tests', __NAMESPACE__ . '\\site_health_tests' );

if ( is_admin() ) {
	require_once __DIR__ . '/includes/admin.php';
	require_once __DIR__ . '/includes/admin-page.php';
	add_action( 'admin_menu', __NAMESPACE__ . '\\add_admin_page' );
	add_action( 'admin_init', __NAMESPACE__ . '\\register_admin_settings' );
	add_action( 'admin_post_' . TEST_ACTION, __NAMESPACE__ . '\\handle_test_connection' );
	add_action( 'admin_notices', __NAMESPACE__ . '\\not_configured_notice' );
	add_filter( 'plugin_action_links_' . plugin_basename( __FILE__ ), __NAMESPACE__ . '\\plugin_action_links' );
}
