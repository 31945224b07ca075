<?php
/**
 * The switch that retires the legacy PilotPress partner center: when `legacy_page_301` is on, the page PilotPress
 * created (postmeta `_pilotpress_system_page` = affiliate_center, or slug `affiliate-center`) answers 301 to the
 * new partner center. The 301 is cacheable for ten minutes only, so that switching back (a migration rollback)
 * reaches browsers quickly.
 *
 * @package Partnergate\Shim
 */

namespace Partnergate\Shim;

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Whether this is the page PilotPress created for its partner center.
 *
 * @param \WP_Post $post The page.
 * @return bool
 */
function is_legacy_partner_page( \WP_Post $post ): bool {
	if ( 'affiliate_center' === get_post_meta( $post->ID, '_pilotpress_system_page', true ) ) {
		return true;
	}
	return 'page' === $post->post_type && 'affiliate-center' === $post->post_name;
}

/**
 * `template_redirect` action.
 *
 * @return void
 */
function legacy_page_redirect(): void {
	if ( ! setting( 'legacy_page_301' ) || ! is_page() ) {
		return;
	}
	$page = get_queried_object();
	if ( ! $page instanceof \WP_Post || ! is_legacy_partner_page( $page ) ) {
		return;
	}
	$target = legacy_page_target();
	if ( null === $target ) {
		return;
	}
	header( 'Cache-Control: public, max-age=600' );
	wp_redirect( $target, 301, 'Partnergate' );
	exit;
}

/** The legacy page (first by id), or null. */
function find_legacy_partner_page(): ?\WP_Post {
	$pages = get_posts(
		array(
			'post_type'        => 'page',
			'post_status'      => 'any',
			'numberposts'      => 1,
			'orderby'          => 'ID',
			'order'            => 'ASC',
			// phpcs:ignore WordPress.DB.SlowDBQuery, WordPress.VIP.SlowDBQuery -- one page, once, on a rare request.
			'meta_key'         => '_pilotpress_system_page',
			// phpcs:ignore WordPress.DB.SlowDBQuery, WordPress.VIP.SlowDBQuery -- same query.
			'meta_value'       => 'affiliate_center',
			'suppress_filters' => true,
		)
	);
	if ( $pages ) {
		return $pages[0];
	}
	$page = get_page_by_path( 'affiliate-center', OBJECT, 'page' );
	return $page instanceof \WP_Post ? $page : null;
}
