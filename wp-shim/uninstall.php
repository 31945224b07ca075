<?php
/**
 * Deleting the plugin from wp-admin removes everything it wrote: its options (settings, the secret saved on the
 * settings screen, the replay table's version), the replay table, and the connection-test results kept as
 * transients. It writes no user meta (`partnergate_partner` is the site's own marker, read, never written).
 * Runs without the plugin loaded, so it names the options itself.
 *
 * @package Partnergate\Shim
 */

if ( ! defined( 'WP_UNINSTALL_PLUGIN' ) ) {
	exit;
}

global $wpdb;

foreach ( array( 'partnergate_shim_settings', 'partnergate_shim_secret', 'partnergate_shim_db_version' ) as $partnergate_option ) {
	delete_option( $partnergate_option );
}
// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared, WordPress.WP.PreparedSQL.NotPrepared -- the table name comes from $wpdb.
$wpdb->query( "DROP TABLE IF EXISTS {$wpdb->prefix}partnergate_seen_jti" );
// phpcs:ignore WordPress.DB.DirectDatabaseQuery -- transients named by user id cannot be listed otherwise.
$wpdb->query( $wpdb->prepare( "DELETE FROM {$wpdb->options} WHERE option_name LIKE %s OR option_name LIKE %s", $wpdb->esc_like( '_transient_partnergate_shim_' ) . '%', $wpdb->esc_like( '_transient_timeout_partnergate_shim_' ) . '%' ) );
