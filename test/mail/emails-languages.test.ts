/**
 * Every email to a partner in the recipient's language: subject, text and HTML rendered from the shipped
 * templates with `locale` in the parameters (as the outbox stores them), English when none is given.
 */
import { expect } from 'chai';
import { renderEmail } from '../../src/mail/index.js';
import { createViews } from '../../src/views/index.js';

const views = createViews({ brand: { name: 'Acme Partners', primaryColor: '#123456' } });
const at = Date.UTC(2026, 2, 1, 14, 0);

/** Parameters as the code that queues each email passes them. */
const emails: Record<string, Record<string, unknown>> = {
  'partner-commission-new': { kind: 'commission_new', amount: '12,00 $', when: '1. März 2026', link: 'https://p.example/partner-center/commissions', settingsUrl: 'https://p.example/s' },
  'partner-commission-approved': { kind: 'commission_approved', amount: '12,00 $', when: '1. März 2026', link: 'https://p.example/c', settingsUrl: 'https://p.example/s' },
  'partner-payout-sent': { kind: 'payout_sent', amount: '30,00 $', when: '1. März 2026', link: 'https://p.example/p/3', settingsUrl: 'https://p.example/s' },
  'partner-digest': { day: '2026-03-01', count: 2, items: [{ kind: 'commission_new', amount: '1 $', when: 'x' }, { kind: 'payout_sent', amount: '2 $', when: 'y' }], partnerCenterUrl: 'https://p.example/', settingsUrl: 'https://p.example/s' },
  'new-credentials': { firstName: 'Ada', email: 'ada@example.com', setPasswordUrl: 'https://p.example/set', signInUrl: 'https://p.example/in', partnerCenterUrl: 'https://p.example/pc', expiresAt: at, moved: false },
  'password-reset': { resetUrl: 'https://p.example/reset', expiresMinutes: 30 },
  'partner-change-confirm': { kind: 'paypal', what: 'PayPal email', partnerName: 'Ada', newAddress: 'new@example.com', confirmUrl: 'https://p.example/confirm', expiresMinutes: 30 },
  'partner-change-notice': { kind: 'login_email', what: 'sign-in email', partnerName: 'Ada', requested: true, newAddressMasked: 'n***@example.com' },
  'partner-change-address-in-use': { kind: 'login_email', what: 'sign-in email', newAddress: 'new@example.com', forgotUrl: 'https://p.example/forgot' },
  'tier-upgrade': { firstName: 'Ada', fromProgram: 'Silver', toProgram: 'Gold', ruleLabel: 'Sales this year', valueText: '12', partnerCenterUrl: 'https://p.example/pc' },
};

// Words of the English templates that must not survive in a translated email.
const english = /\b(Hello|you|your|the partner center|password|email)\b/i;

describe('mail: partner emails in the recipient language', () => {
  for (const [template, params] of Object.entries(emails)) {
    it(`${template}: English by default, German and Spanish with locale`, () => {
      const en = renderEmail(views, template, params);
      expect(en.text).to.match(/Hello|Congratulations/);
      if (en.html) expect(en.html).to.contain('<html lang="en">');
      for (const locale of ['de', 'es']) {
        const mail = renderEmail(views, template, { ...params, locale });
        expect(mail.subject, `${locale} subject`).to.not.equal(en.subject);
        expect(mail.subject, `${locale} subject`).to.not.match(english);
        expect(mail.text.replace(/https?:\/\/\S+/g, ''), `${locale} text`).to.not.match(english);
        expect(mail.text, 'no message key left unresolved').to.not.match(/\b(emails|common):[a-z]/);
        if (mail.html) {
          expect(mail.html).to.contain(`<html lang="${locale}">`);
          expect(mail.html.replace(/<[^>]+>/g, ' ').replace(/https?:\/\/\S+/g, '')).to.not.match(english);
        }
      }
    });
  }

  it('names the changed address kind in the language, also for emails queued before `kind` was passed', () => {
    const mail = renderEmail(views, 'partner-change-confirm', { ...emails['partner-change-confirm'], locale: 'de' });
    expect(mail.subject).to.equal('Neue PayPal-E-Mail für Acme Partners bestätigen');
    const old = renderEmail(views, 'partner-change-confirm', { what: 'PayPal email', newAddress: 'n@example.com', confirmUrl: 'https://x', expiresMinutes: 30 });
    expect(old.subject).to.equal('Confirm your new PayPal email for Acme Partners');
  });

  it('counts with ICU plurals in the digest subject', () => {
    expect(renderEmail(views, 'partner-digest', { ...emails['partner-digest'], count: 1 }).subject).to.equal('Your day at Acme Partners: 1 update');
    expect(renderEmail(views, 'partner-digest', { ...emails['partner-digest'], count: 3, locale: 'de' }).subject).to.equal('Ihr Tag bei Acme Partners: 3 Neuigkeiten');
    expect(renderEmail(views, 'partner-digest', { ...emails['partner-digest'], count: 1, locale: 'es' }).subject).to.equal('Su día en Acme Partners: 1 novedad');
  });
});
