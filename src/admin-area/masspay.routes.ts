/**
 * `/masspay`: the payout run. Download the PayPal MassPay file (and the partners left out of it) for a currency
 * and threshold; then upload PayPal's result file, see what confirming it would record (a dry run of the real
 * confirmation, rolled back), and confirm exactly that file. The downloads are the reports capability's admin
 * routes; the confirmation is the payouts capability's `confirmMasspay` (one transaction, never twice, audited
 * with the administrator as actor).
 *
 * Between preview and confirm the file waits in the store (`kv`, keyed by administrator and the file's SHA-256,
 * for an hour): the confirm button names the digest, so what is confirmed is byte for byte what was previewed.
 */
import { createHash } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { AppError } from '../common/index.js';
import type { GatewayDeps } from '../deps.js';
import { confirmMasspay, type ConfirmMasspayResult } from '../payouts/index.js';
import type { Database, Kysely } from '../store/index.js';
import { ADMIN_BASE, auditAdmin, formField, render } from './http.js';

export const MASSPAY_PREVIEW_PATH = `${ADMIN_BASE}/masspay/preview`;
const UPLOAD_TTL_MS = 60 * 60_000;
const keyOf = (accountId: number, digest: string) => `admin.masspay_upload|${accountId}|${digest}`;

async function keepUpload(db: Kysely<Database>, accountId: number, text: string, now: number): Promise<string> {
  const digest = createHash('sha256').update(text).digest('hex');
  const value_json = JSON.stringify({ text, at: now });
  await db.deleteFrom('kv').where('key', 'like', 'admin.masspay_upload|%').where('updated_at', '<', now - UPLOAD_TTL_MS).execute();
  await db.insertInto('kv').values({ key: keyOf(accountId, digest), value_json, updated_at: now }).onConflict((oc) => oc.column('key').doUpdateSet({ value_json, updated_at: now })).execute();
  return digest;
}

async function takeUpload(db: Kysely<Database>, accountId: number, digest: string, now: number): Promise<string | undefined> {
  if (!/^[0-9a-f]{64}$/.test(digest)) return undefined;
  const row = await db.selectFrom('kv').select(['value_json', 'updated_at']).where('key', '=', keyOf(accountId, digest)).executeTakeFirst();
  if (!row || row.updated_at < now - UPLOAD_TTL_MS) return undefined;
  return (JSON.parse(row.value_json) as { text: string }).text;
}

const totalOf = (r: ConfirmMasspayResult) => r.recorded.reduce((s, x) => s + x.amountCents, 0);

export function masspayRoutes(deps: GatewayDeps): Router {
  const router = Router();
  const { db } = deps.store;

  const show = (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) =>
    render(deps, req, res, 'masspay', 'masspay', {
      title: 'MassPay',
      currency: deps.config.defaultCurrency,
      downloadAction: `${ADMIN_BASE}/exports/masspay.csv`,
      skippedAction: `${ADMIN_BASE}/exports/masspay-skipped.csv`,
      previewAction: MASSPAY_PREVIEW_PATH,
      confirmAction: `${ADMIN_BASE}/masspay/confirm`,
      ...extra,
    }, status);

  /** The confirmation's own refusals (unreadable rows, unknown ids) are shown on the page, nothing recorded. */
  const refused = (req: Request, res: Response, err: unknown) => {
    if (err instanceof AppError && err.field === 'file') return show(req, res, { flash: { kind: 'error', message: err.message } }, err.status);
    throw err;
  };

  router.get('/masspay', (req, res) => show(req, res));

  router.post('/masspay/preview', async (req, res) => {
    const text = formField(req, 'file');
    if (!text?.trim()) throw new AppError('request.invalid_field', 'file: choose PayPal\'s result file (CSV) to upload', { field: 'file' });
    const accountId = req.ctx.session!.account_id;
    let result: ConfirmMasspayResult;
    try {
      result = await confirmMasspay(db, { file: text, actor: { accountId, requestId: req.ctx.id }, dryRun: true, now: deps.now() });
    } catch (err) {
      return refused(req, res, err);
    }
    const digest = await keepUpload(db, accountId, text, deps.now());
    await auditAdmin(deps, req, 'admin.masspay_previewed', { rows: result.rows, wouldRecord: result.recorded.length, totalCents: totalOf(result) });
    show(req, res, { preview: { ...result, totalCents: totalOf(result), digest } });
  });

  router.post('/masspay/confirm', async (req, res) => {
    const accountId = req.ctx.session!.account_id;
    const digest = formField(req, 'upload') ?? '';
    const text = await takeUpload(db, accountId, digest, deps.now());
    if (text === undefined) throw new AppError('request.invalid_field', 'upload: this preview has expired or is not yours; upload the result file again', { field: 'upload' });
    let result: ConfirmMasspayResult;
    try {
      result = await confirmMasspay(db, { file: text, actor: { accountId, requestId: req.ctx.id }, now: deps.now() });
    } catch (err) {
      return refused(req, res, err);
    }
    await db.deleteFrom('kv').where('key', '=', keyOf(accountId, digest)).execute();
    show(req, res, { confirmed: { ...result, totalCents: totalOf(result) }, flash: { kind: 'ok', message: `Recorded ${result.recorded.length} payout(s).` } });
  });

  return router;
}
