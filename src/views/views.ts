/**
 * Handlebars views: every page and email is one template file under `templates/`, compiled once at start-up.
 * A business restyles the partner center by pointing PARTNERGATE_THEME_DIR at a folder whose files override
 * the shipped ones one by one (same relative path), without forking. HTML escaping is always on.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { formatLocal, formatMoney, formatPercent, type Brand, type Views } from '../common/index.js';
import { catalogues as activeCatalogues, DEFAULT_LOCALE, type Catalogues, type MessageValues } from '../i18n/index.js';

export const shippedTemplatesDir = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../'.concat(import.meta.url.includes('/dist/') ? '../templates' : 'templates'));

function listTemplates(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const full = join(d, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (entry.endsWith('.hbs')) out.push(relative(dir, full).split(sep).join('/').replace(/\.hbs$/, ''));
    }
  };
  walk(dir);
  return out;
}

/** The reader's language: the `locale` of the model the page or email was rendered from (`@root.locale`). */
function localeOf(options: unknown): string {
  const root = (options as Handlebars.HelperOptions | undefined)?.data?.root as { locale?: unknown } | undefined;
  return typeof root?.locale === 'string' ? root.locale : DEFAULT_LOCALE;
}

function registerHelpers(hbs: typeof Handlebars, i18n: () => Catalogues): void {
  // `{{t "ns:key" count=n name=x}}`: the message in the reader's language, HTML-escaped like any `{{value}}`.
  // A value the model lacks (an email queued before a parameter existed) reads as empty, never as an error.
  hbs.registerHelper('t', (key: unknown, options: Handlebars.HelperOptions) => {
    const values: MessageValues = {};
    for (const [k, v] of Object.entries(options.hash as Record<string, unknown>)) values[k] = v === undefined || v === null ? '' : (v as MessageValues[string]);
    return i18n().t(localeOf(options), String(key), values);
  });
  // Helpers get handlebars' options object last; `tz` / `currency` are optional and may be that object.
  hbs.registerHelper('money', (cents: unknown, currency: unknown, options?: unknown) =>
    typeof cents === 'number' ? formatMoney(cents, typeof currency === 'string' ? currency : 'USD', localeOf(options ?? currency)) : '',
  );
  hbs.registerHelper('date', (ms: unknown, tz: unknown, options?: unknown) =>
    typeof ms === 'number' ? formatLocal(ms, typeof tz === 'string' ? tz : 'UTC', false, localeOf(options ?? tz)) : '',
  );
  hbs.registerHelper('datetime', (ms: unknown, tz: unknown, options?: unknown) =>
    typeof ms === 'number' ? formatLocal(ms, typeof tz === 'string' ? tz : 'UTC', true, localeOf(options ?? tz)) : '',
  );
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('ne', (a: unknown, b: unknown) => a !== b);
  hbs.registerHelper('lt', (a: unknown, b: unknown) => (a as number) < (b as number));
  hbs.registerHelper('gt', (a: unknown, b: unknown) => (a as number) > (b as number));
  hbs.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
  hbs.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  hbs.registerHelper('not', (a: unknown) => !a);
  hbs.registerHelper('add', (a: unknown, b: unknown) => Number(a) + Number(b));
  hbs.registerHelper('json', (v: unknown) => JSON.stringify(v));
  hbs.registerHelper('percent', (v: unknown, digits: unknown, options?: unknown) =>
    typeof v === 'number' ? formatPercent(v, typeof digits === 'number' ? digits : 1, localeOf(options ?? digits)) : '',
  );
}

/**
 * Compiles every template (shipped, then theme overrides). Every model may carry `locale` (default `en`): the
 * `t`, `date`, `datetime` and `money` helpers speak that language.
 * @param opts.themeDir optional folder whose templates replace shipped ones with the same relative name
 * @param opts.i18n the message catalogues (default: the process's, src/i18n `catalogues()`)
 */
export function createViews(opts: { brand: Brand; themeDir?: string; templatesDir?: string; i18n?: Catalogues }): Views {
  const hbs = Handlebars.create();
  const i18n = opts.i18n;
  registerHelpers(hbs, i18n ? () => i18n : activeCatalogues);
  const base = opts.templatesDir ?? shippedTemplatesDir;
  const sources = new Map<string, string>();
  for (const dir of [base, opts.themeDir].filter((d): d is string => Boolean(d))) {
    for (const name of listTemplates(dir)) sources.set(name, readFileSync(join(dir, `${name}.hbs`), 'utf8'));
  }
  const compiled = new Map<string, Handlebars.TemplateDelegate>();
  for (const [name, src] of sources) {
    if (name.startsWith('partials/')) hbs.registerPartial(name.slice('partials/'.length), src);
    else compiled.set(name, hbs.compile(src, { strict: false }));
  }
  const get = (name: string) => {
    const t = compiled.get(name);
    if (!t) throw new Error(`template not found: ${name}`);
    return t;
  };
  // Every model has a `locale` (`<html lang>`, the `t` helper): English when the caller gave none.
  const modelOf = (params: Record<string, unknown>) => ({ brand: opts.brand, ...params, locale: typeof params.locale === 'string' ? params.locale : DEFAULT_LOCALE });
  return {
    brand: opts.brand,
    has: (name) => compiled.has(name),
    render: (name, params) => get(name)(modelOf(params)),
    page(name, params, layout = 'layouts/main') {
      const model = modelOf(params);
      const body = get(name)(model);
      return get(layout)({ ...model, body });
    },
  };
}
