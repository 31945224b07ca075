<?php
/** Removes the shim's option when the plugin is deleted from wp-admin. */
if ( ! defined( 'WP_UNINSTALL_PLUGIN' ) ) {
	exit;
}
delete_option( 'partnergate_shim_settings' );
