/**
 * wp-shim's sign-in from the gateway's identity assertion, at the real WordPress: an assertion works once (its
 * jti is recorded until it expires, atomically, so two concurrent copies sign in one request), and only users
 * whose role is in `assertion_roles` are signed in (subscribers by default; administrators only when listed).
 * Tokens go straight to php -S with the gateway's key, the way the gateway would send them.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { deriveKey } from '../../src/common/index.js';
import { send } from '../proxy/http.js';
import type { PhpEcho } from '../proxy/wp-flows.js';
import { startWordPress, type WordPress } from '../support/wordpress.js';

describe('wp-shim: assertion sign-in is single-use and limited to the configured roles', function () {
  this.timeout(60_000);
  let wp: WordPress;
  let author: { id: number; email: string };

  const now = () => Math.floor(Date.now() / 1000);
  const assertion = (email: string, jti = randomUUID()) =>
    new SignJWT({ email, partner_id: 1, referral_code: null, role: 'partner' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject('1')
      .setAudience(wp.url)
      .setIssuer(wp.publicOrigin)
      .setIssuedAt(now())
      .setExpirationTime(now() + 60)
      .setJti(jti)
      .sign(deriveKey(wp.secret, 'identity-assertion'));
  const signedInAs = async (token: string) =>
    (await send(`${wp.url}/?pg_echo=request`, { headers: [['Host', new URL(wp.publicOrigin).host], ['X-Partnergate-Identity', token]] })).json<PhpEcho>().user.id;
  const configure = (settings: Record<string, unknown>) =>
    wp.php(`$r = Partnergate\\Shim\\update_settings( json_decode( '${JSON.stringify(settings)}', true ) ); return is_wp_error( $r ) ? $r->get_error_message() : true;`);

  before(async () => {
    wp = await startWordPress();
    author = await wp.php<{ id: number; email: string }>(`
      $id = username_exists( 'pg-author' ) ?: wp_insert_user( array( 'user_login' => 'pg-author', 'user_pass' => wp_generate_password(), 'user_email' => 'pg-author@example.test', 'role' => 'author' ) );
      return array( 'id' => (int) $id, 'email' => 'pg-author@example.test' );
    `);
    expect(await configure({ assertion_login: true, assertion_roles: ['subscriber'] })).to.equal(true);
  });
  after(async () => {
    await configure({ assertion_login: false, assertion_roles: ['subscriber'] });
  });

  it('signs a partner in once per assertion: the same header sent again signs nobody in', async () => {
    const token = await assertion(wp.partner.email);
    expect(await signedInAs(token)).to.equal(wp.partner.id);
    expect(await signedInAs(token)).to.equal(0);
    expect(await signedInAs(await assertion(wp.partner.email))).to.equal(wp.partner.id);
  });

  it('signs in exactly one of several concurrent requests carrying the same assertion', async () => {
    const token = await assertion(wp.partner.email);
    const ids = await Promise.all([1, 2, 3, 4].map(() => signedInAs(token)));
    expect(ids.filter((id) => id === wp.partner.id)).to.have.length(1);
    expect(ids.filter((id) => id === 0)).to.have.length(3);
  });

  it('keeps the record only until the assertion has expired', async () => {
    const rows = await wp.php<{ before: number; after: number }>(`
      global $wpdb; $t = Partnergate\\Shim\\replay_table();
      Partnergate\\Shim\\record_jti_once( 'expired-${randomUUID()}', time() - 3600 );
      $count = fn() => (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$t} WHERE expires_at < " . time() );
      $before = $count();
      Partnergate\\Shim\\delete_expired_jtis( time() );
      return array( 'before' => $before, 'after' => $count() );
    `);
    expect(rows.before).to.be.greaterThan(0);
    expect(rows.after).to.equal(0);
  });

  it('does not sign in a user whose role is not configured (an author), until the role is listed', async () => {
    expect(await signedInAs(await assertion(author.email))).to.equal(0);
    expect(await configure({ assertion_roles: ['subscriber', 'author'] })).to.equal(true);
    expect(await signedInAs(await assertion(author.email))).to.equal(author.id);
    expect(await configure({ assertion_roles: ['author'] })).to.equal(true);
    expect(await signedInAs(await assertion(wp.partner.email))).to.equal(0);
    expect(await configure({ assertion_roles: ['subscriber'] })).to.equal(true);
  });

  it('never signs an administrator in unless "administrator" is listed', async () => {
    expect(await signedInAs(await assertion(wp.admin.email))).to.equal(0);
    expect(await configure({ assertion_roles: ['subscriber', 'author', 'editor'] })).to.equal(true);
    expect(await signedInAs(await assertion(wp.admin.email))).to.equal(0);
    expect(await configure({ assertion_roles: ['subscriber', 'administrator'] })).to.equal(true);
    expect(await signedInAs(await assertion(wp.admin.email))).to.equal(wp.admin.id);
    expect(await configure({ assertion_roles: ['subscriber'] })).to.equal(true);
  });

  it('refuses a role list naming a role the site does not have, and changes nothing', async () => {
    expect(await configure({ assertion_roles: ['subscriber', 'no-such-role'] })).to.match(/assertion_roles must name existing roles/);
    expect(await wp.php(`return Partnergate\\Shim\\stored_settings()['assertion_roles'];`)).to.deep.equal(['subscriber']);
  });
});
