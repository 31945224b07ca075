<?php
/**
 * Runs PHP with WordPress loaded, for tests that need to set up or inspect the site directly:
 * `php eval.php <site-dir> <public-host>` with the code on stdin (it should `return` a value); prints it as JSON.
 */
[ , $site_dir, $public_host ] = $argv;
$code = stream_get_contents( STDIN );
require __DIR__ . '/bootstrap.php';
$result = ( static function () use ( $code ) {
	return eval( $code );
} )();
echo wp_json_encode( $result );
