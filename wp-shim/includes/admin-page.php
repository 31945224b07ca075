<?php
/**
 * The Settings -> Partnergate page itself: the status panel (last "Test connection" result, in words), the
 * settings form (admin.php), the test button (admin-post.php, nonce + manage_options), the notice while the plugin
 * is not configured, and a "Settings" link on the Plugins screen.
 *
 * @package Partnergate\Shim
 */

namespace Partnergate\Shim;

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * The settings page's URL.
 *
 * @return string
 */
function admin_page_url(): string {
	return admin_url( 'options-general.php?page=' . ADMIN_PAGE );
}

/**
 * Renders Settings -> Partnergate.
 *
 * @return void
 */
function render_admin_page(): void {
	if ( ! current_user_can( 'manage_options' ) ) {
		wp_die( esc_html__( 'Sorry, you are not allowed to manage this plugin.', 'partnergate-shim' ), 403 );
	}
	echo '<div class="wrap"><h1>' . esc_html__( 'Partnergate', 'partnergate-shim' ) . '</h1>';
	render_status_panel();
	echo '<form method="post" action="' . esc_url( admin_url( 'options.php' ) ) . '">';
	settings_fields( OPTION_GROUP );
	render_settings_fields();
	submit_button();
	echo '</form></div>';
}

/**
 * The status panel: whether the plugin is configured, the last connection test of this user, and the button.
 *
 * @return void
 */
function render_status_panel(): void {
	echo '<h2>' . esc_html__( 'Status', 'partnergate-shim' ) . '</h2>';
	$result = get_transient( TEST_RESULT . get_current_user_id() );
	if ( is_array( $result ) && isset( $result['ok'], $result['code'], $result['message'] ) ) {
		delete_transient( TEST_RESULT . get_current_user_id() );
		printf(
			'<div id="partnergate-test-result" class="notice inline %1$s" data-code="%2$s"><p>%3$s</p></div>',
			esc_attr( $result['ok'] ? 'notice-success' : 'notice-error' ),
			esc_attr( (string) $result['code'] ),
			esc_html( (string) $result['message'] )
		);
	} elseif ( ! is_configured() ) {
		echo '<div class="notice inline notice-warning"><p>' . esc_html__( 'Not configured yet: enter the gateway URL and the shared secret below, save, then test the connection.', 'partnergate-shim' ) . '</p></div>';
	}
	echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '">';
	echo '<input type="hidden" name="action" value="' . esc_attr( TEST_ACTION ) . '">';
	wp_nonce_field( TEST_ACTION );
	submit_button( __( 'Test connection', 'partnergate-shim' ), 'secondary', 'partnergate-test', false );
	echo '</form>';
}

/**
 * `admin_post_partnergate_shim_test`: runs the connection test and shows its result on the settings page
 * (kept for this user for five minutes, read once).
 *
 * @return void
 */
function handle_test_connection(): void {
	if ( ! current_user_can( 'manage_options' ) ) {
		wp_die( esc_html__( 'Sorry, you are not allowed to manage this plugin.', 'partnergate-shim' ), 403 );
	}
	check_admin_referer( TEST_ACTION );
	set_transient( TEST_RESULT . get_current_user_id(), test_connection(), 5 * MINUTE_IN_SECONDS );
	wp_safe_redirect( admin_page_url() );
	exit;
}

/**
 * `admin_notices`: tells administrators, on every screen but the plugin's own, that the plugin is not configured.
 *
 * @return void
 */
function not_configured_notice(): void {
	if ( is_configured() || ! current_user_can( 'manage_options' ) ) {
		return;
	}
	$screen = function_exists( 'get_current_screen' ) ? get_current_screen() : null;
	if ( null !== $screen && 'settings_page_' . ADMIN_PAGE === $screen->id ) {
		return;
	}
	printf(
		'<div class="notice notice-warning" id="partnergate-not-configured"><p>%1$s <a href="%2$s">%3$s</a></p></div>',
		esc_html__( 'Partnergate shim is active but not configured: partners are not sent to the partner center yet.', 'partnergate-shim' ),
		esc_url( admin_page_url() ),
		esc_html__( 'Configure it', 'partnergate-shim' )
	);
}

/**
 * `plugin_action_links_<basename>`: a "Settings" link next to "Deactivate".
 *
 * @param string[] $links The row's links.
 * @return string[]
 */
function plugin_action_links( $links ) {
	array_unshift( $links, '<a href="' . esc_url( admin_page_url() ) . '">' . esc_html__( 'Settings', 'partnergate-shim' ) . '</a>' );
	return $links;
}
