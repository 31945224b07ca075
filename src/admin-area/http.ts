/**
 * What every admin-area route shares: the guard (an administrator whose second factor is done), `no-store`,
 * reading query and form fields, the layout model with the admin menu, rendering, and the audit row every
 * admin action leaves.
 */
import type { Request, RequestHandler, Response } from 'express';
import { AppError, invalidField } from '../common/index.js';
import { recordAudit } from '../accounts/index.js';
import type { GatewayDeps } from '../deps.js';
import type { Db } from '../store/index.js';

export const ADMIN_BASE = '/partner-center/admin';

/** The admin menu, in order. `key` marks the current page. */
export const ADMIN_NAV = [
  { key: 'home', href: `${ADMIN_BASE}/`, label: 'Overview' },
  { key: 'partners', href: `${ADMIN_BASE}/partners`, label: 'Partners' },
  { key: 'sync', href: `${ADMIN_BASE}/sync`, label: 'Sync' },
  { key: 'outbox', href: `${ADMIN_BASE}/outbox`, label: 'Email outbox' },
  { key: 'journals', href: `${ADMIN_BASE}/journals`, label: 'Migrations' },
  { key: 'masspay', href: `${ADMIN_BASE}/masspay`, label: 'MassPay' },
  { key: 'blocks', href: `${ADMIN_BASE}/blocks`, label: 'Blocks' },
  { key: 'audit', href: `${ADMIN_BASE}/audit`, label: 'Audit log' },
] as const;

export type AdminNavKey = (typeof ADMIN_NAV)[number]['key'];

const wantsHtml = (req: Request) => req.method === 'GET' && !(req.headers.accept ?? '').startsWith('application/json') && !req.path.endsWith('.csv');

/**
 * Every admin route: a signed-in administrator whose second factor is done. A partner session gets 403 (never a
 * hint of what is there); a browser with no session is sent to sign in and brought back.
 */
export const requireAdminArea: RequestHandler = (req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  const s = req.ctx.session;
  if (!s) {
    if (wantsHtml(req)) return res.redirect(303, `/sso/sign-in?rd=${encodeURIComponent(req.originalUrl)}`);
    return next(new AppError('auth.required', 'Please sign in.'));
  }
  if (s.totp_pending) {
    if (wantsHtml(req)) return res.redirect(303, `/sso/two-factor?rd=${encodeURIComponent(req.originalUrl)}`);
    return next(new AppError('auth.totp_required', 'Enter your two-factor code to continue.'));
  }
  if (s.role !== 'admin') return next(new AppError('auth.forbidden', 'Administrators only.'));
  next();
};

/** A string field of the query (last one wins), trimmed; undefined when empty. */
export function queryField(req: Request, name: string, max = 200): string | undefined {
  const v = (req.query as Record<string, unknown>)[name];
  const s = Array.isArray(v) ? v[v.length - 1] : v;
  if (typeof s !== 'string' || s.trim() === '') return undefined;
  if (s.length > max) throw invalidField(name, `must be at most ${max} characters`);
  return s.trim();
}

/** A string field of a posted form, or undefined. */
export function formField(req: Request, name: string): string | undefined {
  const v = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : undefined;
}

/** One of `choices`, or the default; anything else is a 400 naming the field. */
export function queryChoice<T extends string>(req: Request, name: string, choices: readonly T[], fallback: T): T {
  const v = queryField(req, name);
  if (v === undefined) return fallback;
  if (!(choices as readonly string[]).includes(v)) throw invalidField(name, `must be one of ${choices.join(', ')}`);
  return v as T;
}

/** A positive whole number from a path or query value, or a 400 naming the field. */
export function positiveInt(raw: unknown, name: string): number {
  const n = typeof raw === 'string' && /^[0-9]{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw invalidField(name, 'must be a whole number from 1');
  return n;
}

/** `?page=`: 1 when absent. */
export function pageNumber(req: Request): number {
  const raw = queryField(req, 'page', 10);
  return raw === undefined ? 1 : positiveInt(raw, 'page');
}

export interface Notice {
  kind: 'ok' | 'error';
  message: string;
}

/** Fixed notices shown after a redirect (`?done=`); never text taken from the URL. */
const NOTICES: Record<string, Notice> = {
  retried: { kind: 'ok', message: 'The email is queued again and will be sent on the next outbox run.' },
  reloaded: { kind: 'ok', message: 'The blocks configuration was reloaded.' },
  view_ended: { kind: 'ok', message: 'You stopped viewing as the partner.' },
  erased: { kind: 'ok', message: 'The partner was erased: personal data replaced, sign-in ended, accounting kept.' },
  confirmed: { kind: 'ok', message: 'The payout run is recorded.' },
};

export function render(deps: GatewayDeps, req: Request, res: Response, template: string, current: AdminNavKey, model: Record<string, unknown>, status = 200): void {
  const done = queryField(req, 'done', 40);
  const params = {
    title: model.title,
    adminEmail: req.ctx.session?.email,
    csrfToken: req.ctx.csrfToken,
    nav: ADMIN_NAV.map((i) => ({ href: i.href, label: i.label, current: i.key === current })),
    flash: model.flash ?? (done ? NOTICES[done] : undefined),
    ...model,
  };
  res.status(status).type('html').send(deps.views.page(`admin/${template}`, params, 'admin/layout'));
}

/** The audit row of an admin action: who, what, on which partner, from where. Never a secret. */
export async function auditAdmin(deps: GatewayDeps, req: Request, action: string, details: Record<string, unknown> = {}, partnerId: number | null = null, db: Db = deps.store.db): Promise<void> {
  await recordAudit(db, { action, actorAccountId: req.ctx.session?.account_id ?? null, partnerId, details, ip: req.ip ?? null, requestId: req.ctx.id, at: deps.now() });
}

