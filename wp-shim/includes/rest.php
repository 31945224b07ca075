<?php
/**
 * REST routes for the migration, administrators only (an Application Password in practice):
 * - GET  /wp-json/partnergate/v1/export    users (paged), PilotPress settings, the legacy partner center page, plr settings
 * - GET  /wp-json/partnergate/v1/settings  the shim's switches
 * - POST /wp-json/partnergate/v1/settings  change switches (JSON body); answers the previous values for rollback
 *
 * @package Partnergate\Shim
 */

namespace Partnergate\Shim;

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const REST_NAMESPACE       = 'partnergate/v1';
const PILOTPRESS_USER_META = array( 'contact_id', 'program_id', 'membership_level', 'partnergate_partner' );

/**
 * `rest_api_init`: registers the routes.
 *
 * @return void
 */
function register_rest_routes(): void {
	register_rest_route(
		REST_NAMESPACE,
		'/export',
		array(
			'methods'             => 'GET',
			'callback'            => __NAMESPACE__ . '\\rest_export',
			'permission_callback' => __NAMESPACE__ . '\\rest_admin_only',
			'args'                => array(
				'page'            => array(
					'type'    => 'integer',
					'default' => 1,
					'minimum' => 1,
				),
				'per_page'        => array(
					'type'    => 'integer',
					'default' => 500,
					'minimum' => 1,
					'maximum' => 5000,
				),
				'include_secrets' => array(
					'type'    => 'boolean',
					'default' => false,
				),
			),
		)
	);
	register_rest_route(
		REST_NAMESPACE,
		'/settings',
		array(
			array(
				'methods'             => 'GET',
				'callback'            => __NAMESPACE__ . '\\rest_get_settings',
				'permission_callback' => __NAMESPACE__ . '\\rest_admin_only',
			),
			array(
				'methods'             => 'POST',
				'callback'            => __NAMESPACE__ . '\\rest_update_settings',
				'permission_callback' => __NAMESPACE__ . '\\rest_admin_only',
			),
		)
	);
}

/**
 * Permission callback: administrators only (401 when not signed in, 403 otherwise).
 *
 * @return true|\WP_Error
 */
function rest_admin_only() {
	if ( current_user_can( 'manage_options' ) ) {
		return true;
	}
	return new \WP_Error( 'rest_forbidden', __( 'Only administrators may use this route.', 'partnergate-shim' ), array( 'status' => is_user_logged_in() ? 403 : 401 ) );
}

/**
 * The usermeta a migration needs: PilotPress's keys and anything named pilotpress*, unserialized.
 *
 * @param int $user_id The user.
 * @return array<string,mixed>
 */
function exported_user_meta( int $user_id ): array {
	$out = array();
	foreach ( (array) get_user_meta( $user_id ) as $key => $values ) {
		if ( in_array( $key, PILOTPRESS_USER_META, true ) || preg_match( '/^_?pilotpress/i', (string) $key ) ) {
			$out[ $key ] = maybe_unserialize( is_array( $values ) ? ( $values[0] ?? '' ) : $values );
		}
	}
	return $out;
}

/**
 * A page as the export describes it.
 *
 * @param \WP_Post|null $page The page.
 * @return array<string,mixed>|null
 */
function exported_page( ?\WP_Post $page ): ?array {
	if ( null === $page ) {
		return null;
	}
	return array(
		'id'          => (int) $page->ID,
		'title'       => $page->post_title,
		'slug'        => $page->post_name,
		'status'      => $page->post_status,
		'url'         => get_permalink( $page ),
		'system_page' => (string) get_post_meta( $page->ID, '_pilotpress_system_page', true ),
		'level'       => get_post_meta( $page->ID, '_pilotpress_level', false ),
	);
}

/**
 * The URL a PilotPress plr setting names: a page id, -1 for the home page, or an absolute URL.
 *
 * @param mixed $plr The setting's value.
 * @return string|null
 */
function plr_url( $plr ): ?string {
	if ( is_numeric( $plr ) && -1 === (int) $plr ) {
		return home_url( '/' );
	}
	if ( is_numeric( $plr ) && (int) $plr > 0 ) {
		$link = get_permalink( (int) $plr );
		return is_string( $link ) ? $link : null;
	}
	return is_string( $plr ) && preg_match( '#^https?://#i', $plr ) ? $plr : null;
}

/**
 * GET /export: one page of users, PilotPress's settings, the legacy partner center page, the plugin's settings.
 *
 * @param \WP_REST_Request $request The request.
 * @return \WP_REST_Response
 */
function rest_export( \WP_REST_Request $request ) {
	$page     = (int) $request->get_param( 'page' );
	$per_page = (int) $request->get_param( 'per_page' );
	$query    = new \WP_User_Query(
		array(
			'number'      => $per_page,
			'paged'       => $page,
			'orderby'     => 'ID',
			'order'       => 'ASC',
			'count_total' => true,
		)
	);
	$users    = $query->get_results();
	update_meta_cache( 'user', wp_list_pluck( $users, 'ID' ) );
	$rows = array();
	foreach ( $users as $user ) {
		$rows[] = array(
			'id'           => (int) $user->ID,
			'login'        => $user->user_login,
			'email'        => $user->user_email,
			'display_name' => $user->display_name,
			'roles'        => array_values( (array) $user->roles ),
			'registered'   => $user->user_registered,
			'partner'      => is_partner( $user ),
			'meta'         => (object) exported_user_meta( (int) $user->ID ),
		);
	}
	$pilotpress = get_option( 'pilotpress-settings', null );
	if ( is_array( $pilotpress ) && isset( $pilotpress['api_key'] ) && ! $request->get_param( 'include_secrets' ) ) {
		$key                   = (string) $pilotpress['api_key'];
		$pilotpress['api_key'] = '' === $key ? '' : '[redacted, ' . strlen( $key ) . ' characters; include_secrets=1 to read it]';
	}
	$settings = pilotpress_settings();
	$total    = (int) $query->get_total();
	return rest_ensure_response(
		array(
			'site'                   => array(
				'home'         => home_url(),
				'siteurl'      => site_url(),
				'wp_version'   => get_bloginfo( 'version' ),
				'php_version'  => PHP_VERSION,
				'shim_version' => PARTNERGATE_SHIM_VERSION,
			),
			'users'                  => $rows,
			'users_total'            => $total,
			'page'                   => $page,
			'per_page'               => $per_page,
			'pages'                  => (int) ceil( $total / max( 1, $per_page ) ),
			'pilotpress_settings'    => $pilotpress,
			'pilotpress_api_version' => get_option( 'pilotpress_api_version', null ),
			'legacy_partner_center'  => exported_page( find_legacy_partner_page() ),
			'plr'                    => array(
				'affiliate_plr'     => $settings['pilotpress_affiliate_plr'] ?? null,
				'affiliate_plr_url' => plr_url( $settings['pilotpress_affiliate_plr'] ?? null ),
				'customer_plr'      => $settings['pilotpress_customer_plr'] ?? null,
				'customer_plr_url'  => plr_url( $settings['pilotpress_customer_plr'] ?? null ),
			),
			'shim'                   => shim_status(),
		)
	);
}

/**
 * The plugin's settings as stored and as in effect (constants applied); never the secret itself.
 *
 * @return array<string,mixed>
 */
function shim_status(): array {
	$effective = array();
	foreach ( array_keys( default_settings() ) as $name ) {
		$effective[ $name ] = setting( $name );
	}
	return array(
		'settings'           => stored_settings(),
		'effective'          => $effective,
		'gateway_url'        => gateway_url(),
		'secret_configured'  => null !== shared_secret(),
		'legacy_page_target' => legacy_page_target(),
	);
}

/**
 * GET /settings.
 *
 * @return \WP_REST_Response
 */
function rest_get_settings() {
	return rest_ensure_response( shim_status() );
}

/**
 * POST /settings: changes some settings, answers the previous and current ones.
 *
 * @param \WP_REST_Request $request The request.
 * @return \WP_REST_Response|\WP_Error
 */
function rest_update_settings( \WP_REST_Request $request ) {
	$changes = $request->get_json_params();
	if ( ! is_array( $changes ) || ! $changes ) {
		return new \WP_Error( 'partnergate_no_settings', __( 'Send a JSON object of settings to change.', 'partnergate-shim' ), array( 'status' => 400 ) );
	}
	$previous = update_settings( $changes );
	if ( is_wp_error( $previous ) ) {
		return $previous;
	}
	return rest_ensure_response(
		array(
			'previous' => $previous,
			'current'  => stored_settings(),
		)
	);
}
