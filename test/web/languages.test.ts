/**
 * The partner's language on both stores: negotiated from `Accept-Language` until chosen, chosen in settings
 * (CSRF-checked, audited, only loaded languages), and then used for `<html lang>`, the menu, dates and money
 * whatever the browser asks for.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { CatalogueError } from '../../src/i18n/index.js';
import { forEachStore } from '../support/store.js';
import { signInAs, startTestGateway, type SignedIn, type TestGateway } from '../support/gateway.js';
import { FIXED_NOW, seedPartnerCenter, testId, type Fixture } from './fixture.js';
import { decode, flash } from './helpers.js';

const htmlLang = (html: string) => /<html lang="([^"]*)">/.exec(html)?.[1];
const navLabels = (html: string) => [...(/<nav class="site-nav"[\s\S]*?<\/nav>/.exec(html)?.[0] ?? '').matchAll(/<a [^>]*>([^<]*)<\/a>/g)].map((m) => decode(m[1]!));

forEachStore('partner center languages', (ctx) => {
  let tg: TestGateway;
  let fx: Fixture;
  let a: SignedIn;
  let b: SignedIn;

  before(async () => {
    fx = await seedPartnerCenter(ctx.store);
    tg = await startTestGateway(ctx.store, {}, { now: () => FIXED_NOW });
    a = await signInAs(tg, fx.a.id);
    b = await signInAs(tg, fx.b.id);
  });
  after(async () => {
    await tg?.close();
  });

  const get = (who: SignedIn, path: string, acceptLanguage?: string) => {
    const r = request(tg.url).get(path).set('Cookie', who.cookie).redirects(0);
    return acceptLanguage ? r.set('Accept-Language', acceptLanguage) : r;
  };
  const post = (who: SignedIn, form: Record<string, string>, csrf: string | null = who.csrfToken) =>
    request(tg.url).post('/partner-center/settings/language').set('Cookie', who.cookie).set('Origin', tg.url).type('form').send({ ...(csrf ? { _csrf: csrf } : {}), ...form }).redirects(0);
  const localeOf = async (id: number) => (await ctx.store.db.selectFrom('partners').select('locale').where('id', '=', id).executeTakeFirstOrThrow()).locale;

  it('follows Accept-Language before the partner chooses, English when nothing fits', async () => {
    expect(await localeOf(fx.a.id)).to.equal(null);
    const en = await get(a, '/partner-center/');
    expect(htmlLang(en.text)).to.equal('en');
    expect(navLabels(en.text)).to.include('Dashboard');
    const de = await get(a, '/partner-center/', 'de-AT,de;q=0.9,en;q=0.5');
    expect(htmlLang(de.text)).to.equal('de');
    expect(navLabels(de.text)).to.include.members(['Übersicht', 'Provisionen', 'Einstellungen']);
    const es = await get(a, '/partner-center/', 'es-MX');
    expect(htmlLang(es.text)).to.equal('es');
    expect(navLabels(es.text)).to.include('Comisiones');
    expect(htmlLang((await get(a, '/partner-center/', 'ja, fr;q=0.8')).text)).to.equal('en');
  });

  it('offers every loaded language in its own name on the settings page', async () => {
    const res = await get(a, '/partner-center/settings');
    expect(res.text).to.contain('action="/partner-center/settings/language"');
    expect(res.text).to.match(/<option value="de" lang="de">Deutsch<\/option>/);
    expect(res.text).to.match(/<option value="es" lang="es">Español<\/option>/);
    expect(res.text).to.match(/<option value="en" lang="en">English<\/option>/);
    expect(res.text).to.match(/<option value="" selected>/);
  });

  it('refuses the language form without A\'s CSRF token and from another site', async () => {
    expect((await post(a, { locale: 'de' }, null)).status).to.equal(403);
    expect((await post(a, { locale: 'de' }, b.csrfToken)).status).to.equal(403);
    const site = await request(tg.url).post('/partner-center/settings/language').set('Cookie', a.cookie).set('Origin', 'https://evil.example.net').type('form').send({ _csrf: a.csrfToken, locale: 'de' }).redirects(0);
    expect(site.status).to.equal(403);
    expect(await localeOf(fx.a.id)).to.equal(null);
  });

  it('refuses a language that is not loaded, naming the field, in the page language', async () => {
    const res = await post(a, { locale: 'xx' }).set('Accept-Language', 'es');
    expect(res.status).to.equal(400);
    expect(res.text).to.contain('id="locale-error"');
    expect(flash(res.text)).to.equal('Idioma: elija uno de la lista.');
    expect(await localeOf(fx.a.id)).to.equal(null);
  });

  it('saves the choice (audited); pages, dates and money then follow it whatever the browser asks', async () => {
    const res = await post(a, { locale: 'de' });
    expect(res.status).to.equal(303);
    expect(await localeOf(fx.a.id)).to.equal('de');
    const audit = await ctx.store.db.selectFrom('audit_log').selectAll().where('action', '=', 'partner.locale_changed').where('partner_id', '=', fx.a.id).execute();
    expect(audit).to.have.length(1);
    expect(JSON.parse(audit[0]!.details_json ?? '{}')).to.deep.equal({ to: 'de' });

    const done = await get(a, res.headers.location!, 'en-US');
    expect(flash(done.text)).to.equal('Ihre Sprache wurde gespeichert.');
    expect(done.text).to.match(/<option value="de" lang="de" selected>Deutsch<\/option>/);
    const page = await get(a, '/partner-center/', 'en-US,en');
    expect(htmlLang(page.text)).to.equal('de');
    expect(navLabels(page.text)).to.include('Übersicht');
    // Money in German notation (the fixture program pays in USD): `1.234,56 $`, never `$1,234.56`.
    expect(testId(page.text, 'earned-all')).to.match(/^\d{1,3}(\.\d{3})*,\d\d\s\$$/);
    // B chose nothing: still the browser's language.
    expect(htmlLang((await get(b, '/partner-center/', 'en')).text)).to.equal('en');
  });

  const pages: Array<[string, string, string]> = [
    ['/partner-center/', 'Übersicht', 'Panel'],
    ['/partner-center/contacts', 'Vermittelte Kontakte', 'Contactos referidos'],
    ['/partner-center/commissions/pending', 'Offene Provisionen', 'Comisiones pendientes'],
    ['/partner-center/commissions?status=approved', 'Alle Provisionen', 'Todas las comisiones'],
    ['/partner-center/subscriptions', 'Aktive Abonnements', 'Suscripciones activas'],
    ['/partner-center/earnings', 'Einnahmen', 'Ganancias'],
    ['/partner-center/payouts', 'Auszahlungen', 'Pagos'],
    ['/partner-center/reports', 'Berichte', 'Informes'],
    ['/partner-center/links', 'Links', 'Enlaces'],
    ['/partner-center/settings', 'Einstellungen', 'Configuración'],
  ];
  for (const [path, de, es] of pages) {
    it(`renders ${path} in German and Spanish, every message resolved`, async () => {
      for (const [lang, heading] of [['de', de], ['es', es]] as const) {
        const res = await get(b, path, lang);
        expect(res.status, `${lang} ${path}`).to.equal(200);
        expect(htmlLang(res.text)).to.equal(lang);
        expect(decode(/<h1[^>]*>([^<]*)<\/h1>/.exec(res.text)?.[1] ?? '')).to.equal(heading);
        expect(res.text, 'no message key left unresolved').to.not.match(/>[a-z-]+:[a-zA-Z.]+</);
      }
    });
  }

  it('explains a bad date range in the page language, naming the field', async () => {
    const res = await get(b, '/partner-center/?from=2026-03-10&to=2026-03-01', 'de');
    expect(res.status).to.equal(400);
    expect(flash(res.text)).to.equal('Von-Datum: 2026-03-10 liegt nach dem Bis-Datum 2026-03-01. Stattdessen werden die letzten 30 Tage angezeigt.');
    const es = await get(b, '/partner-center/contacts?page=x', 'es');
    expect(flash(es.text)).to.equal('Página: «x» no es un número de página; se muestra la página 1.');
  });

  it('does not start with a theme catalogue that lacks a key, naming the file and key', async () => {
    const theme = mkdtempSync(join(tmpdir(), 'pg-theme-'));
    try {
      mkdirSync(join(theme, 'locales', 'fr'), { recursive: true });
      writeFileSync(join(theme, 'locales', 'fr', 'layout.json'), JSON.stringify({ signOut: 'Se déconnecter' }));
      const err = await startTestGateway(ctx.store, { PARTNERGATE_THEME_DIR: theme }).then(
        async (started) => {
          await started.close();
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(CatalogueError);
      expect((err as Error).message).to.match(/locales\/fr\/layout\.json: key "skipToContent" is missing/);
      expect((err as Error).message).to.match(/locales\/fr\/settings\.json: key "language\.title" is missing/);
    } finally {
      rmSync(theme, { recursive: true, force: true });
    }
  });

  it('goes back to the browser language with the empty choice', async () => {
    expect((await post(a, { locale: '' })).status).to.equal(303);
    expect(await localeOf(fx.a.id)).to.equal(null);
    expect(htmlLang((await get(a, '/partner-center/', 'es')).text)).to.equal('es');
  });
});
