<?php
/**
 * Router for `php -S` (test harness only): existing files and directories with an index.php are served by the
 * built-in server itself; everything else (pretty permalinks, /wp-json/...) goes to WordPress's index.php, as
 * Apache's rewrite rules would send it.
 */
$root = rtrim( $_SERVER['DOCUMENT_ROOT'], '/' );
$path = rawurldecode( (string) parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH ) );
if ( '/' !== $path && ! str_contains( $path, "\0" ) ) {
	$file = $root . $path;
	if ( is_file( $file ) ) {
		return false;
	}
	if ( is_dir( $file ) && is_file( rtrim( $file, '/' ) . '/index.php' ) ) {
		return false;
	}
}
$_SERVER['SCRIPT_NAME']     = '/index.php';
$_SERVER['PHP_SELF']        = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = $root . '/index.php';
chdir( $root );
require $root . '/index.php';
