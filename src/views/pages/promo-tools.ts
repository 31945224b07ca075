/**
 * `/partner-center/promo-tools`: the partner's promo tools grouped by program and kind, searched with GET `q`,
 * `kind` and `program` (a plain form: works without JavaScript; a bad value is a 400 naming the field, with the
 * unfiltered tools still shown), lightbox previews and embed code, and QR codes of the referral link and the
 * partner's SubID links. `/promo-tools/qr.svg` and `/promo-tools/qr.png` draw those QR codes from the session's
 * partner and validated `sid` / `path` only.
 */
import type { Request, RequestHandler } from 'express';
import type { GatewayDeps } from '../../deps.js';
import { invalidField } from '../../common/index.js';
import { t } from '../../i18n/index.js';
import {
  EVERY_PROGRAM, LIGHTBOX_SCRIPT_PATH, PROMO_KINDS, PROMO_QUERY_MAX, QR_MAX_LINK, QR_PNG_WIDTH, parseSitePath, promoCatalog, qrCode, siteOrigin,
  subIdProblem, subIdStats, trackedLink, type PartnerProfile, type PromoFilter, type PromoKind, type QrFormat,
} from '../../partners/index.js';
import { layoutModel, pageInput, partnerOf, render } from './common.js';
import { queryString, type PageInput } from './input.js';

/** SubIDs offered a QR code on the page: the partner's most used ones. */
const QR_SUB_IDS = 20;

function readFilter(input: PageInput, partner: PartnerProfile, locale: string): PromoFilter {
  const filter: PromoFilter = {};
  const q = input.text('q', PROMO_QUERY_MAX + 1);
  if (q !== undefined && q.length > PROMO_QUERY_MAX) input.problem('q', t(locale, 'promo:problem.q', { max: PROMO_QUERY_MAX }));
  else if (q !== undefined) filter.q = q;
  const kind = input.text('kind', 100);
  if (kind !== undefined) {
    if ((PROMO_KINDS as readonly string[]).includes(kind)) filter.kind = kind as PromoKind;
    else input.problem('kind', t(locale, 'promo:problem.kind', { value: kind.slice(0, 40), allowed: PROMO_KINDS.join(', ') }));
  }
  const program = input.text('program', 100);
  if (program !== undefined) {
    if (program === EVERY_PROGRAM) filter.program = EVERY_PROGRAM;
    else if (program === String(partner.programId)) filter.program = partner.programId;
    else input.problem('program', t(locale, 'promo:problem.program', { value: program.slice(0, 40), allowed: `${partner.programId}, ${EVERY_PROGRAM}` }));
  }
  return input.problems.length ? {} : filter;
}

/**
 * Where the QR code of a link the partner center built can be downloaded (SVG and PNG); undefined when the link
 * is too long for one. `path` and `sid` are the values the link was built from (already validated).
 */
export function qrDownloads(link: string, from: { path?: string; sid?: string } = {}): { svg: string; png: string } | undefined {
  if (link.length > QR_MAX_LINK) return undefined;
  const q = queryString({ path: from.path === '/' ? undefined : from.path, sid: from.sid });
  return { svg: `/partner-center/promo-tools/qr.svg${q}`, png: `/partner-center/promo-tools/qr.png${q}` };
}

function qrItem(id: string, label: string, link: string, sid?: string) {
  return { id, label, link, ...qrDownloads(link, { sid }) };
}

export function promoToolsPage(deps: GatewayDeps): RequestHandler {
  return async (req, res) => {
    const partner = partnerOf(res);
    const input = pageInput(req, res, deps);
    const origin = siteOrigin(deps.config.publicUrl);
    const locale = req.ctx.locale;
    const filter = readFilter(input, partner, locale);
    const sidText = input.text('sid', 200);
    const sidProblem = sidText === undefined ? undefined : subIdProblem(sidText);
    if (sidProblem) input.problem('sid', t(locale, 'promo:problem.sid'));
    const kindLabel = (kind: PromoKind) => t(locale, `promo:kind.${kind}`);
    const [catalog, subIds] = await Promise.all([
      promoCatalog(deps.store.db, { programId: partner.programId, origin, referralCode: partner.referralCode, filter }),
      subIdStats(deps.store.db, partner.id, input.defaultRange(30)),
    ]);
    const sids = subIds.slice(0, QR_SUB_IDS).map((s) => s.subId);
    if (sidText !== undefined && !sidProblem && !sids.includes(sidText)) sids.unshift(sidText);
    const filtered = Boolean(filter.q || filter.kind || filter.program);
    render(
      res,
      deps,
      'pages/promo-tools',
      {
        ...layoutModel(req, partner, { title: t(locale, 'promo:title'), current: 'promo-tools', problems: input.problems }),
        groups: catalog.groups.map((g) => ({
          id: g.programId === null ? EVERY_PROGRAM : String(g.programId),
          title: g.programId === null ? t(locale, 'promo:group.every') : t(locale, 'promo:group.own', { program: partner.programName }),
          kinds: g.kinds.map((k) => ({ ...k, label: kindLabel(k.kind) })),
        })),
        any: catalog.total > 0,
        shown: catalog.shown,
        filtered,
        hasLightbox: catalog.groups.some((g) => g.kinds.some((k) => k.kind === 'lightbox')),
        lightboxScript: LIGHTBOX_SCRIPT_PATH,
        search: {
          q: input.text('q', PROMO_QUERY_MAX + 1) ?? '',
          kinds: PROMO_KINDS.map((k) => ({ value: k, label: kindLabel(k), selected: filter.kind === k })),
          programs: [
            { value: String(partner.programId), label: partner.programName, selected: filter.program === partner.programId },
            { value: EVERY_PROGRAM, label: t(locale, 'promo:search.everyProgram'), selected: filter.program === EVERY_PROGRAM },
          ],
        },
        qr: {
          items: [
            qrItem('qr-referral', t(locale, 'promo:qr.referral'), trackedLink(origin, '/', partner.referralCode)),
            ...sids.map((sid) => qrItem(`qr-sid-${sid}`, t(locale, 'promo:qr.subId', { sid }), trackedLink(origin, '/', partner.referralCode, { subId: sid }), sid)),
          ],
          sid: sidText ?? '',
        },
      },
      input.status,
    );
  };
}

function queryText(req: Request, name: string): string | undefined {
  const v = req.query[name];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' && s.trim() !== '' ? s.trim() : undefined;
}

/** The link a QR code request asks for: the partner's own, with a validated SubID and page of the site. */
function qrLink(req: Request, partner: PartnerProfile, origin: string): { link: string; sid?: string } {
  const sid = queryText(req, 'sid');
  const sidProblem = sid === undefined ? undefined : subIdProblem(sid.slice(0, 200));
  if (sidProblem) throw invalidField('sid', sidProblem);
  const pathText = queryText(req, 'path');
  let path = '/';
  if (pathText !== undefined) {
    const parsed = parseSitePath(pathText, origin);
    if (!parsed.ok) throw invalidField('path', parsed.problem);
    path = parsed.path;
  }
  const link = trackedLink(origin, path, partner.referralCode, { subId: sid });
  if (link.length > QR_MAX_LINK) throw invalidField('path', `makes a link longer than ${QR_MAX_LINK} characters, too long for a QR code`);
  return { link, sid };
}

function pngWidth(req: Request): number {
  const text = queryText(req, 'width');
  if (text === undefined) return QR_PNG_WIDTH.default;
  const n = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(n >= QR_PNG_WIDTH.min && n <= QR_PNG_WIDTH.max)) throw invalidField('width', `use a whole number of pixels from ${QR_PNG_WIDTH.min} to ${QR_PNG_WIDTH.max}`);
  return n;
}

/**
 * GET `/promo-tools/qr.svg|png?sid=&path=&width=`: the QR code of the signed-in partner's link. The image is
 * the partner's own (private) but only changes with their referral code, so the browser may keep it an hour.
 */
export function promoQrRoute(deps: GatewayDeps, format: QrFormat): RequestHandler {
  return async (req, res) => {
    const partner = partnerOf(res);
    const { link, sid } = qrLink(req, partner, siteOrigin(deps.config.publicUrl));
    const name = `qr-${partner.referralCode.replace(/[^A-Za-z0-9_-]/g, '')}${sid ? `-${sid}` : ''}.${format}`;
    const body = format === 'svg' ? await qrCode(link, 'svg') : await qrCode(link, 'png', pngWidth(req));
    res.setHeader('Cache-Control', 'private, max-age=3600');
    res.setHeader('Vary', 'Cookie');
    res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
    res.type(format === 'svg' ? 'image/svg+xml' : 'image/png').send(body);
  };
}
