/**
 * The shipped catalogues against the templates and code that use them: every key a template or a source file
 * asks for exists in English, and German and Spanish are really translated (a long message equal to its
 * English one is an English string left behind).
 */
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shippedCatalogues, shippedLocalesDir } from '../../src/i18n/index.js';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

function files(dir: string, ext: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...files(full, ext));
    else if (entry.endsWith(ext)) out.push(full);
  }
  return out;
}

function flat(value: unknown, prefix = '', into = new Map<string, string>()): Map<string, string> {
  if (typeof value === 'string') into.set(prefix, value);
  else for (const [k, v] of Object.entries(value as Record<string, unknown>)) flat(v, prefix ? `${prefix}.${k}` : k, into);
  return into;
}

/** `namespace:key` -> message, for one language of the shipped catalogues. */
function messages(lang: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of readdirSync(join(shippedLocalesDir, lang))) {
    const ns = file.replace(/\.json$/, '');
    for (const [k, v] of flat(JSON.parse(readFileSync(join(shippedLocalesDir, lang, file), 'utf8')))) out.set(`${ns}:${k}`, v);
  }
  return out;
}

describe('i18n: shipped catalogues cover their users', () => {
  it('has every key the templates ask for ({{t "ns:key"}}) in English', () => {
    const missing: string[] = [];
    let seen = 0;
    for (const file of files(join(root, 'templates'), '.hbs')) {
      for (const m of readFileSync(file, 'utf8').matchAll(/[{(]t "([^"]+)"/g)) {
        seen++;
        if (!shippedCatalogues().hasKey(m[1]!)) missing.push(`${file.slice(root.length + 1)}: ${m[1]}`);
      }
    }
    expect(seen).to.be.greaterThan(100);
    expect(missing).to.deep.equal([]);
  });

  it("has every key the code asks for (t(locale, 'ns:key')) in English", () => {
    const missing: string[] = [];
    // src/i18n itself only shows keys in its doc comments.
    for (const file of files(join(root, 'src'), '.ts').filter((f) => !f.includes('/src/i18n/'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\bt\([^,()]+, '([a-z-]+:[A-Za-z0-9_.-]+)'/g)) {
        if (!shippedCatalogues().hasKey(m[1]!)) missing.push(`${file.slice(root.length + 1)}: ${m[1]}`);
      }
    }
    expect(missing).to.deep.equal([]);
  });

  for (const lang of ['de', 'es']) {
    it(`translates every English sentence into ${lang} (no long message left equal to English)`, () => {
      const en = messages('en');
      const other = messages(lang);
      const same = [...en].filter(([key, text]) => text.split(/\s+/).length >= 4 && other.get(key) === text).map(([key]) => key);
      expect(same).to.deep.equal([]);
      expect([...en.keys()].filter((k) => !other.has(k))).to.deep.equal([]);
    });
  }
});
