/**
 * The per-request context of Partnergate's own routes: request id, logger and language, set first by
 * `requestContext`.
 * The sign-in state (session, CSRF tokens) is added to the same interface by src/auth/session-loader.ts, which
 * fills it. Routes read `req.ctx`; nothing reads cookies or the session table directly.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from '../common/index.js';
import { catalogues } from '../i18n/index.js';

export interface RequestContext {
  id: string;
  log: Logger;
  /**
   * The language pages and messages of this request are in: a loaded language negotiated from
   * `Accept-Language` here, replaced by the signed-in partner's own choice when the session is loaded.
   */
  locale: string;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      ctx: RequestContext;
    }
  }
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** The request's id: the client's (or the proxy in front's) `X-Request-Id` when well formed, else a new UUID. */
export function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    // server.ts has already set the header to the id it chose (requestIdFor), so the two agree.
    const id = requestIdFor(req);
    res.setHeader('X-Request-Id', id);
    req.ctx = { id, log: logger.child({ reqId: id }), locale: catalogues().negotiate(req.headers['accept-language']) };
    next();
  };
}
