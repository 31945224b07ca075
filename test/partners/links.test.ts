/** The link builder's rule: a page of the site, never another origin; SubIDs from a small alphabet. */
import { expect } from 'chai';
import { parseSitePath, subIdProblem, trackedLink, referralLink } from '../../src/partners/index.js';

const origin = 'https://shop.example.com';

describe('partners: link builder paths', () => {
  const accepted: Array<[string, string, string]> = [
    ['empty means the home page', '', '/'],
    ['a plain path', '/course/', '/course/'],
    ['a path with a query', '/pricing?plan=pro', '/pricing?plan=pro'],
    ['a path with a fragment', '/faq#refunds', '/faq#refunds'],
    ['a full URL of the site', 'https://shop.example.com/course/', '/course/'],
    ['upper-case host of the site', 'HTTPS://SHOP.EXAMPLE.COM/a', '/a'],
    ['dot segments are resolved on the site', '/a/../b', '/b'],
    ['an encoded slash stays a path on the site', '/%2F/evil.com', '/%2F/evil.com'],
    ['surrounding spaces are trimmed', '  /course/  ', '/course/'],
  ];
  for (const [name, input, path] of accepted) {
    it(`accepts ${name}`, () => {
      expect(parseSitePath(input, origin)).to.deep.equal({ ok: true, path });
    });
  }

  const refused: Array<[string, string]> = [
    ['another origin', 'https://evil.example.net/'],
    ['scheme-relative', '//evil.example.net/x'],
    ['backslash after slash', '/\\evil.example.net'],
    ['triple slash', '///evil.example.net'],
    ['tab inside', '/\t/evil.example.net'],
    ['space inside', '/ /evil.example.net'],
    ['newline inside', '/course/\nSet-Cookie: x'],
    ['javascript scheme', 'javascript:alert(1)'],
    ['data scheme', 'data:text/html,<script>alert(1)</script>'],
    ['the site on another port', 'https://shop.example.com:8443/'],
    ['the site over http', 'http://shop.example.com/'],
    ['a look-alike host', 'https://shop.example.com.evil.net/'],
    ['credentials before the host', 'https://shop.example.com@evil.net/'],
    ['credentials of the site', 'https://user:pass@shop.example.com/'],
    ['a bare host name', 'evil.example.net/path'],
    ['a zero-width space', '/course\u200b/'],
    ['a path longer than 2000 characters', `/${'a'.repeat(2001)}`],
  ];
  for (const [name, input] of refused) {
    it(`refuses ${name}`, () => {
      const r = parseSitePath(input, origin);
      expect(r.ok, JSON.stringify(r)).to.equal(false);
    });
  }
});

describe('partners: SubIDs and tracked links', () => {
  it('accepts letters, digits, _ and - up to 64 characters', () => {
    for (const ok of ['newsletter', 'fb-ads', 'A_1', 'x'.repeat(64)]) expect(subIdProblem(ok), ok).to.equal(undefined);
  });
  it('refuses anything else', () => {
    for (const bad of ['', 'has space', 'x'.repeat(65), '=HYPERLINK("x")', 'a/b', 'café', '<script>']) expect(subIdProblem(bad), bad).to.be.a('string');
  });
  it('builds the referral link and tracked links with orid, opid and sid', () => {
    expect(referralLink(origin, '9001')).to.equal('https://shop.example.com/?orid=9001');
    expect(trackedLink(origin, '/course/', '9001', { promoToolId: 7 })).to.equal('https://shop.example.com/course/?orid=9001&opid=7');
    expect(trackedLink(origin, '/pricing?plan=pro', '9001', { subId: 'fb-ads' })).to.equal('https://shop.example.com/pricing?plan=pro&orid=9001&sid=fb-ads');
    // A path that already carries orid gets the partner's own, not the typed one.
    expect(trackedLink(origin, '/?orid=1234', '9001')).to.equal('https://shop.example.com/?orid=9001');
  });
});
