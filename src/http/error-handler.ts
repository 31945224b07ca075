/**
 * The last middleware of the own routes: turns an AppError (or anything thrown) into a status page or
 * `{ error: { code, message, field } }`. Unknown errors are 500 with no details.
 */
import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';
import { AppError, isInternalCode, storeUnavailable, type Views } from '../common/index.js';
import { DEFAULT_LOCALE, t } from '../i18n/index.js';
import './request-context.js';

/** JSON for APIs, and for every client that authenticates with a header (a script, never a browser). */
function wantsJson(req: Request): boolean {
  return req.headers.authorization !== undefined || req.path.includes('/api/') || req.path.endsWith('.json') || (req.headers.accept ?? '').startsWith('application/json');
}

/** Maps errors to a status page or `{ error: { code, message, field } }`; unknown errors are 500 with no details. */
export function errorHandler(views: Views): ErrorRequestHandler {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let appErr: AppError;
    // An operator's error (configuration, store, a run) is a plain 500 like any unknown error: its words are for logs.
    if (err instanceof AppError && !isInternalCode(err.code)) appErr = err;
    else if (isHttpError(err) && err.status < 500) {
      appErr = err.type === 'entity.too.large'
        ? new AppError('request.body_too_large', 'The form is larger than this server accepts.')
        : new AppError('request.invalid_field', 'The request could not be read.');
    } else {
      // A store that is restarting or refusing connections is a 503 with Retry-After, not a failure of ours.
      const down = storeUnavailable(err);
      if (down) req.ctx?.log.warn({ err }, 'store unavailable');
      else req.ctx?.log.error({ err }, 'unhandled error');
      appErr = down ?? new AppError('internal', 'Something went wrong on our side. Please try again in a moment.');
    }
    if (appErr.status >= 500 && err instanceof AppError) req.ctx?.log.error({ err }, appErr.code);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    for (const [k, v] of Object.entries(appErr.details.headers ?? {})) res.setHeader(k, v);
    res.status(appErr.status);
    res.setHeader('Cache-Control', 'no-store');
    if (wantsJson(req)) {
      res.json({ error: { code: appErr.code, message: appErr.message, ...(appErr.field ? { field: appErr.field } : {}) } });
      return;
    }
    res.type('html').send(
      views.page('error', {
        title: t(req.ctx?.locale ?? DEFAULT_LOCALE, appErr.status === 404 ? 'errors:notFoundTitle' : 'errors:title'),
        status: appErr.status,
        code: appErr.code,
        message: appErr.message,
        requestId: req.ctx?.id,
        signedIn: Boolean(req.ctx?.session),
        locale: req.ctx?.locale,
      }),
    );
  };
}

function isHttpError(err: unknown): err is { status: number; type?: string } {
  return typeof err === 'object' && err !== null && typeof (err as { status?: unknown }).status === 'number';
}
