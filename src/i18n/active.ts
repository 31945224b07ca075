/**
 * The process's catalogues. The gateway loads them once at start-up (`useCatalogues(loadCatalogues(...))`, with
 * a theme's `locales/` over the shipped ones); code that runs without a gateway (CLI commands, unit tests) gets
 * the shipped catalogues, loaded on first use.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LOCALE, loadCatalogues, type Catalogues, type MessageValues } from './catalogue.js';

/** `templates/locales` of this installation (next to the shipped templates, also when running from dist/). */
export const shippedLocalesDir = resolve(fileURLToPath(new URL('.', import.meta.url)), import.meta.url.includes('/dist/') ? '../../../templates/locales' : '../../templates/locales');

let active: Catalogues | undefined;
let shipped: Catalogues | undefined;

/** The shipped catalogues, loaded and checked once per process. */
export function shippedCatalogues(): Catalogues {
  shipped ??= loadCatalogues([shippedLocalesDir]);
  return shipped;
}

/**
 * The catalogues of a deployment: the shipped ones, overridden and extended by `<themeDir>/locales/<lang>/`.
 * @throws CatalogueError naming each bad file and key
 */
export function cataloguesFor(themeDir: string | undefined): Catalogues {
  return themeDir ? loadCatalogues([shippedLocalesDir, resolve(themeDir, 'locales')]) : shippedCatalogues();
}

/** Makes `c` the catalogues `t()` and `catalogues()` answer from. */
export function useCatalogues(c: Catalogues): void {
  active = c;
}

export function catalogues(): Catalogues {
  return active ?? shippedCatalogues();
}

/** A message for code (field errors, email subjects): `t('de', 'settings:saved')`. */
export function t(locale: string, key: string, values?: MessageValues): string {
  return catalogues().t(locale, key, values);
}

/**
 * The language an email to a partner is written in: their saved choice while it is still loaded, else English
 * (emails are sent in the background, where no browser says what it prefers).
 */
export function recipientLocale(stored: string | null | undefined): string {
  return catalogues().supported(stored) ?? DEFAULT_LOCALE;
}

/** A language's name in that language, capitalised for a list: `de` -> `Deutsch`, `es` -> `Español`. */
export function languageName(tag: string): string {
  let name = tag;
  try {
    name = new Intl.DisplayNames([tag], { type: 'language' }).of(tag) ?? tag;
  } catch {
    // A tag Intl cannot name is shown as written.
  }
  return capitalise(name, tag);
}

/** The first letter in upper case, by the rules of `locale`: a word that opens a label or a list entry. */
export function capitalise(text: string, locale: string): string {
  return text.charAt(0).toLocaleUpperCase(locale) + text.slice(1);
}
