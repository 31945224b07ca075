<?php
/**
 * After a successful wp-login.php login, a partner is sent to the gateway's `/sso/wordpress?token=...` with a
 * hand-off token: a compact JWT, HS256, key = derive_key(secret, 'handoff'), valid 60 seconds, single use (the
 * gateway records its jti). Claims: iss (this site's URL), aud (the gateway's origin), sub (WordPress user id, a
 * string), email, jti (32 hex characters), iat, exp = iat + 60, and rd (where the partner should land) when
 * PilotPress names a destination. See README.md for the exact format.
 *
 * @package Partnergate\Shim
 */

namespace Partnergate\Shim;

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const HANDOFF_TTL_SECONDS = 60;

/**
 * `login_redirect` filter: partners go to the gateway; everyone else where WordPress meant to send them.
 *
 * @param string             $redirect_to           Where WordPress would go.
 * @param string             $requested_redirect_to Where the login form asked to go.
 * @param \WP_User|\WP_Error $user                  Who logged in.
 * @return string
 */
function login_redirect( $redirect_to, $requested_redirect_to, $user ) {
	if ( ! $user instanceof \WP_User || ! $user->exists() ) {
		return $redirect_to;
	}
	// The re-authentication modal inside wp-admin and explicit re-auth must stay in WordPress. These are
	// wp-login.php's own flags, read the way wp-login.php reads them (it checks no nonce either).
	// phpcs:ignore WordPress.Security.NonceVerification.Recommended, WordPress.CSRF.NonceVerification.NoNonceVerification
	if ( isset( $_REQUEST['interim-login'] ) || ! empty( $_REQUEST['reauth'] ) ) {
		return $redirect_to;
	}
	if ( 'handoff' !== setting( 'login_redirect' ) || ! is_partner( $user ) ) {
		return $redirect_to;
	}
	$url = handoff_url( $user );
	return null === $url ? $redirect_to : $url;
}

/**
 * The gateway URL carrying a fresh hand-off token for this user, or null when the shim is not configured.
 *
 * @param \WP_User $user The partner.
 * @return string|null
 */
function handoff_url( \WP_User $user ): ?string {
	$secret  = shared_secret();
	$gateway = gateway_url();
	if ( null === $secret || null === $gateway ) {
		return null;
	}
	$token = mint_handoff_token( $user, $secret, (string) origin_of( $gateway ), time() );
	return $gateway . '/sso/wordpress?token=' . rawurlencode( $token );
}

/**
 * A hand-off token (see README.md for the format).
 *
 * @param \WP_User $user     The partner.
 * @param string   $secret   The shared secret.
 * @param string   $audience The gateway's origin.
 * @param int      $now      Seconds since the epoch.
 * @return string
 */
function mint_handoff_token( \WP_User $user, string $secret, string $audience, int $now ): string {
	$claims = array(
		'iss'   => untrailingslashit( site_url() ),
		'aud'   => $audience,
		'sub'   => (string) $user->ID,
		'email' => (string) $user->user_email,
		'jti'   => bin2hex( random_bytes( 16 ) ),
		'iat'   => $now,
		'exp'   => $now + HANDOFF_TTL_SECONDS,
	);
	$rd     = partner_destination();
	if ( null !== $rd ) {
		$claims['rd'] = $rd;
	}
	return jwt_sign( $claims, derive_key( $secret, 'handoff' ) );
}

/**
 * Where PilotPress would have sent this partner: a redirect saved in its session first, then the page of the
 * setting `pilotpress_affiliate_plr` (-1 means the home page). Only destinations wp_validate_redirect() accepts
 * (this site, the gateway, and hosts added with the `allowed_redirect_hosts` filter) are kept.
 */
function partner_destination(): ?string {
	$candidate = null;
	if ( PHP_SESSION_ACTIVE === session_status() && ! empty( $_SESSION['redirect_to'] ) && is_string( $_SESSION['redirect_to'] ) ) {
		$candidate = $_SESSION['redirect_to'];
	} else {
		$plr = pilotpress_settings()['pilotpress_affiliate_plr'] ?? null;
		if ( is_numeric( $plr ) && -1 === (int) $plr ) {
			$candidate = home_url( '/' );
		} elseif ( is_numeric( $plr ) && (int) $plr > 0 ) {
			$link      = get_permalink( (int) $plr );
			$candidate = is_string( $link ) ? $link : null;
		} elseif ( is_string( $plr ) && preg_match( '#^https?://#i', $plr ) ) {
			$candidate = $plr;
		}
	}
	if ( null === $candidate ) {
		return null;
	}
	if ( str_starts_with( $candidate, '/' ) && ! str_starts_with( $candidate, '//' ) ) {
		$candidate = home_url( $candidate );
	}
	$valid = wp_validate_redirect( $candidate, '' );
	return '' === $valid ? null : $valid;
}
