/**
 * Routes of leaderboards (`/leaderboard`, `/leaderboard/:slug`), launch contests (`/contests/:slug`) and
 * block-composed pages (`/p/:slug`), under `/partner-center` behind requirePartner. The partner id comes from
 * the session only; the configuration decides everything else.
 */
import { Router, type Request, type Response } from 'express';
import { AppError, formatLocal } from '../common/index.js';
import { t } from '../i18n/index.js';
import { partnerIdOf } from '../auth/guards.js';
import type { GatewayDeps } from '../deps.js';
import { enabledNavItems, NAV_ITEMS, navLabel } from '../partners/index.js';
import { dayStartMs } from './compile.js';
import type { BlockView } from './pages.js';
import { pageView } from './pages.js';
import type { BlocksConfig, BoardDef, ContestDef } from './model.js';
import { rankingView, type BlocksDeps, type RankingView } from './rankings.js';
import { productName, type ViewerRow } from './rankings.repo.js';

/**
 * The partner center's menu (src/partners/nav.ts) with the configured leaderboards, contests and pages before Settings,
 * built once per configuration; `key` marks the items the partner center configuration can switch off.
 */
function blocksMenu(config: BlocksConfig): Array<{ href: string; label: string; key?: string }> {
  const extra = [
    ...[...config.leaderboards.values()].filter((b) => b.nav && b.slug !== 'default').map((b) => ({ href: `/partner-center/leaderboard/${b.slug}`, label: b.title })),
    ...[...config.contests.values()].filter((c) => c.nav).map((c) => ({ href: `/partner-center/contests/${c.slug}`, label: c.title })),
    ...[...config.pages.values()].filter((p) => p.nav).map((p) => ({ href: `/partner-center/p/${p.slug}`, label: p.title })),
  ];
  const items = NAV_ITEMS.filter((i) => i.key !== 'leaderboard' || config.leaderboards.has('default'));
  return [...items.filter((i) => i.key !== 'settings'), ...extra, ...items.filter((i) => i.key === 'settings')];
}

/**
 * The signed-in partner as rankings need it, from the rows the session lookup already read (no query; without
 * them, `rankingView` and `pageView` read the partner themselves).
 */
function viewerOf(req: Request): ViewerRow | undefined {
  const p = req.ctx.session?.partner;
  if (!p) return undefined;
  return { partner_id: p.id, program_id: p.program_id, program_name: p.program_name, tier_group: p.tier_group, alias: p.alias, first_name: p.first_name, currency: p.currency, time_zone: p.time_zone };
}

export function createRoutes(deps: GatewayDeps, config: BlocksConfig, bdeps: BlocksDeps): Router {
  const router = Router();
  const menu = blocksMenu(config);

  const send = (req: Request, res: Response, viewer: ViewerRow | undefined, template: string, title: string, model: Record<string, unknown>) => {
    const enabled = res.locals.enabledPages as ReadonlySet<string> | undefined;
    const path = req.originalUrl.split('?')[0];
    const layout = {
      title,
      signedIn: true,
      partnerName: viewer?.first_name ?? '',
      csrfToken: req.ctx.csrfToken,
      locale: req.ctx.locale,
      // The pages the partner center configuration turns on (set by the page gate, src/views/page-gate.ts).
      nav: enabledNavItems(enabled, menu).map((i) => ({ href: i.href, label: navLabel(i, req.ctx.locale), current: i.href === path })),
    };
    res.type('html').send(deps.views.page(template, { ...layout, ...model }));
  };

  const rankingHtml = (locale: string, view: RankingView, extra: { title?: string; empty?: string; columns?: string[] }) =>
    deps.views.render('blocks/ranking', {
      locale,
      ...view,
      ...extra,
      showRank: (extra.columns ?? ['rank']).includes('rank'),
      showName: (extra.columns ?? ['display_name']).includes('display_name'),
      showValue: (extra.columns ?? ['value']).includes('value'),
      hasRows: view.rows.length > 0 || Boolean(view.viewer),
    });

  const board = async (req: Request, res: Response, def: BoardDef | ContestDef | undefined, what: string) => {
    if (!def) throw new AppError('not_found', `There is no ${what} at this address.`);
    const viewer = viewerOf(req);
    const view = await rankingView(bdeps, def, partnerIdOf(req), viewer);
    let contest: Record<string, unknown> | undefined;
    if ('startDate' in def) {
      const tz = viewer?.time_zone ?? bdeps.timeZone;
      contest = {
        productName: (await productName(bdeps.db, def.product)) ?? t(req.ctx.locale, 'blocks:theProduct'),
        start: formatLocal(dayStartMs(def.startDate, bdeps.timeZone), tz, false, req.ctx.locale),
        end: def.endDate ? formatLocal(dayStartMs(def.endDate, bdeps.timeZone), tz, false, req.ctx.locale) : undefined,
      };
    }
    send(req, res, viewer, 'blocks/leaderboard', def.title, {
      heading: def.title,
      intro: def.intro,
      contest,
      rankingHtml: rankingHtml(req.ctx.locale, view, { empty: t(req.ctx.locale, contest ? 'blocks:firstSale' : 'blocks:noResults') }),
    });
  };

  router.get('/leaderboard', (req, res) => board(req, res, config.leaderboards.get('default'), 'leaderboard'));
  router.get('/leaderboard/:slug', (req, res) => board(req, res, config.leaderboards.get(req.params.slug), 'leaderboard'));
  router.get('/contests/:slug', (req, res) => board(req, res, config.contests.get(req.params.slug) as ContestDef | undefined, 'contest'));

  router.get('/p/:slug', async (req, res) => {
    const page = config.pages.get(req.params.slug);
    if (!page) throw new AppError('not_found', 'There is no page at this address.');
    const viewer = viewerOf(req);
    const view = await pageView(bdeps, page, partnerIdOf(req), viewer);
    const html = (b: BlockView) =>
      b.kind === 'ranking'
        ? rankingHtml(req.ctx.locale, b.view, { title: b.view.title, empty: b.view.empty, columns: b.view.columns })
        : deps.views.render(`blocks/${b.kind}`, { ...b.view, name: b.name, locale: req.ctx.locale });
    send(req, res, viewer, 'blocks/page', page.title, { heading: page.title, intro: page.intro, blocks: view.blocks.map((b) => ({ html: html(b) })) });
  });

  return router;
}
