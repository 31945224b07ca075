/**
 * The legacy WordPress for situations 2 and 3: the run's real WordPress (test/support/wordpress.ts) made to look
 * as PilotPress leaves it (settings option, "Partner Center" page), plus WordPress users the way an old partner
 * center holds them: PilotPress usermeta, a PayPal address and SubIDs kept in `pilotpress_*` usermeta, and the
 * bad rows real sites have (a duplicate email and an invalid one, written straight to the table as an import
 * would). `restore()` puts the site back as it was for the other tests of the run.
 */
import { createLegacyWordPress, type LegacyWordPress, type ShimSwitches } from '../../../migration/index.js';
import type { WordPress } from '../../support/wordpress.js';

export interface LegacyUserSeed {
  login: string;
  email: string;
  meta: Record<string, string>;
  /** Write the row directly (no WordPress validation), for duplicates and invalid emails. */
  raw?: boolean;
}

/** The switches as a PilotPress-era site has them: WordPress decides after login, the old page is served. */
export const PILOTPRESS_ERA: ShimSwitches = { loginRedirect: 'wordpress', legacyPage301: false, legacyPageTarget: '' };

export interface LegacySite {
  client: LegacyWordPress;
  pageUrl: string;
  userIds: Record<string, number>;
  resetSwitches(): Promise<void>;
  restore(): Promise<void>;
}

export async function prepareLegacySite(wp: WordPress, users: LegacyUserSeed[]): Promise<LegacySite> {
  const client = createLegacyWordPress({ url: wp.url, user: wp.admin.login, appPassword: wp.admin.appPassword });
  const original = (await client.state()).shim.stored;
  const hadPilotPress = (await wp.php<boolean>(`return (bool) get_option( 'pilotpress-settings' );`)) === true;
  const { pageUrl } = await wp.setPilotPress(true);
  const userIds = await wp.php<Record<string, number>>(`
    global $wpdb;
    $users = json_decode( <<<'JSON'
${JSON.stringify(users)}
JSON
, true );
    $out = array();
    foreach ( $users as $u ) {
      if ( ! empty( $u['raw'] ) ) {
        $wpdb->insert( $wpdb->users, array( 'user_login' => $u['login'], 'user_pass' => wp_hash_password( 'x' . wp_generate_password() ), 'user_nicename' => $u['login'], 'user_email' => $u['email'], 'user_registered' => gmdate( 'Y-m-d H:i:s' ), 'display_name' => $u['login'] ) );
        $id = (int) $wpdb->insert_id;
        update_user_meta( $id, $wpdb->prefix . 'capabilities', array( 'subscriber' => true ) );
      } else {
        $id = wp_insert_user( array( 'user_login' => $u['login'], 'user_email' => $u['email'], 'user_pass' => wp_generate_password(), 'role' => 'subscriber' ) );
        if ( is_wp_error( $id ) ) { return array( 'error' => $id->get_error_message() ); }
      }
      foreach ( $u['meta'] as $k => $v ) { update_user_meta( $id, $k, $v ); }
      $out[ $u['login'] ] = $id;
    }
    return $out;`);
  if ('error' in userIds) throw new Error(`creating WordPress users failed: ${String(userIds.error)}`);
  return {
    client,
    pageUrl: pageUrl!,
    userIds,
    resetSwitches: async () => {
      await client.applySwitches(PILOTPRESS_ERA);
    },
    async restore() {
      await client.applySwitches(original);
      await wp.php(`require_once ABSPATH . 'wp-admin/includes/user.php'; foreach ( ${JSON.stringify(Object.values(userIds))} as $id ) { wp_delete_user( $id ); } return true;`);
      if (!hadPilotPress) await wp.setPilotPress(false);
    },
  };
}
