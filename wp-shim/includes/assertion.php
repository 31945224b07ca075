<?php
/**
 * Optional: sign a WordPress user in, for one request, from the gateway's identity assertion header (default
 * `X-Partnergate-Identity`, constant PARTNERGATE_IDENTITY_HEADER). The gateway strips every client-sent copy of
 * that header and signs its own (HS256, key derive_key(secret, 'identity-assertion'), 60 seconds). The user is
 * trusted only when the signature, `aud` (this upstream's origin), `iss` (the gateway's origin) and `exp` check
 * out, and is then the WordPress user with the asserted email, only when that user has one of the roles in the
 * `assertion_roles` setting (default: subscriber; an administrator only when "administrator" is listed). An
 * assertion works once: its `jti` goes into the replay record (replay.php) until it expires, so a captured
 * header cannot be replayed. Off unless the `assertion_login` setting (or PARTNERGATE_ASSERTION_LOGIN) is true.
 *
 * Like a cookie, the header rides along on every request of the signed-in browser, so REST requests signed in
 * this way need a valid X-WP-Nonce exactly as cookie-authenticated ones do.
 *
 * @package Partnergate\Shim
 */

namespace Partnergate\Shim;

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * The $_SERVER key of the identity header.
 *
 * @return string
 */
function identity_header_server_key(): string {
	$name = defined( 'PARTNERGATE_IDENTITY_HEADER' ) ? (string) constant( 'PARTNERGATE_IDENTITY_HEADER' ) : 'X-Partnergate-Identity';
	return 'HTTP_' . strtoupper( preg_replace( '/[^A-Za-z0-9]/', '_', $name ) );
}

/**
 * Origins the assertion may be addressed to: PARTNERGATE_ASSERTION_AUDIENCE (comma-separated) when defined;
 * otherwise the address this PHP server listens on and the site's home origin.
 *
 * @return string[]
 */
function assertion_audiences(): array {
	if ( defined( 'PARTNERGATE_ASSERTION_AUDIENCE' ) ) {
		return array_values( array_filter( array_map( 'trim', explode( ',', (string) constant( 'PARTNERGATE_ASSERTION_AUDIENCE' ) ) ) ) );
	}
	$origins = array();
	$port    = isset( $_SERVER['SERVER_PORT'] ) ? (int) $_SERVER['SERVER_PORT'] : 0;
	foreach ( array( 'SERVER_NAME', 'SERVER_ADDR' ) as $key ) {
		$host = isset( $_SERVER[ $key ] ) ? (string) $_SERVER[ $key ] : '';
		if ( '' === $host || $port <= 0 ) {
			continue;
		}
		if ( str_contains( $host, ':' ) && ! str_starts_with( $host, '[' ) ) {
			$host = '[' . $host . ']';
		}
		foreach ( array( 'http', 'https' ) as $scheme ) {
			$origins[] = origin_of( $scheme . '://' . $host . ':' . $port );
		}
	}
	$origins[] = origin_of( home_url( '/' ) );
	return array_values( array_unique( array_filter( $origins ) ) );
}

/**
 * The verified claims of this request's identity assertion (recorded as used), or null.
 *
 * @return array<string,mixed>|null
 */
function verified_assertion(): ?array {
	static $memo = false;
	if ( false !== $memo ) {
		return $memo;
	}
	$memo   = null;
	$token  = $_SERVER[ identity_header_server_key() ] ?? '';
	$secret = shared_secret();
	if ( ! is_string( $token ) || '' === $token || null === $secret ) {
		return null;
	}
	$gateway = gateway_url();
	$claims  = jwt_verify( $token, derive_key( $secret, 'identity-assertion' ), assertion_audiences(), null === $gateway ? null : origin_of( $gateway ), time() );
	if ( null === $claims || ! is_string( $claims['email'] ?? null ) || ! is_string( $claims['sub'] ?? null ) ) {
		return null;
	}
	$jti = $claims['jti'] ?? null;
	if ( ! is_string( $jti ) || '' === $jti || strlen( $jti ) > 200 || ! record_jti_once( $jti, (int) $claims['exp'] ) ) {
		return null;
	}
	$memo = $claims;
	return $claims;
}

/**
 * Whether assertion sign-in may sign this user in: one of the user's roles is in `assertion_roles`, and a user
 * who can manage options only when "administrator" is listed.
 *
 * @param \WP_User $user The user the assertion names.
 * @return bool
 */
function may_sign_in_by_assertion( \WP_User $user ): bool {
	$allowed = assertion_roles();
	if ( ! array_intersect( (array) $user->roles, $allowed ) ) {
		return false;
	}
	return ! $user->has_cap( 'manage_options' ) || in_array( 'administrator', $allowed, true );
}

/**
 * `determine_current_user` filter (after cookies and application passwords).
 *
 * @param int|false $user_id The user found so far.
 * @return int|false
 */
function user_from_assertion( $user_id ) {
	if ( $user_id || ! setting( 'assertion_login' ) ) {
		return $user_id;
	}
	$claims = verified_assertion();
	if ( null === $claims ) {
		return $user_id;
	}
	$user = get_user_by( 'email', $claims['email'] );
	if ( ! $user instanceof \WP_User || ! may_sign_in_by_assertion( $user ) ) {
		return $user_id;
	}
	// REST: treat it like cookie authentication, which requires a valid X-WP-Nonce (rest_cookie_check_errors).
	$GLOBALS['wp_rest_auth_cookie'] = true;
	return $user->ID;
}
