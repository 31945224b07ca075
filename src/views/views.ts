/**
 * Handlebars views: every page and email is one template file under `templates/`, compiled once at start-up.
 * A business restyles the partner center by pointing PARTNERGATE_THEME_DIR at a folder whose files override
 * the shipped ones one by one (same relative path), without forking. HTML escaping is always on.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { formatLocal, formatMoney, type Brand, type Views } from '../common/index.js';

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

function registerHelpers(hbs: typeof Handlebars): void {
  hbs.registerHelper('money', (cents: unknown, currency: unknown) =>
    typeof cents === 'number' ? formatMoney(cents, typeof currency === 'string' ? currency : 'USD') : '',
  );
  hbs.registerHelper('date', (ms: unknown, tz: unknown) => (typeof ms === 'number' ? formatLocal(ms, typeof tz === 'string' ? tz : 'UTC') : ''));
  hbs.registerHelper('datetime', (ms: unknown, tz: unknown) => (typeof ms === 'number' ? formatLocal(ms, typeof tz === 'string' ? tz : 'UTC', true) : ''));
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('ne', (a: unknown, b: unknown) => a !== b);
  hbs.registerHelper('lt', (a: unknown, b: unknown) => (a as number) < (b as number));
  hbs.registerHelper('gt', (a: unknown, b: unknown) => (a as number) > (b as number));
  hbs.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
  hbs.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  hbs.registerHelper('not', (a: unknown) => !a);
  hbs.registerHelper('add', (a: unknown, b: unknown) => Number(a) + Number(b));
  hbs.registerHelper('json', (v: unknown) => JSON.stringify(v));
  hbs.registerHelper('percent', (v: unknown, digits: unknown) => (typeof v === 'number' ? `${(v * 100).toFixed(typeof digits === 'number' ? digits : 1)}%` : ''));
}

/**
 * Compiles every template (shipped, then theme overrides).
 * @param opts.themeDir optional folder whose templates replace shipped ones with the same relative name
 */
export function createViews(opts: { brand: Brand; themeDir?: string; templatesDir?: string }): Views {
  const hbs = Handlebars.create();
  registerHelpers(hbs);
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
  return {
    brand: opts.brand,
    has: (name) => compiled.has(name),
    render: (name, params) => get(name)({ brand: opts.brand, ...params }),
    page(name, params, layout = 'layouts/main') {
      const body = get(name)({ brand: opts.brand, ...params });
      return get(layout)({ brand: opts.brand, ...params, body });
    },
  };
}
