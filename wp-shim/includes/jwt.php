<?php
/**
 * Compact JWTs signed with HS256 (RFC 7519 / RFC 7515), and the per-purpose keys derived from the shared secret.
 *
 * Key derivation, identical to the gateway's `deriveKey(secret, purpose)` (src/proxy/keys.ts):
 *   HKDF-SHA256( ikm = PARTNERGATE_SHIM_SECRET, salt = '', info = 'partnergate ' . $purpose, length = 32 )
 * with $purpose 'handoff' (this plugin signs, the gateway verifies), 'identity-assertion' (the gateway signs,
 * this plugin verifies) or 'shim-ping' (the connection test of the settings screen, verified by the gateway). A key of one purpose never verifies a token of the other.
 *
 * @package Partnergate\Shim
 */

namespace Partnergate\Shim;

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const JWT_LEEWAY_SECONDS = 5;

/**
 * The 32-byte HMAC key for one purpose.
 *
 * @param string $secret  The shared secret.
 * @param string $purpose 'handoff', 'identity-assertion' or 'shim-ping' (the settings screen's connection test).
 * @return string
 * @throws \InvalidArgumentException For any other purpose.
 */
function derive_key( string $secret, string $purpose ): string {
	if ( ! in_array( $purpose, array( 'handoff', 'identity-assertion', 'shim-ping' ), true ) ) {
		throw new \InvalidArgumentException( 'unknown key purpose' );
	}
	return hash_hkdf( 'sha256', $secret, 32, 'partnergate ' . $purpose, '' );
}

/**
 * Base64url (RFC 4648 section 5) without padding.
 *
 * @param string $bytes The bytes.
 * @return string
 */
function base64url_encode( string $bytes ): string {
	// phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode -- JWT encoding (RFC 7515), not obfuscation.
	return rtrim( strtr( base64_encode( $bytes ), '+/', '-_' ), '=' );
}

/**
 * Decodes base64url without padding; null when the text is not that.
 *
 * @param string $text The text.
 * @return string|null
 */
function base64url_decode( string $text ): ?string {
	if ( '' === $text || ! preg_match( '/^[A-Za-z0-9_-]+$/', $text ) || 1 === strlen( $text ) % 4 ) {
		return null;
	}
	// phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode -- JWT decoding (RFC 7515), not obfuscation.
	$bytes = base64_decode( strtr( $text, '-_', '+/' ) . str_repeat( '=', ( 4 - strlen( $text ) % 4 ) % 4 ), true );
	return false === $bytes ? null : $bytes;
}

/**
 * Signs claims as `base64url(header).base64url(payload).base64url(HMAC-SHA256)`, header {"alg":"HS256","typ":"JWT"}.
 *
 * @param array<string,mixed> $claims The claims.
 * @param string              $key    The HMAC key.
 * @return string
 */
function jwt_sign( array $claims, string $key ): string {
	$header  = base64url_encode( '{"alg":"HS256","typ":"JWT"}' );
	$payload = base64url_encode( (string) wp_json_encode( $claims, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE ) );
	$mac     = hash_hmac( 'sha256', $header . '.' . $payload, $key, true );
	return $header . '.' . $payload . '.' . base64url_encode( $mac );
}

/**
 * Verifies an HS256 compact JWT: exactly `alg` HS256, a valid signature (constant-time), `exp` in the future and
 * `iat` not in the future (5 s leeway), `aud` one of $audiences, and `iss` equal to $issuer when given.
 *
 * @param string      $token     The compact JWT.
 * @param string      $key       The HMAC key.
 * @param string[]    $audiences Accepted audiences.
 * @param string|null $issuer    The required issuer, or null for any.
 * @param int         $now       Seconds since the epoch.
 * @return array<string,mixed>|null the claims, or null when anything is wrong
 */
function jwt_verify( string $token, string $key, array $audiences, ?string $issuer, int $now ): ?array {
	if ( strlen( $token ) > 8192 ) {
		return null;
	}
	$parts = explode( '.', $token );
	if ( 3 !== count( $parts ) ) {
		return null;
	}
	[ $h, $p, $s ] = $parts;
	$header_json   = base64url_decode( $h );
	$payload       = base64url_decode( $p );
	$signature     = base64url_decode( $s );
	if ( null === $header_json || null === $payload || null === $signature ) {
		return null;
	}
	$header = json_decode( $header_json, true );
	if ( ! is_array( $header ) || ( $header['alg'] ?? null ) !== 'HS256' || isset( $header['crit'] ) ) {
		return null;
	}
	if ( ! hash_equals( hash_hmac( 'sha256', $h . '.' . $p, $key, true ), $signature ) ) {
		return null;
	}
	$claims = json_decode( $payload, true );
	if ( ! is_array( $claims ) ) {
		return null;
	}
	$exp = $claims['exp'] ?? null;
	$iat = $claims['iat'] ?? null;
	if ( ! is_int( $exp ) || ! is_int( $iat ) || $exp <= $now - JWT_LEEWAY_SECONDS || $iat > $now + JWT_LEEWAY_SECONDS ) {
		return null;
	}
	if ( isset( $claims['nbf'] ) && ( ! is_int( $claims['nbf'] ) || $claims['nbf'] > $now + JWT_LEEWAY_SECONDS ) ) {
		return null;
	}
	$aud       = $claims['aud'] ?? null;
	$token_aud = is_array( $aud ) ? $aud : array( $aud );
	if ( ! array_intersect( array_filter( $token_aud, 'is_string' ), $audiences ) ) {
		return null;
	}
	if ( null !== $issuer && ( $claims['iss'] ?? null ) !== $issuer ) {
		return null;
	}
	return $claims;
}

/**
 * The scheme://host[:port] of a URL (lower-case scheme and host, default ports dropped), or null.
 *
 * @param string $url The URL.
 * @return string|null
 */
function origin_of( string $url ): ?string {
	$parts = wp_parse_url( $url );
	if ( ! is_array( $parts ) || empty( $parts['scheme'] ) || empty( $parts['host'] ) ) {
		return null;
	}
	$scheme = strtolower( $parts['scheme'] );
	$port   = isset( $parts['port'] ) ? (int) $parts['port'] : null;
	if ( ( 'http' === $scheme && 80 === $port ) || ( 'https' === $scheme && 443 === $port ) ) {
		$port = null;
	}
	return $scheme . '://' . strtolower( $parts['host'] ) . ( null === $port ? '' : ':' . $port );
}
