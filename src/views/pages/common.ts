/**
 * What every partner center page shares: the layout model (title, nav with the current item, partner name,
 * CSRF token, signed-in flag, flash), rendering with a status, pager and export links, and the per-request
 * partner profile (loaded once by the router, from the session's partner id only).
 */
import type { Request, RequestHandler, Response } from 'express';
import type { GatewayDeps } from '../../deps.js';
import { partnerIdOf } from '../../auth/index.js';
import { enabledNavItems, NAV_ITEMS, navLabel, partnerProfileOf, type PartnerCenterPage, type PartnerProfile, type Paged } from '../../partners/index.js';
import type { DateRange } from '../../common/index.js';
import { t } from '../../i18n/index.js';
import type { ReportName } from '../../reports/index.js';
import { pageOfPath } from '../page-gate.js';
import { PageInput, queryString, type Problem } from './input.js';

export type NavKey = PartnerCenterPage;

export interface Flash {
  kind: 'ok' | 'error';
  message: string;
}

export interface LayoutModel {
  title: string;
  signedIn: true;
  partnerName: string;
  csrfToken: string | undefined;
  nav: Array<{ href: string; label: string; current: boolean }>;
  flash?: Flash;
  /** Every problem with the request, listed at the top of the page. */
  problems: Problem[];
  /** The first problem per field, for messages next to form fields. */
  fieldErrors: Record<string, string>;
  /** The partner's zone, for the `date` / `datetime` helpers (`@root.tz`). */
  tz: string;
  currency: string;
  /** The request's language (`<html lang>`, the `t`, `date` and `money` helpers: `@root.locale`). */
  locale: string;
}

/** The one helper that builds the layout part of every page's view model. */
export function layoutModel(req: Request, partner: PartnerProfile, opts: { title: string; current: NavKey; problems?: Problem[]; notice?: string }): LayoutModel {
  const problems = opts.problems ?? [];
  // Set by the page gate (src/views/page-gate.ts): the pages the partner center configuration turns on.
  const enabled = req.res?.locals.enabledPages as ReadonlySet<PartnerCenterPage> | undefined;
  const flash: Flash | undefined = problems.length
    ? { kind: 'error', message: problems.length === 1 ? problems[0]!.message : t(req.ctx.locale, 'layout:problems', { count: problems.length, messages: problems.map((p) => p.message).join(' ') }) }
    : opts.notice
      ? { kind: 'ok', message: opts.notice }
      : undefined;
  return {
    title: opts.title,
    signedIn: true,
    partnerName: partner.displayName,
    csrfToken: req.ctx.csrfToken,
    nav: enabledNavItems(enabled, NAV_ITEMS).map((i) => ({ href: i.href, label: navLabel(i, req.ctx.locale), current: i.key === opts.current })),
    flash,
    problems,
    fieldErrors: Object.fromEntries([...problems].reverse().map((p) => [p.field, p.message])),
    tz: partner.timeZone,
    currency: partner.currency,
    locale: req.ctx.locale,
  };
}

export function render(res: Response, deps: GatewayDeps, template: string, model: object, status = 200): void {
  res.status(status).type('html').send(deps.views.page(template, withoutSwitchedOffExports(res, model as Record<string, unknown>)));
}

/** Export links of pages switched off would answer 404 (src/views/page-gate.ts): pages that stay on do not offer them. */
function withoutSwitchedOffExports(res: Response, model: Record<string, unknown>): Record<string, unknown> {
  const enabled = res.locals.enabledPages as ReadonlySet<PartnerCenterPage> | undefined;
  if (!enabled || !Array.isArray(model.exports)) return model;
  const links = model.exports as Array<{ href: string }>;
  const kept = links.filter((l) => {
    const page = pageOfPath(l.href.replace(/^\/partner-center/, '').split('?')[0]!);
    return page === undefined || enabled.has(page);
  });
  return kept.length === links.length ? model : { ...model, exports: kept };
}

/** The partner of this request (loaded by {@link loadPartner}). */
export function partnerOf(res: Response): PartnerProfile {
  return res.locals.partner as PartnerProfile;
}

/**
 * Puts the signed-in partner's profile on the request, from the rows the session lookup already read (the
 * partner, its contact and program): a partner-center page costs no query for who is asking.
 */
export function loadPartner(deps: GatewayDeps): RequestHandler {
  return (req, res, next) => {
    try {
      partnerIdOf(req); // 'auth.required' without a signed-in partner
      res.locals.partner = partnerProfileOf(req.ctx.session!, deps.config.defaultTimeZone);
      next();
    } catch (err) {
      next(err);
    }
  };
}

export function pageInput(req: Request, res: Response, deps: GatewayDeps): PageInput {
  return new PageInput(req.query as Record<string, unknown>, partnerOf(res).timeZone, deps.now(), deps.config.exportMaxRangeDays, req.ctx.locale);
}

export interface PagerModel {
  page: number;
  prevHref?: string;
  nextHref?: string;
}

/** Previous / next links keeping the page's other parameters. */
export function pager(path: string, params: Record<string, string | number | undefined>, paged: Pick<Paged<unknown>, 'page' | 'hasPrev' | 'hasNext'>): PagerModel {
  return {
    page: paged.page,
    prevHref: paged.hasPrev ? `${path}${queryString({ ...params, page: paged.page - 1 === 1 ? undefined : paged.page - 1 })}` : undefined,
    nextHref: paged.hasNext ? `${path}${queryString({ ...params, page: paged.page + 1 })}` : undefined,
  };
}

/** The exports a page links to: the report names of src/reports. */
export type ExportName = ReportName;

/** Links to the CSV exports (`/partner-center/exports/<name>.csv?from=&to=`) for a range; labelled by the exports partial. */
export function exportLinks(names: ExportName[], range: DateRange, filters: { status?: string; product?: number } = {}): Array<{ href: string; name: ExportName }> {
  return names.map((name) => ({ href: `/partner-center/exports/${name}.csv${queryString({ from: range.from, to: range.to, ...filters })}`, name }));
}

/** A list past its end is reported like a huge page number: the first page is shown instead. */
export function pastEndProblem(page: number, locale = 'en'): Problem {
  return { field: 'page', message: t(locale, 'common:input.pastEnd', { page }) };
}

export function rangeForm(action: string, range: DateRange | undefined, input: PageInput, hidden: Record<string, string | undefined> = {}) {
  return {
    action,
    from: range?.from ?? '',
    to: range?.to ?? '',
    hidden: Object.entries(hidden).filter(([, v]) => v !== undefined && v !== '').map(([name, value]) => ({ name, value })),
    fromError: input.fieldErrors.from,
    toError: input.fieldErrors.to,
    allDates: range === undefined,
  };
}
