/**
 * HTTP routes of the exports (mounted at `/partner-center`, behind requirePartner):
 *   GET /exports/<name>.csv          CSV download
 *   GET /api/reports/<name>          JSON page (`limit`, `cursor`)
 *   GET /admin/exports/masspay.csv   PayPal MassPay file (administrators)
 *   GET /admin/exports/masspay-skipped.csv   partners left out of it (no usable PayPal email)
 * Query: `from`, `to` (YYYY-MM-DD, the partner's time zone), `status` and `product` (commissions), `by` (report),
 * `summary` (payments), `bom` (CSV). The partner id comes from the session only; ids in the query are ignored.
 */
import { pipeline } from 'node:stream';
import { Router, type Request, type Response } from 'express';
import { IANAZone } from 'luxon';
import { AppError, decimalToCents, invalidField, parseDateRange, parseUrlId } from '../common/index.js';
import { partnerIdOf, requireAdmin } from '../auth/index.js';
import type { GatewayDeps } from '../deps.js';
import { COMMISSION_STATUSES, type CommissionStatus } from '../store/index.js';
import { exportFileName, MAX_PAGE_SIZE, openCsvExport, REPORT_NAMES, reportPage, type ReportName, type ReportRequest } from './export.service.js';
import { massPayExport, massPaySkippedExport, recordMassPayExport } from './masspay.js';

const STATUSES: readonly CommissionStatus[] = COMMISSION_STATUSES;
const GROUPINGS = ['date', 'promo', 'subid'] as const;

function one(req: Request, name: string): string | undefined {
  const v = (req.query as Record<string, unknown>)[name];
  const s = Array.isArray(v) ? v[v.length - 1] : v;
  return typeof s === 'string' && s.trim() !== '' ? s.trim() : undefined;
}

function flag(req: Request, name: string): boolean {
  const v = one(req, name);
  if (v === undefined || v === '0' || v === 'false') return false;
  if (v === '1' || v === 'true') return true;
  throw invalidField(name, 'must be 1 or 0');
}

function reportName(raw: string): ReportName {
  if ((REPORT_NAMES as readonly string[]).includes(raw)) return raw as ReportName;
  throw new AppError('request.unknown_report', `report: there is no report named "${raw.slice(0, 40)}"; reports: ${REPORT_NAMES.join(', ')}`, { field: 'report' });
}

function parseReportRequest(deps: GatewayDeps, req: Request, name: string): ReportRequest {
  const report = reportName(name);
  const partnerId = partnerIdOf(req);
  // The partner's zone and currency as the session lookup read them for this request (no query of its own).
  const partner = req.ctx.session?.partner;
  if (!partner) throw new AppError('not_found', 'Your partner record is not available yet. Please try again later.');
  const zone = partner.time_zone && IANAZone.isValidZone(partner.time_zone) ? partner.time_zone : deps.config.defaultTimeZone;
  const range = parseDateRange({ from: one(req, 'from'), to: one(req, 'to') }, zone, { maxDays: deps.config.exportMaxRangeDays, now: deps.now() });
  const statusText = one(req, 'status');
  const statuses = statusText?.split(',').map((s) => s.trim());
  if (statuses && report !== 'commissions') throw invalidField('status', 'only the commissions report filters on status');
  for (const s of statuses ?? []) if (!STATUSES.includes(s as CommissionStatus)) throw invalidField('status', `must be one of ${STATUSES.join(', ')}`);
  const productText = one(req, 'product');
  if (productText !== undefined && report !== 'commissions') throw invalidField('product', 'only the commissions report filters on product');
  // Only narrows the partner's own rows (the partner id still comes from the session).
  const productId = productText === undefined ? undefined : parseUrlId(productText);
  if (productText !== undefined && productId === undefined) throw invalidField('product', 'must be a product id (a whole number)');
  const by = one(req, 'by');
  if (by !== undefined && (report !== 'report' || !(GROUPINGS as readonly string[]).includes(by))) {
    throw invalidField('by', report === 'report' ? `must be one of ${GROUPINGS.join(', ')}` : 'only the affiliate report is grouped');
  }
  return {
    report,
    partnerId,
    range,
    currency: partner.currency,
    options: { statuses: statuses as CommissionStatus[] | undefined, productId, by: by as ReportRequest['options']['by'], summary: flag(req, 'summary'), bom: flag(req, 'bom'), maskEmails: deps.config.maskCustomerEmails },
  };
}

function csvHeaders(res: Response, fileName: string): void {
  res.status(200);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${fileName}"`);
  res.setHeader('Cache-Control', 'private, no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
}

/**
 * A download whose client reads nothing for `idleMs` (`clientIdleTimeoutMs`) is dropped: it holds an export slot
 * and, on PostgreSQL, a backend blocked mid-COPY, which does not answer the server's barriers (a DROP DATABASE
 * anywhere on that server waits for it). The server's own idle timeout is raised to cover the waits for WordPress
 * and for an export slot (server.ts); once the download streams, those waits are over and the plain idle time
 * applies.
 */
function dropWhenStalled(res: Response, idleMs: number): void {
  res.setTimeout(idleMs, () => res.destroy());
}

/** Pipes a started export into the response; a failure after the first byte destroys the socket. */
function sendBody(req: Request, res: Response, body: NodeJS.ReadableStream, what: string, idleMs: number): void {
  dropWhenStalled(res, idleMs);
  pipeline(body, res, (err) => {
    if (!err) return;
    // The socket is already destroyed by pipeline: the client sees an incomplete chunked body, not a file.
    if ((err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') req.ctx.log.info({ what }, 'export: client went away');
    else req.ctx.log.error({ err, what }, 'export failed mid-stream');
  });
}

/** Before the first byte, an error page replaces the download: drop the download headers again. */
const notADownload = (res: Response) => (err: unknown) => {
  if (!res.headersSent) for (const h of ['Content-Disposition', 'Content-Type']) res.removeHeader(h);
  throw err;
};

export function createReportsRouter(deps: GatewayDeps): Router {
  const router = Router();

  router.get('/exports/:file', async (req, res) => {
    const file = String(req.params.file);
    if (!file.endsWith('.csv')) throw new AppError('request.unknown_report', 'report: exports are named <report>.csv', { field: 'report' });
    const request = parseReportRequest(deps, req, file.slice(0, -4));
    if (req.method === 'HEAD') {
      csvHeaders(res, exportFileName(request));
      res.end();
      return;
    }
    // Queued behind busy export slots for a while rather than refused; a client that leaves stops waiting.
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    const { body } = await openCsvExport(deps.store, deps.exportSlots, request, { queueMs: deps.config.exportQueueSeconds * 1000, signal: gone.signal });
    csvHeaders(res, exportFileName(request));
    sendBody(req, res, body, request.report, deps.config.clientIdleTimeoutMs);
  });

  router.get('/api/reports/:name', async (req, res) => {
    const request = parseReportRequest(deps, req, String(req.params.name));
    const limitText = one(req, 'limit');
    const limit = limitText === undefined ? 100 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw invalidField('limit', `must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
    const page = await reportPage(deps.store, deps.exportSlots, request, { cursor: one(req, 'cursor'), limit });
    res.setHeader('Cache-Control', 'private, no-store');
    res.json({
      report: request.report,
      ...(request.report === 'report' ? { by: request.options.by ?? 'date' } : {}),
      from: request.range.from,
      to: request.range.to,
      timeZone: request.range.timeZone,
      ...page,
    });
  });

  return router;
}

/**
 * Admin exports under `/partner-center/admin` (mounted by the app ahead of the partner guard, behind
 * `requireAdmin`): an administrator needs no partner of their own to download the payout file.
 */
export function createAdminReportsRouter(deps: GatewayDeps): Router {
  const router = Router();
  router.use(requireAdmin());

  const massPayInput = (req: Request) => {
    const currency = (one(req, 'currency') ?? deps.config.defaultCurrency).toUpperCase();
    if (!/^[A-Z]{3}$/.test(currency)) throw invalidField('currency', 'must be an ISO 4217 code such as USD');
    const thresholdText = one(req, 'threshold') ?? '0';
    const threshold = decimalToCents(thresholdText);
    if (threshold === null || threshold < 0) throw invalidField('threshold', 'must be an amount such as 50.00');
    return { threshold, currency };
  };
  const today = () => new Date(deps.now()).toISOString().slice(0, 10);

  router.get('/exports/masspay.csv', async (req, res) => {
    const input = massPayInput(req);
    await recordMassPayExport(deps.store.db, { accountId: req.ctx.session!.account_id, at: deps.now(), requestId: req.ctx.id, ...input });
    csvHeaders(res, `partnergate-masspay-${input.currency}-${today()}.csv`);
    dropWhenStalled(res, deps.config.clientIdleTimeoutMs);
    // Errors after the first byte destroy the response (pipeline); before it, they reach the error handler.
    await massPayExport(deps.store.db, input, res, { accountId: req.ctx.session!.account_id, requestId: req.ctx.id, now: deps.now() }).catch(notADownload(res));
  });

  router.get('/exports/masspay-skipped.csv', async (req, res) => {
    const input = massPayInput(req);
    csvHeaders(res, `partnergate-masspay-skipped-${input.currency}-${today()}.csv`);
    await massPaySkippedExport(deps.store.db, input, res).catch(notADownload(res));
  });

  return router;
}
