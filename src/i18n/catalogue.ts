/**
 * Message catalogues: `<dir>/<lang>/<namespace>.json` files read once at start-up, checked, and compiled to ICU
 * message formats (intl-messageformat). A key is written `namespace:key` (nested JSON objects join with dots).
 * English (`en`) is the reference: every other language must have exactly the keys `en` has in each namespace,
 * every message must parse, and a translation may only use the arguments its English message uses (a missing
 * value would throw while rendering). A bad catalogue stops start-up naming the file and key.
 *
 * Every message is parsed at start-up with the parser and locale intl-messageformat itself uses, but only the
 * text is kept: a message is compiled the first time it is used. A compiled message holds its parsed form and
 * its formatter caches, and building 1,500 of them up front (most never used by a given process) cost the
 * gateway about 7 MB of resident memory; a message that parses here compiles later, so a bad one still stops
 * start-up.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { IntlMessageFormat } from 'intl-messageformat';
import { AppError } from '../common/errors.js';
import { argumentNames } from './icu-arguments.js';
import { createNegotiator } from './negotiate.js';

export const DEFAULT_LOCALE = 'en';

/** Values a message may refer to (`{name}`, `{count, plural, ...}`). */
export type MessageValues = Record<string, string | number | boolean | Date | null | undefined>;

export interface Catalogues {
  /** Loaded languages, `en` first, then alphabetical (canonical BCP 47 tags, e.g. `de`, `pt-BR`). */
  readonly languages: readonly string[];
  /** The loaded language a stored or typed tag names (case-insensitive), or undefined. */
  supported(tag: string | null | undefined): string | undefined;
  /** The best loaded language for an `Accept-Language` header; `en` when nothing fits. */
  negotiate(acceptLanguage: string | undefined): string;
  /** A message in `locale`, falling back to English per key; the key itself when English lacks it too. */
  t(locale: string, key: string, values?: MessageValues): string;
  /** Whether English has the key (tests check every key the templates use). */
  hasKey(key: string): boolean;
}

/** `i18n.catalogue_invalid`: the message catalogues cannot be used; one line per bad file and key. */
export class CatalogueError extends AppError {
  constructor(readonly problems: string[]) {
    super('i18n.catalogue_invalid', `message catalogues: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n  ${problems.join('\n  ')}`);
  }
}

/** The folders under `dir` that are language tags, with their canonical spelling. */
function languageFolders(dir: string, problems: string[]): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (!statSync(full).isDirectory()) continue;
    let tag: string | undefined;
    try {
      tag = Intl.getCanonicalLocales(name)[0];
    } catch {
      problems.push(`${full}: folder name "${name}" is not a language tag (e.g. de, es, pt-BR)`);
      continue;
    }
    if (tag) out.set(tag, full);
  }
  return out;
}

/** Flattens a namespace file into `key -> message`, reporting anything that is not text. */
function flatten(file: string, value: unknown, prefix: string, into: Map<string, string>, problems: string[]): void {
  if (typeof value === 'string') {
    into.set(prefix, value);
  } else if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(file, v, prefix ? `${prefix}.${k}` : k, into, problems);
  } else {
    problems.push(`${file}: key "${prefix}": a message must be text`);
  }
}

/** `lang -> "ns:key" -> { message, file }`, later folders overriding earlier ones key by key. */
function readAll(dirs: readonly string[], problems: string[]): Map<string, Map<string, { message: string; file: string }>> {
  const langs = new Map<string, Map<string, { message: string; file: string }>>();
  for (const dir of dirs) {
    for (const [lang, folder] of languageFolders(dir, problems)) {
      const messages = langs.get(lang) ?? new Map<string, { message: string; file: string }>();
      langs.set(lang, messages);
      for (const entry of readdirSync(folder).filter((f) => f.endsWith('.json')).sort()) {
        const file = join(folder, entry);
        const ns = entry.slice(0, -'.json'.length);
        let parsed: unknown;
        try {
          parsed = JSON.parse(readFileSync(file, 'utf8'));
        } catch (err) {
          problems.push(`${file}: not valid JSON (${(err as Error).message})`);
          continue;
        }
        const flat = new Map<string, string>();
        flatten(file, parsed, '', flat, problems);
        for (const [key, message] of flat) messages.set(`${ns}:${key}`, { message, file });
      }
    }
  }
  return langs;
}

/**
 * Reads, checks and compiles the catalogues of `dirs` (shipped first, then a theme's `locales/`).
 * @throws CatalogueError listing every problem (file and key)
 */
export function loadCatalogues(dirs: readonly string[]): Catalogues {
  const problems: string[] = [];
  const raw = readAll(dirs, problems);
  const en = raw.get(DEFAULT_LOCALE);
  if (!en || en.size === 0) problems.push(`${dirs.join(', ')}: no "${DEFAULT_LOCALE}" catalogue (${DEFAULT_LOCALE}/<namespace>.json) found`);
  const compiled = new Map<string, Map<string, IntlMessageFormat>>();
  const enArgs = new Map<string, Set<string>>();
  const languages = [...raw.keys()].sort((a, b) => (a === DEFAULT_LOCALE ? -1 : b === DEFAULT_LOCALE ? 1 : a.localeCompare(b)));
  for (const lang of languages) {
    compiled.set(lang, new Map());
    const parse = messageParser(lang);
    for (const [key, { message, file }] of raw.get(lang)!) {
      let args: Set<string>;
      try {
        args = argumentNames(parse(message));
      } catch (err) {
        problems.push(`${file}: key "${key.slice(key.indexOf(':') + 1)}": not a valid ICU message (${(err as Error).message})`);
        continue;
      }
      if (lang === DEFAULT_LOCALE) {
        enArgs.set(key, args);
        continue;
      }
      const reference = en?.get(key);
      if (!reference) {
        problems.push(`${file}: key "${key.slice(key.indexOf(':') + 1)}" is not in the ${DEFAULT_LOCALE} catalogue`);
        continue;
      }
      const known = enArgs.get(key) ?? argumentNames(messageParser(DEFAULT_LOCALE)(reference.message));
      const unknown = [...args].filter((a) => !known.has(a));
      if (unknown.length) problems.push(`${file}: key "${key.slice(key.indexOf(':') + 1)}" uses {${unknown.join('}, {')}} which the ${DEFAULT_LOCALE} message does not`);
    }
    if (lang === DEFAULT_LOCALE || !en) continue;
    for (const [key, { file }] of en) {
      if (!raw.get(lang)!.has(key)) {
        const ns = key.slice(0, key.indexOf(':'));
        problems.push(`${join(file, '..', '..', lang, `${ns}.json`)}: key "${key.slice(ns.length + 1)}" is missing (${DEFAULT_LOCALE} has it)`);
      }
    }
  }
  if (problems.length) throw new CatalogueError(problems);
  // Only the texts stay: `raw` also names each message's file, which nothing needs after the checks.
  const texts = new Map([...raw].map(([lang, messages]) => [lang, new Map([...messages].map(([key, m]) => [key, m.message]))]));
  const english = texts.get(DEFAULT_LOCALE)!;
  /** The compiled message, built on first use (it parsed above, so it compiles). */
  const format = (lang: string, key: string): IntlMessageFormat | undefined => {
    const message = texts.get(lang)?.get(key);
    if (message === undefined) return undefined;
    const cache = compiled.get(lang)!;
    let mf = cache.get(key);
    if (!mf) cache.set(key, (mf = new IntlMessageFormat(message, lang)));
    return mf;
  };
  const negotiator = createNegotiator(languages, DEFAULT_LOCALE);
  return {
    languages,
    supported: negotiator.supported,
    negotiate: negotiator.negotiate,
    hasKey: (key) => english.has(key),
    t(locale, key, values) {
      const mf = format(locale, key) ?? format(DEFAULT_LOCALE, key);
      if (!mf) return key;
      try {
        return String(mf.format(values));
      } catch {
        // A value the message needs was not passed: the key shows where, instead of failing the whole page.
        return key;
      }
    },
  };
}

/**
 * The parse `new IntlMessageFormat(message, lang)` runs: the same parser, given the locale it resolves (the
 * locale only changes how date skeletons read), so a message accepted here is one the constructor accepts.
 */
function messageParser(lang: string): (message: string) => ReturnType<IntlMessageFormat['getAst']> {
  const parse = IntlMessageFormat.__parse;
  if (!parse) throw new Error('intl-messageformat has no parser');
  const locale = IntlMessageFormat.resolveLocale(lang);
  return (message) => parse(message, { locale });
}
