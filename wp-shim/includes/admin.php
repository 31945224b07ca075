<?php
/**
 * Settings -> Partnergate: the Settings API form (gateway URL, write-only shared secret, hand-off, assertion
 * sign-in and its roles, legacy page 301), the status panel with its "Test connection" button, and the notice
 * shown to administrators while the plugin is active but not configured. wp-config.php constants win over the
 * form; their fields are shown disabled and say so. Only users with manage_options see or change any of it.
 *
 * @package Partnergate\Shim
 */

namespace Partnergate\Shim;

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const ADMIN_PAGE   = 'partnergate';
const TEST_ACTION  = 'partnergate_shim_test';
const TEST_RESULT  = 'partnergate_shim_test_';
const OPTION_GROUP = 'partnergate_shim';

/**
 * `admin_menu`: the page under Settings.
 *
 * @return void
 */
function add_admin_page(): void {
	add_options_page( __( 'Partnergate', 'partnergate-shim' ), __( 'Partnergate', 'partnergate-shim' ), 'manage_options', ADMIN_PAGE, __NAMESPACE__ . '\\render_admin_page' );
}

/**
 * `admin_init`: the two options of the form and their sanitising callbacks.
 *
 * @return void
 */
function register_admin_settings(): void {
	// options.php would create a missing option autoloaded; the secret is read only when needed.
	if ( false === get_option( SECRET_OPTION ) ) {
		add_option( SECRET_OPTION, '', '', 'no' );
	}
	register_setting(
		OPTION_GROUP,
		OPTION,
		array(
			'type'              => 'array',
			'sanitize_callback' => __NAMESPACE__ . '\\sanitize_settings_form',
			'show_in_rest'      => false,
		)
	);
	register_setting(
		OPTION_GROUP,
		SECRET_OPTION,
		array(
			'type'              => 'string',
			'sanitize_callback' => __NAMESPACE__ . '\\sanitize_secret_form',
			'show_in_rest'      => false,
		)
	);
}

/**
 * Records a problem with one field for the settings screen (nothing outside wp-admin).
 *
 * @param string $name    The setting.
 * @param string $message What is wrong.
 * @return void
 */
function form_error( string $name, string $message ): void {
	if ( function_exists( 'add_settings_error' ) ) {
		add_settings_error( OPTION, 'partnergate_' . $name, $message );
	}
}

/**
 * Sanitises the form's settings (and any full settings array: update_settings() stores through the same
 * filter). Fields that are missing keep their value; an invalid value keeps the stored one and says why.
 *
 * @param mixed $input What was posted.
 * @return array<string,mixed>
 */
function sanitize_settings_form( $input ): array {
	$clean = stored_settings();
	if ( ! is_array( $input ) ) {
		return $clean;
	}
	foreach ( default_settings() as $name => $default ) {
		if ( ! array_key_exists( $name, $input ) ) {
			continue;
		}
		$value = $input[ $name ];
		if ( is_bool( $default ) ) {
			$value = is_bool( $value ) ? $value : '1' === $value;
		} elseif ( is_array( $default ) ) {
			$value = array_values( array_unique( array_filter( array_map( 'sanitize_key', array_filter( (array) $value, 'is_string' ) ) ) ) );
		} else {
			$value = is_string( $value ) ? trim( sanitize_text_field( $value ) ) : $value;
		}
		$problem = setting_problem( $name, $value );
		if ( null === $problem ) {
			$clean[ $name ] = $value;
		} else {
			form_error( $name, setting_label( $name ) . ': ' . $problem );
		}
	}
	return $clean;
}

/**
 * Sanitises the write-only secret field: empty keeps the saved secret, a short one is refused.
 *
 * @param mixed $input What was posted.
 * @return string
 */
function sanitize_secret_form( $input ): string {
	$current = (string) get_option( SECRET_OPTION, '' );
	$input   = is_string( $input ) ? trim( $input ) : '';
	if ( '' === $input ) {
		return $current;
	}
	if ( strlen( $input ) < SECRET_MIN_LENGTH ) {
		/* translators: %d: a number of characters. */
		form_error( 'secret', sprintf( __( 'Shared secret: must be at least %d characters; the saved secret was kept.', 'partnergate-shim' ), SECRET_MIN_LENGTH ) );
		return $current;
	}
	return $input;
}

/**
 * The label of a setting on the screen.
 *
 * @param string $name The setting.
 * @return string
 */
function setting_label( string $name ): string {
	$labels = array(
		'gateway_url'        => __( 'Gateway URL', 'partnergate-shim' ),
		'login_redirect'     => __( 'Hand-off after login', 'partnergate-shim' ),
		'legacy_page_301'    => __( 'Legacy partner center page', 'partnergate-shim' ),
		'legacy_page_target' => __( 'Legacy page target', 'partnergate-shim' ),
		'assertion_login'    => __( 'Assertion sign-in', 'partnergate-shim' ),
		'assertion_roles'    => __( 'Roles assertion sign-in may sign in', 'partnergate-shim' ),
		'partner_role'       => __( 'Partner role', 'partnergate-shim' ),
		'partner_meta_key'   => __( 'Partner usermeta key', 'partnergate-shim' ),
	);
	return $labels[ $name ] ?? $name;
}

/**
 * The "set in wp-config.php" note of a field whose constant wins, or ''.
 *
 * @param string $name The setting ('secret' for the shared secret).
 * @return string
 */
function constant_note( string $name ): string {
	$constant = 'secret' === $name ? 'PARTNERGATE_SHIM_SECRET' : setting_constant( $name );
	if ( ! defined( $constant ) ) {
		return '';
	}
	/* translators: %s: the name of a PHP constant. */
	return '<p class="description partnergate-constant">' . esc_html( sprintf( __( 'Set in wp-config.php by %s: that value wins over this screen.', 'partnergate-shim' ), $constant ) ) . '</p>';
}

/**
 * The `name` attribute of a settings field.
 *
 * @param string $name The setting.
 * @return string
 */
function field_name( string $name ): string {
	return OPTION . '[' . $name . ']';
}

/**
 * A checkbox for a true/false setting (a hidden "0" first, so that unticking it is saved).
 *
 * @param string $name  The setting.
 * @param bool   $value Its effective value.
 * @param string $text  The checkbox's label.
 * @return void
 */
function checkbox_field( string $name, bool $value, string $text ): void {
	$locked = defined( setting_constant( $name ) );
	if ( ! $locked ) {
		printf( '<input type="hidden" name="%s" value="0">', esc_attr( field_name( $name ) ) );
	}
	printf(
		'<label><input type="checkbox" id="partnergate-%1$s" name="%2$s" value="1" %3$s %4$s> %5$s</label>',
		esc_attr( $name ),
		esc_attr( field_name( $name ) ),
		checked( $value, true, false ),
		disabled( $locked, true, false ),
		esc_html( $text )
	);
}

/**
 * A text or URL input for a string setting.
 *
 * @param string $name  The setting.
 * @param string $type  'text' or 'url'.
 * @param string $value Its effective value.
 * @return void
 */
function text_field( string $name, string $type, string $value ): void {
	printf(
		'<input type="%1$s" class="regular-text" id="partnergate-%2$s" name="%3$s" value="%4$s" %5$s>',
		esc_attr( $type ),
		esc_attr( $name ),
		esc_attr( field_name( $name ) ),
		esc_attr( $value ),
		disabled( defined( setting_constant( $name ) ), true, false )
	);
}

/**
 * The settings fields, one table row each.
 *
 * @return void
 */
function render_settings_fields(): void {
	$rows = array(
		'gateway_url'        => function () {
			text_field( 'gateway_url', 'url', (string) setting( 'gateway_url' ) );
			echo '<p class="description">' . esc_html__( 'The gateway\'s public URL (its PARTNERGATE_PUBLIC_URL), e.g. https://partners.example.com.', 'partnergate-shim' ) . '</p>';
		},
		'secret'             => function () {
			$saved = '' !== (string) get_option( SECRET_OPTION, '' );
			printf( '<input type="password" class="regular-text" id="partnergate-secret" name="%1$s" value="" autocomplete="new-password" %2$s>', esc_attr( SECRET_OPTION ), disabled( defined( 'PARTNERGATE_SHIM_SECRET' ), true, false ) );
			echo '<p class="description">' . esc_html( $saved ? __( 'A secret is saved. It is never shown; leave the field empty to keep it.', 'partnergate-shim' ) : __( 'The gateway\'s PARTNERGATE_WP_SHIM_SECRET, at least 32 characters. It is never shown again.', 'partnergate-shim' ) ) . '</p>';
		},
		'login_redirect'     => function () {
			$locked = defined( setting_constant( 'login_redirect' ) );
			if ( ! $locked ) {
				printf( '<input type="hidden" name="%s" value="wordpress">', esc_attr( field_name( 'login_redirect' ) ) );
			}
			printf(
				'<label><input type="checkbox" id="partnergate-login_redirect" name="%1$s" value="handoff" %2$s %3$s> %4$s</label>',
				esc_attr( field_name( 'login_redirect' ) ),
				checked( 'handoff', setting( 'login_redirect' ), false ),
				disabled( $locked, true, false ),
				esc_html__( 'Send partners to the partner center after they log in here', 'partnergate-shim' )
			);
		},
		'assertion_login'    => function () {
			checkbox_field( 'assertion_login', true === setting( 'assertion_login' ), __( 'Sign partners in on this site while they are signed in at the gateway', 'partnergate-shim' ) );
		},
		'assertion_roles'    => function () {
			$locked  = defined( setting_constant( 'assertion_roles' ) );
			$allowed = assertion_roles();
			printf( '<input type="hidden" name="%s[]" value="">', esc_attr( field_name( 'assertion_roles' ) ) );
			foreach ( wp_roles()->get_names() as $role => $role_name ) {
				printf(
					'<label style="margin-right:1em"><input type="checkbox" name="%1$s[]" value="%2$s" %3$s %4$s> %5$s</label>',
					esc_attr( field_name( 'assertion_roles' ) ),
					esc_attr( $role ),
					checked( in_array( $role, $allowed, true ), true, false ),
					disabled( $locked, true, false ),
					esc_html( translate_user_role( $role_name ) )
				);
			}
			echo '<p class="description">' . esc_html__( 'Users with none of these roles are never signed in from the gateway. Administrators only when ticked.', 'partnergate-shim' ) . '</p>';
		},
		'legacy_page_301'    => function () {
			checkbox_field( 'legacy_page_301', true === setting( 'legacy_page_301' ), __( 'Redirect the old PilotPress "Partner Center" page permanently (301) to the new partner center', 'partnergate-shim' ) );
		},
		'legacy_page_target' => function () {
			text_field( 'legacy_page_target', 'url', (string) setting( 'legacy_page_target' ) );
			echo '<p class="description">' . esc_html__( 'Empty: the gateway URL followed by /partner-center/.', 'partnergate-shim' ) . '</p>';
		},
	);
	echo '<table class="form-table" role="presentation">';
	foreach ( $rows as $name => $render ) {
		$label = 'secret' === $name ? __( 'Shared secret', 'partnergate-shim' ) : setting_label( $name );
		printf( '<tr><th scope="row"><label for="partnergate-%1$s">%2$s</label></th><td>', esc_attr( $name ), esc_html( $label ) );
		$render();
		echo wp_kses_post( constant_note( $name ) );
		echo '</td></tr>';
	}
	echo '</table>';
}
