<?php
/** Loads WordPress from the command line for the test harness: `require` it with $site_dir and $public_host set. */
if ( PHP_SAPI !== 'cli' ) {
	exit( 1 );
}
$_SERVER['HTTP_HOST']       = $public_host;
$_SERVER['SERVER_NAME']     = preg_replace( '/:\d+$/', '', $public_host );
$_SERVER['REQUEST_URI']     = '/';
$_SERVER['REQUEST_METHOD']  = 'GET';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
$_SERVER['REMOTE_ADDR']     = '127.0.0.1';
chdir( $site_dir );
require $site_dir . '/wp-load.php';
