<?php
/**
 * Plugin Name: Partnergate test helpers (tests only)
 * Description: No mail, pretty permalinks under php -S, and an endpoint that shows what PHP received, so tests
 *              can check header stripping and byte-identical bodies at the real WordPress.
 *
 * `?pg_echo=request` (any path WordPress serves): JSON of the method, request target, every HTTP_* server
 *   variable, $_GET, $_POST, $_COOKIE, $_FILES (name, size, sha256), sha256 and length of the raw body, the
 *   current user, and the server's own view of the connection.
 * `?pg_echo=redirect`: 302 to http://<Host>/pg-landing/?from=echo with a Set-Cookie whose Domain is the Host's
 *   name and a Link header on the Host: what WordPress does when it believes it is served under that Host.
 * admin-ajax action `pg_echo` (logged in or not): the same JSON as `?pg_echo=request`.
 */

add_filter( 'pre_wp_mail', '__return_true' );
add_filter( 'got_url_rewrite', '__return_true' );

function pg_test_files( array $files ): array {
	$out = array();
	foreach ( $files as $field => $info ) {
		if ( is_array( $info['tmp_name'] ) ) {
			foreach ( $info['tmp_name'] as $i => $tmp ) {
				$out[] = array( 'field' => $field . '[' . $i . ']', 'name' => $info['name'][ $i ], 'type' => $info['type'][ $i ], 'error' => $info['error'][ $i ], 'size' => $info['size'][ $i ], 'sha256' => is_file( $tmp ) ? hash_file( 'sha256', $tmp ) : null );
			}
		} else {
			$out[] = array( 'field' => $field, 'name' => $info['name'], 'type' => $info['type'], 'error' => $info['error'], 'size' => $info['size'], 'sha256' => is_file( $info['tmp_name'] ) ? hash_file( 'sha256', $info['tmp_name'] ) : null );
		}
	}
	return $out;
}

function pg_test_echo_data(): array {
	$headers = array();
	foreach ( $_SERVER as $key => $value ) {
		if ( str_starts_with( $key, 'HTTP_' ) || 'CONTENT_TYPE' === $key || 'CONTENT_LENGTH' === $key ) {
			$headers[ $key ] = $value;
		}
	}
	$raw  = file_get_contents( 'php://input' );
	$user = wp_get_current_user();
	return array(
		'method'  => $_SERVER['REQUEST_METHOD'],
		'uri'     => $_SERVER['REQUEST_URI'],
		'headers' => (object) $headers,
		'get'     => (object) $_GET,
		'post'    => (object) $_POST,
		'cookies' => (object) $_COOKIE,
		'files'   => pg_test_files( $_FILES ),
		'raw'     => array( 'length' => strlen( (string) $raw ), 'sha256' => hash( 'sha256', (string) $raw ) ),
		'user'    => array( 'id' => $user->ID, 'login' => $user->user_login ),
		'server'  => array(
			'SERVER_NAME' => $_SERVER['SERVER_NAME'] ?? null,
			'SERVER_ADDR' => $_SERVER['SERVER_ADDR'] ?? null,
			'SERVER_PORT' => $_SERVER['SERVER_PORT'] ?? null,
			'REMOTE_ADDR' => $_SERVER['REMOTE_ADDR'] ?? null,
			'HTTPS'       => $_SERVER['HTTPS'] ?? null,
		),
	);
}

add_action(
	'init',
	function () {
		if ( ! isset( $_GET['pg_echo'] ) ) {
			return;
		}
		if ( 'redirect' === $_GET['pg_echo'] ) {
			$host = (string) $_SERVER['HTTP_HOST'];
			$name = preg_replace( '/:\d+$/', '', $host );
			setcookie( 'pg_domain_test', 'yes', array( 'path' => '/', 'domain' => $name, 'httponly' => true ) );
			header( 'Link: <http://' . $host . '/wp-json/>; rel="https://api.w.org/"' );
			header( 'Location: http://' . $host . '/pg-landing/?from=echo', true, 302 );
			exit;
		}
		nocache_headers();
		header( 'Content-Type: application/json; charset=utf-8' );
		echo wp_json_encode( pg_test_echo_data(), JSON_UNESCAPED_SLASHES );
		exit;
	},
	0
);

function pg_test_ajax_echo(): void {
	wp_send_json( pg_test_echo_data() );
}
add_action( 'wp_ajax_pg_echo', 'pg_test_ajax_echo' );
add_action( 'wp_ajax_nopriv_pg_echo', 'pg_test_ajax_echo' );
