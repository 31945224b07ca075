/**
 * The message catalogues (src/i18n): loading, the start-up checks that name file and key, English fallback, ICU
 * plurals, `Accept-Language` negotiation, and dates and money through Intl in the reader's language.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatLocal, formatMoney } from '../../src/common/index.js';
import { CatalogueError, languageName, loadCatalogues, parseAcceptLanguage, shippedCatalogues, shippedLocalesDir } from '../../src/i18n/index.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A catalogue tree in a temporary folder: `{ 'en/a.json': {...} }`. */
function tree(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pg-locales-'));
  dirs.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

function problemsOf(dir: string | string[]): string[] {
  try {
    loadCatalogues(Array.isArray(dir) ? dir : [dir]);
  } catch (err) {
    expect(err).to.be.instanceOf(CatalogueError);
    return (err as CatalogueError).problems;
  }
  expect.fail('the catalogues were accepted');
}

const clicks = '{count, plural, one {# click} other {# clicks}}';

describe('i18n: catalogues', () => {
  it('loads namespaces, nested keys and languages (English first) and formats ICU plurals per language', () => {
    const c = loadCatalogues([tree({
      'en/links.json': { clicks, title: { main: 'Your links' } },
      'de/links.json': { clicks: '{count, plural, one {# Klick} other {# Klicks}}', title: { main: 'Ihre Links' } },
      'pt-br/links.json': { clicks: '{count, plural, one {# clique} other {# cliques}}', title: { main: 'Seus links' } },
    })]);
    expect(c.languages).to.deep.equal(['en', 'de', 'pt-BR']);
    expect(c.t('en', 'links:clicks', { count: 1 })).to.equal('1 click');
    expect(c.t('en', 'links:clicks', { count: 1234 })).to.equal('1,234 clicks');
    expect(c.t('de', 'links:clicks', { count: 1 })).to.equal('1 Klick');
    expect(c.t('de', 'links:clicks', { count: 1234 })).to.equal('1.234 Klicks');
    expect(c.t('pt-BR', 'links:title.main')).to.equal('Seus links');
  });

  it('falls back to English per key for a language it does not have, and shows an unknown key as itself', () => {
    const c = loadCatalogues([tree({ 'en/a.json': { hello: 'Hello {name}' }, 'de/a.json': { hello: 'Hallo {name}' } })]);
    expect(c.t('fr', 'a:hello', { name: 'Ana' })).to.equal('Hello Ana');
    expect(c.t('de', 'a:nope')).to.equal('a:nope');
    expect(c.hasKey('a:hello')).to.equal(true);
    expect(c.hasKey('a:nope')).to.equal(false);
  });

  it('lets a later folder (a theme) override single messages and add a language', () => {
    const shipped = tree({ 'en/a.json': { hello: 'Hello', bye: 'Bye' }, 'de/a.json': { hello: 'Hallo', bye: 'Tschüss' } });
    const theme = tree({ 'en/a.json': { hello: 'Welcome' }, 'fr/a.json': { hello: 'Bonjour', bye: 'Au revoir' } });
    const c = loadCatalogues([shipped, theme]);
    expect(c.t('en', 'a:hello')).to.equal('Welcome');
    expect(c.t('en', 'a:bye')).to.equal('Bye');
    expect(c.languages).to.deep.equal(['en', 'de', 'fr']);
  });

  describe('stops start-up naming file and key', () => {
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['a key English has is missing', { 'en/a.json': { x: 'X', y: 'Y' }, 'de/a.json': { x: 'X' } }, /de\/a\.json: key "y" is missing \(en has it\)/],
      ['a whole namespace file is missing', { 'en/a.json': { x: 'X' }, 'en/b.json': { z: 'Z' }, 'de/a.json': { x: 'X' } }, /de\/b\.json: key "z" is missing/],
      ['a key English does not have', { 'en/a.json': { x: 'X' }, 'de/a.json': { x: 'X', old: 'O' } }, /de\/a\.json: key "old" is not in the en catalogue/],
      ['ICU syntax that does not parse', { 'en/a.json': { x: '{count, plural, one {# a}' } }, /en\/a\.json: key "x": not a valid ICU message/],
      ['a translation asking for a value English does not pass', { 'en/a.json': { x: 'Hi {name}' }, 'de/a.json': { x: 'Hallo {vorname}' } }, /de\/a\.json: key "x" uses \{vorname\}/],
      ['a message that is not text', { 'en/a.json': { x: 3 } }, /en\/a\.json: key "x": a message must be text/],
      ['a file that is not JSON', { 'en/a.json': '{ "x": ' }, /en\/a\.json: not valid JSON/],
      ['a folder that is not a language tag', { 'en/a.json': { x: 'X' }, 'not_a tag/a.json': { x: 'X' } }, /folder name "not_a tag" is not a language tag/],
      ['no English catalogue', { 'de/a.json': { x: 'X' } }, /no "en" catalogue/],
    ];
    for (const [name, files, expected] of cases) {
      it(name, () => {
        const problems = problemsOf(tree(files));
        expect(problems.join('\n')).to.match(expected);
      });
    }

    it('lists every problem at once, not just the first', () => {
      const problems = problemsOf(tree({ 'en/a.json': { x: 'X', y: 'Y' }, 'de/a.json': {}, 'es/a.json': { x: '{' , y: 'Y' } }));
      expect(problems).to.have.length(3);
    });
  });

  describe('negotiation', () => {
    const c = loadCatalogues([tree({ 'en/a.json': { x: 'X' }, 'de/a.json': { x: 'X' }, 'es/a.json': { x: 'X' }, 'pt-BR/a.json': { x: 'X' } })]);
    const cases: Array<[string | undefined, string]> = [
      [undefined, 'en'],
      ['', 'en'],
      ['de', 'de'],
      ['de-AT,de;q=0.9,en;q=0.8', 'de'],
      ['fr-FR,fr;q=0.9,es;q=0.8,en;q=0.7', 'es'],
      ['en;q=0.5, es;q=0.9', 'es'],
      ['ES-mx', 'es'],
      ['pt', 'pt-BR'],
      ['fr, ja', 'en'],
      ['*', 'en'],
      ['de;q=0, es', 'es'],
      ['de;q=abc, es;q=0.5', 'de'],
      ['<script>, de', 'de'],
    ];
    for (const [header, expected] of cases) it(`${JSON.stringify(header)} -> ${expected}`, () => expect(c.negotiate(header)).to.equal(expected));

    it('reads quality values, keeping header order between equals', () => {
      expect(parseAcceptLanguage('a;q=0.5, b, c;q=0.5, d;q=1.0')).to.deep.equal(['b', 'd', 'a', 'c']);
    });

    it('accepts only loaded languages for a stored choice', () => {
      expect(c.supported('DE')).to.equal('de');
      expect(c.supported('pt-br')).to.equal('pt-BR');
      expect(c.supported('fr')).to.equal(undefined);
      expect(c.supported(null)).to.equal(undefined);
    });
  });

  it('names each language in that language', () => {
    expect(languageName('de')).to.equal('Deutsch');
    expect(languageName('es')).to.equal('Español');
    expect(languageName('en')).to.equal('English');
  });

  it('ships complete English, German and Spanish catalogues that pass the checks', () => {
    expect(shippedCatalogues().languages).to.include.members(['en', 'de', 'es']);
  });

  it('compiles a message when it is first used: every shipped message without arguments reads as its text, in each language', () => {
    // Messages are checked at load and compiled on first use; a message whose compiled form failed would show its key.
    const c = loadCatalogues([shippedLocalesDir]);
    let checked = 0;
    for (const lang of c.languages) {
      for (const file of readdirSync(join(shippedLocalesDir, lang)).filter((f) => f.endsWith('.json'))) {
        const flat = (value: unknown, prefix: string): Array<[string, string]> =>
          typeof value === 'string' ? [[prefix, value]] : Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => flat(v, prefix ? `${prefix}.${k}` : k));
        for (const [key, message] of flat(JSON.parse(readFileSync(join(shippedLocalesDir, lang, file), 'utf8')), '')) {
          if (/[{}<'#]/.test(message)) continue;
          expect(c.t(lang, `${file.slice(0, -'.json'.length)}:${key}`), `${lang} ${file} ${key}`).to.equal(message);
          checked++;
        }
      }
    }
    expect(checked).to.be.greaterThan(1000);
  });
});

describe('i18n: dates and money in the reader language', () => {
  const march1 = Date.UTC(2026, 2, 1, 14, 5);
  const plain = (s: string) => s.replace(/[\u202f\u00a0]/g, ' ');

  it('formats dates in the locale and the partner zone', () => {
    expect(formatLocal(march1, 'Europe/Berlin', false, 'de')).to.equal('1. März 2026');
    expect(formatLocal(march1, 'Europe/Madrid', false, 'es')).to.equal('1 mar 2026');
    expect(formatLocal(march1, 'UTC', false, 'en')).to.equal('Mar 1, 2026');
    expect(plain(formatLocal(march1, 'Europe/Berlin', true, 'de'))).to.equal('1. März 2026, 15:05');
    // The zone still decides the calendar day: 23:30 UTC on 28 February is 1 March in Berlin.
    expect(formatLocal(Date.UTC(2026, 1, 28, 23, 30), 'Europe/Berlin', false, 'de')).to.equal('1. März 2026');
  });

  it('formats money in the locale, keeping its own currency and integer cents', () => {
    expect(plain(formatMoney(123456, 'EUR', 'de'))).to.equal('1.234,56 €');
    expect(plain(formatMoney(123456, 'USD', 'de'))).to.equal('1.234,56 $');
    expect(plain(formatMoney(123456, 'EUR', 'es'))).to.equal('1234,56 €');
    expect(formatMoney(-5, 'USD', 'en')).to.equal('-$0.05');
    expect(formatMoney(123456, 'USD')).to.equal('$1,234.56');
  });
});
