/**
 * Outbox emails written as one MIME buffer (src/mail/mime.ts): what a mail client parses out of it is what was
 * rendered, and whatever the fast path cannot write correctly is left to nodemailer (null).
 */
import { expect } from 'chai';
import { simpleParser } from 'mailparser';
import { createMimeWriter } from '../../src/mail/mime.js';

describe('mail: outbox emails as one MIME buffer', () => {
  const email = {
    to: 'ann@example.test',
    subject: 'Acme Partners: your sign-in for the new partner center',
    text: 'Hello Ann,\n\n.a line starting with a dot\nset your password: https://partners.example.test/sso/set-password?token=abc\n'.repeat(8),
    html: '<p>Hello Ann,</p><p><a href="https://partners.example.test/sso/set-password?token=abc">set your password</a></p>',
    messageId: '<partnergate-outbox-42@example.test>',
  };

  it('parses back to the same sender, recipient, subject, Message-ID, text and html', async () => {
    const raw = createMimeWriter('Acme Partners <partners@example.test>').build(email, new Date(Date.UTC(2026, 11, 7, 1, 2, 3)));
    expect(raw).to.be.instanceOf(Buffer);
    const parsed = await simpleParser(raw!);
    expect(parsed.from?.value).to.deep.equal([{ address: 'partners@example.test', name: 'Acme Partners' }]);
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.text : null).to.equal('ann@example.test');
    expect(parsed.subject).to.equal(email.subject);
    expect(parsed.messageId).to.equal(email.messageId);
    expect(parsed.date?.toISOString()).to.equal('2026-12-07T01:02:03.000Z');
    expect(parsed.text).to.equal(email.text);
    expect(parsed.html).to.equal(email.html);
    // RFC 5322: no line longer than 78 characters.
    expect(raw!.toString('utf8').split('\r\n').filter((l) => l.length > 78)).to.deep.equal([]);
  });

  it('text only: one part; a non-ASCII subject and display name are encoded words', async () => {
    const raw = createMimeWriter('"Société Générale, Partners" <partners@example.test>').build({ ...email, html: undefined, subject: 'Ihr neues Partner-Center: Zugangsdaten für Jürgen' });
    const parsed = await simpleParser(raw!);
    expect(parsed.subject).to.equal('Ihr neues Partner-Center: Zugangsdaten für Jürgen');
    expect(parsed.from?.value[0]).to.deep.equal({ address: 'partners@example.test', name: 'Société Générale, Partners' });
    expect(parsed.text).to.equal(email.text);
    expect(parsed.html).to.equal(false);
    expect(raw!.toString('latin1')).to.match(/^[\x20-\x7e\r\n]*$/);
  });

  it('quotes a display name with specials', () => {
    const raw = createMimeWriter('"Acme, Inc." <partners@example.test>').build(email)!.toString();
    expect(raw).to.contain('From: "Acme, Inc." <partners@example.test>\r\n');
  });

  it('leaves to nodemailer what it cannot write as plain ASCII headers', () => {
    const writer = createMimeWriter('Acme <partners@example.test>');
    expect(writer.build({ ...email, to: 'jürgen@example.test' })).to.equal(null);
    expect(writer.build({ ...email, to: 'ann@example.test\r\nBcc: x@example.test' })).to.equal(null);
    expect(writer.build({ ...email, subject: 'two\nlines' })).to.equal(null);
    expect(createMimeWriter('Acme <partnérs@example.test>').build(email)).to.equal(null);
    expect(createMimeWriter('Acme, Inc. <partners@example.test>').build(email)).to.equal(null);
    expect(writer.envelopeFrom).to.equal('partners@example.test');
  });
});
