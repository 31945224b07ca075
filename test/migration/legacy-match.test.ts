/** Matching WordPress users to partners, reading the old center's usermeta, and wp-shim's export answer. */
import { expect } from 'chai';
import { legacyPaypal, legacySubIds, looksLikePartner, matchUsers, type MatchInput } from '../../migration/common/legacy-match.js';
import { parseExport, parseSwitches, switchesBody } from '../../migration/common/wordpress.js';

const user = (id: number, email: string | null, extra: Partial<MatchInput> = {}): MatchInput => ({ wpUserId: id, login: `u${id}`, email, roles: ['subscriber'], meta: { program_id: '1' }, ...extra });

describe('migration: matching WordPress users to partners', () => {
  const partners = new Map([
    ['ann@example.test', [{ partnerId: 1 }]],
    ['bob@example.test', [{ partnerId: 2 }]],
    ['twins@example.test', [{ partnerId: 3 }, { partnerId: 4 }]],
  ]);
  const decisions = matchUsers(
    [
      user(10, 'ANN@example.test'),
      user(11, 'bob@example.test'),
      user(12, 'Bob@Example.test'),
      user(13, 'twins@example.test'),
      user(14, 'ghost@example.test'),
      user(15, 'not-an-email'),
      user(16, 'editor@example.test', { roles: ['editor'], meta: {} }),
      user(17, 'customer@example.test', { meta: {}, partner: false }),
      user(18, 'flagged@example.test', { meta: {}, partner: true }),
      user(19, 'not-an-email-either', { roles: ['subscriber'], meta: {}, partner: false }),
    ],
    partners,
  );
  const table: Array<[string, number, string, number | null, RegExp | null]> = [
    ['email match whatever its case', 10, 'matched', 1, null],
    ['two WordPress users with one email: neither matched', 11, 'duplicate_email', null, /also WordPress user 12/],
    ['... the other of the pair', 12, 'duplicate_email', null, /also WordPress user 11/],
    ['an email several Ontraport partners share', 13, 'duplicate_email', null, /several Ontraport partners \(3, 4\)/],
    ['a partner unknown to Ontraport', 14, 'unmatched', null, /no Ontraport partner has the email ghost@example.test/],
    ['a partner with an invalid email', 15, 'bad_email', null, /not an address/],
    ['an editor is not a partner', 16, 'not_partner', null, /not a partner/],
    ['wp-shim says not a partner', 17, 'not_partner', null, /not a partner/],
    ['wp-shim says partner, no meta', 18, 'unmatched', null, /flagged@example.test/],
    ['a non-partner with a bad email is only counted', 19, 'not_partner', null, /not an address/],
  ];
  for (const [name, id, status, partnerId, reason] of table) {
    it(name, () => {
      const d = decisions.get(id)!;
      expect(d.status).to.equal(status);
      expect(d.partnerId).to.equal(partnerId);
      if (reason) expect(d.reason).to.match(reason);
      else expect(d.reason).to.equal(null);
    });
  }
  it('partner-like: wp-shim verdict first, then roles and PilotPress usermeta', () => {
    expect(looksLikePartner({ roles: ['administrator'], meta: { program_id: '3' }, partner: false })).to.equal(false);
    expect(looksLikePartner({ roles: ['subscriber'], meta: { contact_id: '77' } })).to.equal(true);
    expect(looksLikePartner({ roles: ['subscriber'], meta: { program_id: '0' } })).to.equal(false);
    expect(looksLikePartner({ roles: ['affiliate'], meta: {} })).to.equal(true);
    expect(looksLikePartner({ roles: ['administrator'], meta: { program_id: '3' } })).to.equal(false);
  });
  it('reads the PayPal email and SubIDs the old center kept in usermeta', () => {
    expect(legacyPaypal({ pilotpress_aff_paypal: ' Pay@Example.test ' })).to.equal('pay@example.test');
    expect(legacyPaypal({ pilotpress_aff_paypal: 'not an email' })).to.equal(null);
    expect(legacySubIds({ pilotpress_sub_ids: 'b, a,\n a , ' })).to.deep.equal(['a', 'b']);
    expect(legacySubIds({ pilotpress_subids: ['x', 'y'] })).to.deep.equal(['x', 'y']);
    expect(legacySubIds({ program_id: '1' })).to.deep.equal([]);
  });
});

describe('migration: wp-shim export and settings', () => {
  it('reads an export page and drops PilotPress secrets', () => {
    const e = parseExport({
      site: { home: 'https://example.test' },
      users: [{ id: 5, login: 'ann', email: 'ann@example.test', display_name: 'Ann', roles: ['subscriber'], partner: true, meta: { program_id: '2' } }, { id: 'x' }],
      users_total: 1, page: 1, per_page: 500, pages: 3,
      pilotpress_settings: { app_id: '2_1', api_key: '[redacted]', affiliate_center: 'on' },
      legacy_partner_center: { id: 9, title: 'Partner Center', slug: 'affiliate-center', status: 'publish', url: 'https://example.test/affiliate-center/', system_page: 'affiliate_center' },
      plr: { affiliate_plr: '9', affiliate_plr_url: 'https://example.test/affiliate-center/', customer_plr: '-1', customer_plr_url: 'https://example.test/' },
      shim: { settings: { login_redirect: 'wordpress', legacy_page_301: false, legacy_page_target: '' }, effective: { login_redirect: 'handoff', legacy_page_301: false, legacy_page_target: '' }, gateway_url: 'https://example.test', secret_configured: true },
    });
    expect(e.users).to.have.length(1);
    expect(e.users[0]).to.deep.include({ id: 5, login: 'ann', partner: true });
    expect(e.pilotpressSettings).to.deep.equal({ affiliate_center: 'on' });
    expect(e.partnerCenterPage).to.deep.include({ id: 9, systemPage: 'affiliate_center' });
    expect(e.shim.stored).to.deep.equal({ loginRedirect: 'wordpress', legacyPage301: false, legacyPageTarget: '' });
    expect(e.shim.effective.loginRedirect).to.equal('handoff');
    expect(e.pages).to.equal(3);
  });
  it('refuses an answer that is not wp-shim\'s export', () => {
    expect(() => parseExport({ code: 'rest_no_route' })).to.throw(/not wp-shim's export/);
  });
  it('switches go out in wp-shim\'s names and come back the same', () => {
    const s = { loginRedirect: 'handoff' as const, legacyPage301: true, legacyPageTarget: 'https://p.example.test/partner-center/' };
    expect(switchesBody(s)).to.deep.equal({ login_redirect: 'handoff', legacy_page_301: true, legacy_page_target: 'https://p.example.test/partner-center/' });
    expect(parseSwitches(switchesBody(s))).to.deep.equal(s);
  });
});
