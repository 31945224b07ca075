/** Email checks and the CSV reader of partner lists: tables of named cases. */
import { expect } from 'chai';
import { checkEmail, parseCsv } from '../../src/accounts/index.js';

describe('admin: email addresses as partner identities', () => {
  const ok: Array<[string, string]> = [
    ['plain', 'ann@example.com'],
    ['upper case folded', 'Ann.Lee@Example.COM'],
    ['spaces around trimmed', '  bob@example.org '],
    ['plus tag', 'bob+partners@example.org'],
    ['subdomain', 'c@mail.example.co.uk'],
    ['punycode TLD', 'd@example.xn--p1ai'],
  ];
  for (const [name, input] of ok) {
    it(`accepts ${name}`, () => {
      const r = checkEmail(input);
      expect(r.ok, JSON.stringify(r)).to.equal(true);
      if (r.ok) expect(r.email).to.equal(input.trim().toLowerCase());
    });
  }
  const bad: Array<[string, string | null, RegExp]> = [
    ['missing', null, /no email address/],
    ['empty', '   ', /no email address/],
    ['no @', 'not-an-email', /not an address/],
    ['two @', 'a@@example.com', /not an address/],
    ['nothing before @', '@example.com', /not an address/],
    ['space inside', 'ann lee@example.com', /invalid name part/],
    ['double dot', 'ann..lee@example.com', /invalid name part/],
    ['domain without dot', 'ann@localhost', /invalid domain/],
    ['domain with underscore', 'ann@exa_mple.com', /invalid domain/],
    ['numeric TLD', 'ann@example.123', /invalid domain/],
    ['too long', `${'a'.repeat(250)}@example.com`, /longer than 254/],
    ['local part over 64', `${'a'.repeat(65)}@example.com`, /invalid name part/],
    ['header injection', 'ann@example.com\r\nBcc: x@evil.test', /not an address|invalid/],
  ];
  for (const [name, input, reason] of bad) {
    it(`refuses ${name}, saying why`, () => {
      const r = checkEmail(input);
      expect(r.ok).to.equal(false);
      if (!r.ok) expect(r.reason).to.match(reason);
    });
  }
});

describe('admin: CSV partner lists', () => {
  const cases: Array<[string, string, string[][]]> = [
    ['plain lines', 'email\na@x.test\nb@x.test\n', [['email'], ['a@x.test'], ['b@x.test']]],
    ['CRLF and no final newline', 'email,contact_id\r\na@x.test,12\r\nb@x.test,13', [['email', 'contact_id'], ['a@x.test', '12'], ['b@x.test', '13']]],
    ['quoted comma and doubled quote', 'name,email\n"Lee, ""Ann""",a@x.test\n', [['name', 'email'], ['Lee, "Ann"', 'a@x.test']]],
    ['quoted newline', 'name,email\n"two\nlines",a@x.test\n', [['name', 'email'], ['two\nlines', 'a@x.test']]],
    ['byte order mark and blank lines', '\uFEFFemail\n\n a@x.test \n,\n', [['email'], [' a@x.test ']]],
    ['empty cells kept', 'partner_id,email\n7,\n', [['partner_id', 'email'], ['7', '']]],
  ];
  for (const [name, text, rows] of cases) {
    it(name, () => {
      expect(parseCsv(text)).to.deep.equal(rows);
    });
  }
  it('an unclosed quote is a usage error naming the file field', () => {
    expect(() => parseCsv('email\n"a@x.test\n')).to.throw(/csv: a quoted field is not closed/);
  });
});
