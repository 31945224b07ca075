/**
 * `/audit`: the audit log, newest first, filtered by action (exact, or a prefix such as `admin.`), actor email,
 * partner id and UTC dates; `/audit.csv` streams the same selection as CSV (csv-stringify, every text cell
 * through the formula guard, like the other exports). Exporting is itself audited.
 */
import { pipeline, Readable } from 'node:stream';
import { Router, type Request } from 'express';
import { invalidField } from '../common/index.js';
import type { GatewayDeps } from '../deps.js';
import { csvStringifier, neutraliseFormula } from '../reports/index.js';
import { knownActions, listAudit, streamAudit, type AuditFilter, type AuditRow } from '../accounts/index.js';
import { ADMIN_BASE, auditAdmin, pageNumber, positiveInt, queryField, render } from './http.js';

const PAGE_SIZE = 50;
const DAY_MS = 86_400_000;
const CSV_COLUMNS = ['id', 'at_utc', 'action', 'actor', 'partner_id', 'details', 'ip', 'request_id'];

function utcDay(req: Request, name: string): number | undefined {
  const v = queryField(req, name, 10);
  if (v === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(v) ? Date.parse(`${v}T00:00:00Z`) : NaN;
  if (Number.isNaN(ms)) throw invalidField(name, 'must be a date YYYY-MM-DD (UTC)');
  return ms;
}

/** The filters as given (for the form and links) and as the repository takes them. */
function parseFilter(req: Request): { filter: AuditFilter; form: Record<string, string | undefined> } {
  const action = queryField(req, 'action', 100);
  if (action !== undefined && !/^[a-z0-9_.]+$/.test(action)) throw invalidField('action', 'must be an action such as admin.view_as_started, or a prefix such as admin.');
  const actor = queryField(req, 'actor', 254)?.toLowerCase();
  const partnerText = queryField(req, 'partner', 12);
  const from = utcDay(req, 'from');
  const to = utcDay(req, 'to');
  if (from !== undefined && to !== undefined && to < from) throw invalidField('to', 'must not be before from');
  return {
    filter: { action, actorEmail: actor, partnerId: partnerText === undefined ? undefined : positiveInt(partnerText, 'partner'), fromMs: from, toMs: to === undefined ? undefined : to + DAY_MS },
    form: { action, actor, partner: partnerText, from: queryField(req, 'from'), to: queryField(req, 'to') },
  };
}

const query = (form: Record<string, string | undefined>, extra: Record<string, string> = {}) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...form, ...extra })) if (v) p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
};

function csvCells(r: AuditRow): string[] {
  const text = (v: string | null) => (v === null ? '' : neutraliseFormula(v));
  return [String(r.id), new Date(r.at).toISOString(), text(r.action), text(r.actor_email ?? (r.actor_account_id === null ? '' : `account ${r.actor_account_id}`)), r.partner_id === null ? '' : String(r.partner_id), text(r.details_json), text(r.ip), text(r.request_id)];
}

export function auditRoutes(deps: GatewayDeps): Router {
  const router = Router();
  const { db } = deps.store;

  router.get('/audit', async (req, res) => {
    const { filter, form } = parseFilter(req);
    const page = pageNumber(req);
    const [rows, actions] = await Promise.all([listAudit(db, filter, { offset: (page - 1) * PAGE_SIZE, size: PAGE_SIZE }), knownActions(db)]);
    render(deps, req, res, 'audit', 'audit', {
      title: 'Audit log',
      form,
      actions,
      rows: rows.slice(0, PAGE_SIZE).map((r) => ({ ...r, partnerHref: r.partner_id === null ? undefined : `${ADMIN_BASE}/partners/${r.partner_id}` })),
      csvHref: `${ADMIN_BASE}/audit.csv${query(form)}`,
      pager: {
        page,
        prevHref: page > 1 ? `${ADMIN_BASE}/audit${query(form, { page: String(page - 1) })}` : undefined,
        nextHref: rows.length > PAGE_SIZE ? `${ADMIN_BASE}/audit${query(form, { page: String(page + 1) })}` : undefined,
      },
    });
  });

  router.get('/audit.csv', async (req, res) => {
    const { filter, form } = parseFilter(req);
    await auditAdmin(deps, req, 'admin.audit_exported', { filter: form });
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="partnergate-audit-${new Date(deps.now()).toISOString().slice(0, 10)}.csv"`);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    async function* records() {
      for await (const r of streamAudit(db, filter)) yield csvCells(r);
    }
    const csv = csvStringifier(CSV_COLUMNS, { bom: false });
    // A failure after the first byte can only cut the download short: the client sees an incomplete file.
    pipeline(Readable.from(records()), csv, res, (err) => {
      if (err) req.ctx.log.error({ err }, 'audit export failed mid-stream');
    });
  });

  return router;
}
