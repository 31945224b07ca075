<?php
/**
 * Is the plugin working? A signed round trip to the gateway's `GET /sso/wp-shim/ping` (HS256, key purpose
 * 'shim-ping'), turned into a verdict an administrator can act on: not configured, unreachable, not a
 * Partnergate gateway, secret mismatch, wrong gateway URL, clock skew, gateway not proxying this site, or fine.
 * Used by the settings screen's "Test connection" button and by Site Health.
 *
 * @package Partnergate\Shim
 */

namespace Partnergate\Shim;

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/** Clock differences the tokens tolerate: beyond it, hand-offs and assertions are refused. */
const MAX_CLOCK_SKEW_SECONDS = JWT_LEEWAY_SECONDS;

/**
 * The ping token: iss (site URL), aud (gateway origin), home (the home URL), iat, exp, jti.
 *
 * @param string $secret  The shared secret.
 * @param string $gateway The gateway URL.
 * @param int    $now     Seconds since the epoch.
 * @return string
 */
function mint_ping_token( string $secret, string $gateway, int $now ): string {
	$claims = array(
		'iss'  => untrailingslashit( site_url() ),
		'aud'  => (string) origin_of( $gateway ),
		'home' => home_url( '/' ),
		'iat'  => $now,
		'exp'  => $now + 60,
		'jti'  => bin2hex( random_bytes( 16 ) ),
	);
	return jwt_sign( $claims, derive_key( $secret, 'shim-ping' ) );
}

/**
 * A verdict.
 *
 * @param bool   $ok      Whether all is well.
 * @param string $code    A stable code for tests and logs.
 * @param string $message What to tell the administrator (translated).
 * @return array{ok: bool, code: string, message: string}
 */
function verdict( bool $ok, string $code, string $message ): array {
	return array(
		'ok'      => $ok,
		'code'    => $code,
		'message' => $message,
	);
}

/**
 * Pings the gateway and says in words what is wrong, if anything.
 *
 * @param int|null $now The time the ping token claims (tests give a skewed clock); null: now.
 * @return array{ok: bool, code: string, message: string}
 */
function test_connection( ?int $now = null ): array {
	$gateway = gateway_url();
	$secret  = shared_secret();
	if ( null === $gateway || null === $secret ) {
		return verdict( false, 'not_configured', __( 'The plugin is not configured: set the gateway URL and the shared secret (at least 32 characters).', 'partnergate-shim' ) );
	}
	$response = wp_remote_get(
		$gateway . '/sso/wp-shim/ping',
		array(
			'timeout'     => 10,
			'redirection' => 0,
			'headers'     => array(
				'Authorization' => 'Bearer ' . mint_ping_token( $secret, $gateway, $now ?? time() ),
				'Accept'        => 'application/json',
			),
		)
	);
	if ( is_wp_error( $response ) ) {
		/* translators: 1: the gateway URL, 2: the error from the HTTP client. */
		return verdict( false, 'unreachable', sprintf( __( 'The gateway at %1$s cannot be reached: %2$s', 'partnergate-shim' ), $gateway, $response->get_error_message() ) );
	}
	$status = (int) wp_remote_retrieve_response_code( $response );
	$body   = json_decode( (string) wp_remote_retrieve_body( $response ), true );
	$error  = is_array( $body ) ? ( $body['error'] ?? null ) : null;
	if ( 401 === $status && 'bad_signature' === $error ) {
		return verdict( false, 'secret_mismatch', __( 'The gateway answered, but the shared secret does not match: it must equal the gateway\'s PARTNERGATE_WP_SHIM_SECRET.', 'partnergate-shim' ) );
	}
	if ( 401 === $status && 'wrong_audience' === $error ) {
		/* translators: %s: the gateway URL as configured here. */
		return verdict( false, 'wrong_gateway_url', sprintf( __( 'The secret matches, but the gateway does not answer to %s: use its public URL (PARTNERGATE_PUBLIC_URL).', 'partnergate-shim' ), $gateway ) );
	}
	if ( 200 !== $status || ! is_array( $body ) || 'partnergate' !== ( $body['gateway'] ?? null ) ) {
		/* translators: 1: the gateway URL, 2: an HTTP status code. */
		return verdict( false, 'not_partnergate', sprintf( __( 'Something answered at %1$s (HTTP %2$d), but not a Partnergate gateway: check the gateway URL.', 'partnergate-shim' ), $gateway, $status ) );
	}
	$skew = $body['skew_seconds'] ?? null;
	if ( is_int( $skew ) && abs( $skew ) > MAX_CLOCK_SKEW_SECONDS ) {
		/* translators: %d: seconds. */
		return verdict( false, 'clock_skew', sprintf( __( 'The clocks of this server and the gateway differ by %d seconds: sign-in links would be refused. Synchronise both clocks (NTP).', 'partnergate-shim' ), abs( $skew ) ) );
	}
	if ( true !== ( $body['proxying'] ?? null ) ) {
		/* translators: %s: this site's home URL. */
		return verdict( false, 'not_proxying', sprintf( __( 'The gateway answered and the secret matches, but the gateway does not proxy this site (%s): set its PARTNERGATE_UPSTREAM_URL, and this site\'s address to the gateway\'s.', 'partnergate-shim' ), home_url( '/' ) ) );
	}
	/* translators: 1: the gateway version, 2: seconds. */
	return verdict( true, 'ok', sprintf( __( 'Connected: Partnergate %1$s answered, the shared secret matches and the clocks agree (difference: %2$d s).', 'partnergate-shim' ), (string) ( $body['version'] ?? '?' ), is_int( $skew ) ? abs( $skew ) : 0 ) );
}

/**
 * Site Health: one direct test (configured) and one asynchronous-looking direct test (the round trip).
 *
 * @param array $tests The Site Health tests.
 * @return array
 */
function site_health_tests( $tests ) {
	$tests['direct']['partnergate_shim_connection'] = array(
		'label' => __( 'Partnergate gateway connection', 'partnergate-shim' ),
		'test'  => __NAMESPACE__ . '\\site_health_connection',
	);
	return $tests;
}

/**
 * The Site Health result of the connection test.
 *
 * @return array
 */
function site_health_connection(): array {
	$verdict = test_connection();
	return array(
		'label'       => $verdict['ok'] ? __( 'Partnergate gateway is connected', 'partnergate-shim' ) : __( 'Partnergate gateway is not connected', 'partnergate-shim' ),
		'status'      => $verdict['ok'] ? 'good' : ( 'not_configured' === $verdict['code'] ? 'recommended' : 'critical' ),
		'badge'       => array(
			'label' => __( 'Partnergate', 'partnergate-shim' ),
			'color' => $verdict['ok'] ? 'blue' : 'red',
		),
		'description' => '<p>' . esc_html( $verdict['message'] ) . '</p>',
		'actions'     => '<p><a href="' . esc_url( admin_url( 'options-general.php?page=partnergate' ) ) . '">' . esc_html__( 'Partnergate settings', 'partnergate-shim' ) . '</a></p>',
		'test'        => 'partnergate_shim_connection',
	);
}
