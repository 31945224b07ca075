<?php
/**
 * The replay record of identity assertions: each assertion's `jti` is recorded, until the assertion expires, in a
 * small table with the jti's SHA-256 as primary key. Recording is one `INSERT IGNORE`: of two requests carrying
 * the same assertion, the database lets exactly one insert the row, so exactly one is signed in. Expired rows are
 * deleted now and then by the recording request itself (no cron needed: DISABLE_WP_CRON sites stay clean).
 *
 * @package Partnergate\Shim
 */

namespace Partnergate\Shim;

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/** The option that remembers which version of the table exists. */
const REPLAY_SCHEMA_OPTION = 'partnergate_shim_db_version';

const REPLAY_SCHEMA_VERSION = '1';

/** One recording in this many also deletes the expired rows. */
const REPLAY_CLEANUP_EVERY = 50;

/**
 * The replay table's name.
 *
 * @return string
 */
function replay_table(): string {
	global $wpdb;
	return $wpdb->prefix . 'partnergate_seen_jti';
}

/**
 * Creates the table when this site does not have it yet (a must-use install never runs an activation hook).
 *
 * @return void
 */
function ensure_replay_table(): void {
	if ( REPLAY_SCHEMA_VERSION === get_option( REPLAY_SCHEMA_OPTION ) ) {
		return;
	}
	global $wpdb;
	$table   = replay_table();
	$charset = $wpdb->get_charset_collate();
	// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared, WordPress.WP.PreparedSQL.NotPrepared -- table name and collation come from $wpdb.
	$wpdb->query( "CREATE TABLE IF NOT EXISTS {$table} ( jti_hash CHAR(64) NOT NULL PRIMARY KEY, expires_at BIGINT NOT NULL, KEY expires_at (expires_at) ) {$charset}" );
	update_option( REPLAY_SCHEMA_OPTION, REPLAY_SCHEMA_VERSION, true );
}

/**
 * Records a jti as used until $expires_at.
 *
 * @param string $jti        The token's jti.
 * @param int    $expires_at When the token expires (seconds since the epoch); the row is kept a little longer.
 * @return bool true the first time a jti is recorded, false for a replay or when the record cannot be written
 */
function record_jti_once( string $jti, int $expires_at ): bool {
	global $wpdb;
	ensure_replay_table();
	$table = replay_table();
	// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared, WordPress.WP.PreparedSQL.NotPrepared -- the table name comes from $wpdb.
	$inserted = $wpdb->query( $wpdb->prepare( "INSERT IGNORE INTO {$table} ( jti_hash, expires_at ) VALUES ( %s, %d )", hash( 'sha256', $jti ), $expires_at + JWT_LEEWAY_SECONDS ) );
	if ( 0 === wp_rand( 0, REPLAY_CLEANUP_EVERY - 1 ) ) {
		delete_expired_jtis( time() );
	}
	return 1 === $inserted;
}

/**
 * Deletes the rows of assertions that have expired.
 *
 * @param int $now Seconds since the epoch.
 * @return void
 */
function delete_expired_jtis( int $now ): void {
	global $wpdb;
	$table = replay_table();
	// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared, WordPress.WP.PreparedSQL.NotPrepared -- the table name comes from $wpdb.
	$wpdb->query( $wpdb->prepare( "DELETE FROM {$table} WHERE expires_at < %d", $now ) );
}

/**
 * Drops the table (uninstall).
 *
 * @return void
 */
function drop_replay_table(): void {
	global $wpdb;
	$table = replay_table();
	// phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared, WordPress.WP.PreparedSQL.NotPrepared -- the table name comes from $wpdb.
	$wpdb->query( "DROP TABLE IF EXISTS {$table}" );
	delete_option( REPLAY_SCHEMA_OPTION );
}
