<?php
/**
 * Who is a partner. PilotPress decides it at login from the Ontraport answer (a `program_id`) and keeps it in
 * the PHP session; sites also carry it in usermeta. Any one of these marks a partner:
 * - usermeta `partnergate_partner` = 1 (the site's own marker, set by hand or by another plugin: neither this
 *   plugin nor the migration writes it);
 * - usermeta `program_id` (PilotPress-era sites that copy it there);
 * - `$_SESSION['program_id']` when PilotPress has a session open for this login;
 * - the role named by the `partner_role` setting, or a truthy usermeta named by `partner_meta_key`;
 * - the `partnergate_shim_is_partner` filter.
 * Administrators (manage_options) are never treated as partners here: they keep landing in wp-admin.
 *
 * @package Partnergate\Shim
 */

namespace Partnergate\Shim;

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Whether this user is a partner (see above).
 *
 * @param \WP_User $user The user.
 * @return bool
 */
function is_partner( \WP_User $user ): bool {
	if ( $user->has_cap( 'manage_options' ) ) {
		return (bool) apply_filters( 'partnergate_shim_is_partner', false, $user );
	}
	$partner = false;
	if ( '1' === (string) get_user_meta( $user->ID, 'partnergate_partner', true ) ) {
		$partner = true;
	}
	$program = get_user_meta( $user->ID, 'program_id', true );
	if ( ! $partner && '' !== (string) $program && '0' !== (string) $program ) {
		$partner = true;
	}
	if ( ! $partner && PHP_SESSION_ACTIVE === session_status() && ! empty( $_SESSION['program_id'] ) ) {
		$partner = true;
	}
	$role = (string) setting( 'partner_role' );
	if ( ! $partner && '' !== $role && in_array( $role, (array) $user->roles, true ) ) {
		$partner = true;
	}
	$meta_key = (string) setting( 'partner_meta_key' );
	if ( ! $partner && '' !== $meta_key && get_user_meta( $user->ID, $meta_key, true ) ) {
		$partner = true;
	}
	return (bool) apply_filters( 'partnergate_shim_is_partner', $partner, $user );
}
