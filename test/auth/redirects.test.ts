/**
 * The post-sign-in redirect rule, as a table of named cases (the open-redirect class of the security notes:
 * oauth2-proxy, Pomerium and Authelia each shipped one of these) plus a fixture of attack strings that must
 * all fall back to the partner center.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { DEFAULT_REDIRECT, redirectPolicyFor, safeRedirect, type RedirectPolicy } from '../../src/auth/redirects.js';

const policy: RedirectPolicy = {
  selfOrigin: 'https://partners.example.com',
  allowedHosts: ['www.example.com', '.shop.example.com', 'app.example.org:8443'],
};
const F = DEFAULT_REDIRECT;

// [name, input, expected]
const cases: Array<[string, unknown, string]> = [
  // allowed
  ['plain path', '/partner-center/reports', '/partner-center/reports'],
  ['path with query', '/partner-center/reports?from=2026-01-01&to=2026-02-01', '/partner-center/reports?from=2026-01-01&to=2026-02-01'],
  ['path with fragment', '/partner-center/#links', '/partner-center/#links'],
  ['root path', '/', '/'],
  ['dot segments resolved', '/partner-center/../partner-center/x', '/partner-center/x'],
  ['encoded space in path kept encoded', '/partner-center/a%20b', '/partner-center/a%20b'],
  ['same origin absolute', 'https://partners.example.com/partner-center/', 'https://partners.example.com/partner-center/'],
  ['allowed host exact', 'https://www.example.com/shop', 'https://www.example.com/shop'],
  ['allowed host, explicit default port', 'https://www.example.com:443/shop', 'https://www.example.com/shop'],
  ['allowed host upper case', 'HTTPS://WWW.EXAMPLE.COM/', 'https://www.example.com/'],
  ['dot suffix matches subdomain', 'https://a.shop.example.com/x', 'https://a.shop.example.com/x'],
  ['dot suffix matches deep subdomain', 'https://a.b.shop.example.com/', 'https://a.b.shop.example.com/'],
  ['dot suffix matches the apex', 'https://shop.example.com/', 'https://shop.example.com/'],
  ['allowed host:port exact', 'https://app.example.org:8443/dash', 'https://app.example.org:8443/dash'],
  // protocol-relative and slash tricks
  ['double slash', '//evil.com', F],
  ['triple slash', '///evil.com', F],
  ['slash backslash', '/\\evil.com', F],
  ['backslash slash', '\\/evil.com', F],
  ['double backslash', '\\\\evil.com', F],
  ['dot slash backslash', '/./\\evil.com', F],
  ['dot double slash resolves to //', '/.//evil.com', F],
  ['dotdot double slash', '/..//evil.com', F],
  ['tab double slash (encoded)', '/%09/evil.com', F],
  ['tab double slash (raw)', '/\t/evil.com', F],
  ['space double slash', '/ /evil.com', F],
  ['encoded slash after slash', '/%2F/evil.com', F],
  ['encoded double slash', '/%2f%2fevil.com', F],
  ['encoded backslash', '/%5Cevil.com', F],
  ['leading space', ' //evil.com', F],
  ['CR LF header injection', '/\r\nSet-Cookie: x=1', F],
  ['encoded CR LF', '/%0d%0aSet-Cookie:x=1', F],
  ['NUL byte', '/\u0000/evil.com', F],
  ['malformed escape', '/%E0%A4%A', F],
  // foreign hosts
  ['other host https', 'https://evil.com/', F],
  ['other host http', 'http://evil.com/', F],
  ['similar domain suffix', 'http://foo.bar.evil.corp', F],
  ['allowed host as subdomain of evil', 'https://www.example.com.evil.com/', F],
  ['allowed host in the path', 'https://evil.com/www.example.com', F],
  ['allowed host in the query', 'https://evil.com?x=www.example.com', F],
  ['allowed host in the fragment', 'https://evil.com#www.example.com', F],
  ['userinfo good@evil', 'https://good@evil', F],
  ['userinfo allowed@evil', 'https://www.example.com@evil.com/', F],
  ['userinfo on an allowed host', 'https://user:pass@www.example.com/', F],
  ['allowed host on another port', 'https://www.example.com:8080/', F],
  ['host:port entry without its port', 'https://app.example.org/', F],
  ['host:port entry on another port', 'https://app.example.org:8444/', F],
  ['dot suffix vs bad prefix (badexample)', 'https://badshop.example.com/', F],
  ['dot suffix vs no dot', 'https://xshop.example.com/', F],
  ['dot suffix as a subdomain of evil', 'https://shop.example.com.evil.com/', F],
  ['encoded dots in host', 'https://www%2eexample%2ecom/', F],
  ['trailing dot host', 'https://www.example.com./', F],
  ['ideographic full stops', 'https://www\u3002example\u3002com/', F],
  ['fullwidth letters', 'https://\uff57\uff57\uff57.example.com/', F],
  ['fullwidth solidus path', '/\uff0f\uff0fevil.com', F],
  ['fraction slash host', 'https://evil.com\u2044www.example.com', F],
  ['zero width space', 'https://www.example.com\u200b/', F],
  ['downgrade to http', 'http://www.example.com/', F],
  ['numeric host', 'https://0x7f000001/', F],
  ['loopback', 'https://127.0.0.1/', F],
  // schemes and shapes
  ['missing slashes', 'https:evil.com', F],
  ['one slash', 'https:/evil.com', F],
  ['empty authority', 'https:///evil.com', F],
  ['backslashes after scheme', 'https:\\\\evil.com', F],
  ['javascript', 'javascript:alert(1)', F],
  ['javascript mixed case', 'JaVaScRiPt:alert(1)', F],
  ['javascript with comment', 'javascript://www.example.com/%0aalert(1)', F],
  ['data URL', 'data:text/html,<script>alert(1)</script>', F],
  ['vbscript', 'vbscript:msgbox(1)', F],
  ['file', 'file:///etc/passwd', F],
  ['ftp to allowed host', 'ftp://www.example.com/', F],
  ['bare host', 'evil.com', F],
  ['bare allowed host', 'www.example.com', F],
  ['query only', '?//evil.com', F],
  ['empty', '', F],
  ['not a string', ['/partner-center/'], F],
  ['undefined', undefined, F],
  ['very long', `/${'a'.repeat(2100)}`, F],
];

describe('auth/redirects: safeRedirect', () => {
  for (const [name, input, expected] of cases) {
    it(`${name}: ${JSON.stringify(input)?.slice(0, 60)} -> ${expected}`, () => {
      expect(safeRedirect(input, policy)).to.equal(expected);
    });
  }

  it('rejects every string of the attack fixture', () => {
    const lines = readFileSync(new URL('./fixtures/redirect-attacks.txt', import.meta.url), 'utf8')
      .split('\n')
      .filter((l) => l.length > 0 && !l.startsWith('# '))
      .map((l) =>
        l
          .replace(/\\t/g, '\t')
          .replace(/\\n/g, '\n')
          .replace(/\\r/g, '\r')
          .replace(/\\0/g, '\u0000')
          .replace(/\\u([0-9a-f]{4})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
      );
    expect(lines.length).to.be.greaterThan(80);
    const accepted = lines.filter((l) => safeRedirect(l, policy) !== F);
    expect(accepted, 'attack strings that were accepted').to.deep.equal([]);
  });

  it('uses the configured fallback', () => {
    expect(safeRedirect('//evil.com', { ...policy, fallback: '/sso/sign-in' })).to.equal('/sso/sign-in');
  });

  it('allows the partner center host of situation 3 and the public origin', () => {
    const p = redirectPolicyFor({ publicUrl: 'https://www.example.net', redirectAllowedHosts: [], partnerCenterHost: 'partners.example.net' });
    expect(safeRedirect('https://partners.example.net/partner-center/', p)).to.equal('https://partners.example.net/partner-center/');
    expect(safeRedirect('https://www.example.net/x', p)).to.equal('https://www.example.net/x');
    expect(safeRedirect('https://partners.example.net.evil.com/', p)).to.equal(F);
  });

  it('allows http only when the gateway itself is on http (development)', () => {
    const dev = { selfOrigin: 'http://localhost:8080', allowedHosts: ['wp.local:8081'] };
    expect(safeRedirect('http://wp.local:8081/wp-admin/', dev)).to.equal('http://wp.local:8081/wp-admin/');
    expect(safeRedirect('http://localhost:8080/partner-center/', dev)).to.equal('http://localhost:8080/partner-center/');
    expect(safeRedirect('http://localhost:8081/', dev)).to.equal(F);
  });
});
