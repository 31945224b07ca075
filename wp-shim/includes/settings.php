<?php
/**
 * The plugin's switches, kept in one option (`partnergate_shim_settings`) so that the migration can read and
 * set them over REST and put the previous values back on rollback. wp-config.php constants win over the option.
 *
 * @package Partnergate\Shim
 */

namespace Partnergate\Shim;

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const OPTION = 'partnergate_shim_settings';

/** The shared secret when it is set on the settings screen (its own option: never exported, never autoloaded). */
const SECRET_OPTION = 'partnergate_shim_secret';

/** The shortest shared secret accepted (the gateway requires the same). */
const SECRET_MIN_LENGTH = 32;

/**
 * Defaults:
 * - gateway_url        the gateway's public URL; the constant PARTNERGATE_URL wins.
 * - login_redirect     'handoff': partners go to the gateway after wp-login.php; the other allowed value leaves
 *                      it to WordPress (or PilotPress).
 * - legacy_page_301    false; true: the legacy PilotPress partner center page answers 301 to legacy_page_target.
 * - legacy_page_target where the 301 goes; '' means the gateway URL . '/partner-center/'.
 * - assertion_login    false; true: a valid identity assertion from the gateway signs the matching WordPress user in for that request.
 * - assertion_roles    the roles assertion sign-in may sign in (['subscriber']); administrators only when listed.
 * - partner_role       a role whose users count as partners ('' = none).
 * - partner_meta_key   a usermeta key whose truthy value marks a partner ('' = none).
 *
 * @return array<string,mixed>
 */
function default_settings(): array {
	return array(
		'gateway_url'        => '',
		'login_redirect'     => 'handoff',
		'legacy_page_301'    => false,
		'legacy_page_target' => '',
		'assertion_login'    => false,
		'assertion_roles'    => array( 'subscriber' ),
		'partner_role'       => '',
		'partner_meta_key'   => '',
	);
}

/**
 * The stored settings over the defaults (constants not applied).
 *
 * @return array<string,mixed>
 */
function stored_settings(): array {
	$stored = get_option( OPTION, array() );
	return array_merge( default_settings(), is_array( $stored ) ? array_intersect_key( $stored, default_settings() ) : array() );
}

/**
 * The wp-config.php constant that overrides a setting: PARTNERGATE_URL for gateway_url, else PARTNERGATE_ + the
 * upper-case name (PARTNERGATE_LOGIN_REDIRECT, PARTNERGATE_ASSERTION_LOGIN...).
 *
 * @param string $name A setting name.
 * @return string
 */
function setting_constant( string $name ): string {
	return 'gateway_url' === $name ? 'PARTNERGATE_URL' : 'PARTNERGATE_' . strtoupper( $name );
}

/**
 * One effective setting: its wp-config.php constant wins over the option.
 *
 * @param string $name A setting name.
 * @return mixed
 */
function setting( string $name ) {
	$constant = setting_constant( $name );
	if ( defined( $constant ) ) {
		return constant( $constant );
	}
	return stored_settings()[ $name ] ?? null;
}

/**
 * The roles assertion sign-in may sign in. PARTNERGATE_ASSERTION_ROLES may be an array or a comma-separated list.
 *
 * @return string[]
 */
function assertion_roles(): array {
	$roles = setting( 'assertion_roles' );
	if ( is_string( $roles ) ) {
		$roles = explode( ',', $roles );
	}
	return array_values( array_filter( array_map( 'trim', array_filter( (array) $roles, 'is_string' ) ) ) );
}

/**
 * Checks one setting's value.
 *
 * @param string $name  A setting name.
 * @param mixed  $value Its proposed value.
 * @return string|null what is wrong (for an administrator to read), or null when the value is fine
 */
function setting_problem( string $name, $value ): ?string {
	switch ( $name ) {
		case 'login_redirect':
			// phpcs:ignore WordPress.WP.CapitalPDangit -- a setting value, not the name.
			return in_array( $value, array( 'handoff', 'wordpress' ), true ) ? null : __( 'must be "handoff" or "wordpress".', 'partnergate-shim' );
		case 'legacy_page_301':
		case 'assertion_login':
			return is_bool( $value ) ? null : __( 'must be true or false.', 'partnergate-shim' );
		case 'gateway_url':
		case 'legacy_page_target':
			return is_string( $value ) && strlen( $value ) <= 2000 && ( '' === $value || null !== origin_of( $value ) ) && ( '' === $value || preg_match( '#^https?://#i', $value ) )
				? null : __( 'must be an http(s) URL or empty.', 'partnergate-shim' );
		case 'assertion_roles':
			if ( ! is_array( $value ) ) {
				return __( 'must be a list of roles.', 'partnergate-shim' );
			}
			foreach ( $value as $role ) {
				if ( ! is_string( $role ) || null === wp_roles()->get_role( $role ) ) {
					return __( 'must name existing roles only.', 'partnergate-shim' );
				}
			}
			return null;
		case 'partner_role':
		case 'partner_meta_key':
			return is_string( $value ) && strlen( $value ) <= 191 ? null : __( 'must be a short string.', 'partnergate-shim' );
		default:
			return __( 'is not a setting of this plugin.', 'partnergate-shim' );
	}
}

/**
 * Validates and stores some settings. Unknown names or wrong types are refused as a whole.
 *
 * @param array<string,mixed> $changes Setting name => new value.
 * @return array<string,mixed>|\WP_Error the settings as they were before
 */
function update_settings( array $changes ) {
	$previous = stored_settings();
	$next     = $previous;
	foreach ( $changes as $name => $value ) {
		$problem = setting_problem( (string) $name, $value );
		if ( null !== $problem ) {
			$code = array_key_exists( (string) $name, default_settings() ) ? 'partnergate_invalid_setting' : 'partnergate_unknown_setting';
			return new \WP_Error(
				$code,
				$name . ' ' . $problem,
				array(
					'status' => 400,
					'field'  => $name,
				)
			);
		}
		$next[ $name ] = 'assertion_roles' === $name ? array_values( array_unique( $value ) ) : $value;
	}
	update_option( OPTION, $next, false );
	return $previous;
}

/**
 * The shared secret: PARTNERGATE_SHIM_SECRET in wp-config.php, else the one saved on the settings screen; null
 * when missing or shorter than 32 characters.
 *
 * @return string|null
 */
function shared_secret(): ?string {
	$secret = defined( 'PARTNERGATE_SHIM_SECRET' ) ? (string) constant( 'PARTNERGATE_SHIM_SECRET' ) : (string) get_option( SECRET_OPTION, '' );
	return strlen( $secret ) >= SECRET_MIN_LENGTH ? $secret : null;
}

/**
 * The gateway URL without a trailing slash (PARTNERGATE_URL wins over the setting), or null when not configured.
 *
 * @return string|null
 */
function gateway_url(): ?string {
	$url = rtrim( (string) setting( 'gateway_url' ), '/' );
	return '' === $url || null === origin_of( $url ) ? null : $url;
}

/**
 * Whether the plugin can do its job: a gateway URL and a shared secret.
 *
 * @return bool
 */
function is_configured(): bool {
	return null !== gateway_url() && null !== shared_secret();
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

/**
 * Lets wp_safe_redirect() send users to the gateway (wp-login.php redirects with it).
 *
 * @param string[] $hosts The allowed hosts.
 * @return string[]
 */
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

/**
 * `init`: this plugin's translations (WordPress's language folder first, then the plugin's own languages/).
 *
 * @return void
 */
function load_translations(): void {
	$locale = apply_filters( 'plugin_locale', determine_locale(), 'partnergate-shim' );
	$file   = 'partnergate-shim-' . $locale . '.mo';
	if ( ! load_textdomain( 'partnergate-shim', WP_LANG_DIR . '/plugins/' . $file ) ) {
		load_textdomain( 'partnergate-shim', dirname( __DIR__ ) . '/languages/' . $file );
	}
}
