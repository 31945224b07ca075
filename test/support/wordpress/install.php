<?php
/**
 * Installs WordPress into the harness's private site and database (wp-cli is not packaged on Debian):
 * `php install.php <site-dir> <public-host>` with a JSON object on stdin:
 *   { "title", "admin": {login, password, email}, "users": [{login, password, email, role, meta: {...}}] }
 * Prints JSON: { adminId, appPassword, users: {login: id}, helloPostId }.
 */
[ , $site_dir, $public_host ] = $argv;
$input = json_decode( stream_get_contents( STDIN ), true );
define( 'WP_INSTALLING', true );
require __DIR__ . '/bootstrap.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';

add_filter( 'pre_wp_mail', '__return_true' );
$admin  = $input['admin'];
$result = wp_install( $input['title'], $admin['login'], $admin['email'], true, '', wp_slash( $admin['password'] ), 'en_US' );
$admin_id = (int) $result['user_id'];

global $wp_rewrite;
$wp_rewrite->set_permalink_structure( '/%postname%/' );
$wp_rewrite->flush_rules( false );
update_option( 'admin_email_lifespan', time() + 10 * YEAR_IN_SECONDS );
update_option( 'comment_moderation', 0 );
update_option( 'comment_previously_approved', 0 );
update_option( 'require_name_email', 1 );
update_option( 'uploads_use_yearmonth_folders', 0 );

$users = array();
foreach ( $input['users'] as $u ) {
	$id = wp_insert_user(
		array(
			'user_login' => $u['login'],
			'user_pass'  => $u['password'],
			'user_email' => $u['email'],
			'role'       => $u['role'],
		)
	);
	if ( is_wp_error( $id ) ) {
		fwrite( STDERR, $id->get_error_message() . "\n" );
		exit( 1 );
	}
	foreach ( $u['meta'] ?? array() as $key => $value ) {
		update_user_meta( $id, $key, $value );
	}
	$users[ $u['login'] ] = $id;
}

[ $app_password ] = WP_Application_Passwords::create_new_application_password( $admin_id, array( 'name' => 'partnergate-tests' ) );
$hello = get_page_by_path( 'hello-world', OBJECT, 'post' );

echo wp_json_encode(
	array(
		'adminId'     => $admin_id,
		'appPassword' => $app_password,
		'users'       => $users,
		'helloPostId' => $hello ? (int) $hello->ID : null,
	)
);
