<?php
/**
 * The plugin's switches, kept in one option (`partnergate_shim_settings`) so that the migration can read and
 * set them over REST and put the previous values back on rollback. wp-config.php constants win over the option.
 */

namespace Partnergate\Shim;

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const OPTION = 'partnergate_shim_settings';

/**
 * Defaults:
 * - login_redirect     'handoff': partners go to the gateway after wp-login.php; 'wordpress': WordPress (or PilotPress) decides.
 * - legacy_page_301    true: the legacy PilotPress partner center page answers 301 to legacy_page_target.
 * - legacy_page_target where the 301 goes; '' means PARTNERGATE_URL . '/partner-center/'.
 * - assertion_login    true: a valid identity assertion from the gateway signs the matching WordPress user in for that request.
 * - partner_role       a role whose users count as partners ('' = none).
 * - partner_meta_key   a usermeta key whose truthy value marks a partner ('' = none).
 *
 * @return array<string,mixed>
 */
function default_settings(): array {
	return array(
		'login_redirect'     => 'handoff',
		'legacy_page_301'    => false,
		'legacy_page_target' => '',
		'assertion_login'    => false,
		'partner_role'       => '',
		'partner_meta_key'   => '',
	);
}

/** @return array<string,mixed> the stored settings over the defaults (constants not applied). */
function stored_settings(): array {
	$stored = get_option( OPTION, array() );
	return array_merge( default_settings(), is_array( $stored ) ? array_intersect_key( $stored, default_settings() ) : array() );
}

/** One effective setting: a wp-config.php constant (PARTNERGATE_LOGIN_REDIRECT, PARTNERGATE_ASSERTION_LOGIN...) wins. */
function setting( string $name ) {
	$constant = 'PARTNERGATE_' . strtoupper( $name );
	if ( defined( $constant ) ) {
		return constant( $constant );
	}
	return stored_settings()[ $name ] ?? null;
}

/**
 * Validates and stores some settings. Unknown names or wrong types are refused as a whole.
 *
 * @param array<string,mixed> $changes
 * @return array<string,mixed>|\WP_Error the settings as they were before
 */
function update_settings( array $changes ) {
	$previous = stored_settings();
	$next     = $previous;
	foreach ( $changes as $name => $value ) {
		switch ( $name ) {
			case 'login_redirect':
				if ( ! in_array( $value, array( 'handoff', 'wordpress' ), true ) ) {
					return new \WP_Error( 'partnergate_invalid_setting', 'login_redirect must be "handoff" or "wordpress".', array( 'status' => 400, 'field' => $name ) );
				}
				break;
			case 'legacy_page_301':
			case 'assertion_login':
				if ( ! is_bool( $value ) ) {
					return new \WP_Error( 'partnergate_invalid_setting', $name . ' must be true or false.', array( 'status' => 400, 'field' => $name ) );
				}
				break;
			case 'legacy_page_target':
				if ( ! is_string( $value ) || ( '' !== $value && ! preg_match( '#^https?://[^\s/?\#]+#i', $value ) ) || strlen( $value ) > 2000 ) {
					return new \WP_Error( 'partnergate_invalid_setting', 'legacy_page_target must be an http(s) URL or empty.', array( 'status' => 400, 'field' => $name ) );
				}
				break;
			case 'partner_role':
			case 'partner_meta_key':
				if ( ! is_string( $value ) || strlen( $value ) > 191 ) {
					return new \WP_Error( 'partnergate_invalid_setting', $name . ' must be a short string.', array( 'status' => 400, 'field' => $name ) );
				}
				break;
			default:
				return new \WP_Error( 'partnergate_unknown_setting', 'Unknown setting: ' . $name . '.', array( 'status' => 400, 'field' => $name ) );
		}
		$next[ $name ] = $value;
	}
	update_option( OPTION, $next, false );
	return $previous;
}

/** PARTNERGATE_URL without a trailing slash, or null when not configured. */
function gateway_url(): ?string {
	if ( ! defined( 'PARTNERGATE_URL' ) ) {
		return null;
	}
	$url = rtrim( (string) constant( 'PARTNERGATE_URL' ), '/' );
	return null === origin_of( $url ) ? null : $url;
}

/** Where the legacy partner center page should send visitors. */
function legacy_page_target(): ?string {
	$target = (string) setting( 'legacy_page_target' );
	if ( '' !== $target ) {
		return $target;
	}
	$gateway = gateway_url();
	return null === $gateway ? null : $gateway . '/partner-center/';
}

/** Lets wp_safe_redirect() send users to the gateway (wp-login.php redirects with it). */
function allowed_redirect_hosts( $hosts ) {
	$gateway = gateway_url();
	if ( null !== $gateway ) {
		$host = wp_parse_url( $gateway, PHP_URL_HOST );
		if ( is_string( $host ) && '' !== $host ) {
			$hosts[] = strtolower( $host );
		}
	}
	return $hosts;
}

/** The option `pilotpress-settings` as PilotPress stores it, or an empty array. */
function pilotpress_settings(): array {
	$settings = get_option( 'pilotpress-settings', array() );
	return is_array( $settings ) ? $settings : array();
}
