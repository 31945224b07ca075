import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { forwardedFor, type compileTrust } from '../http/index.js';
import { takeGatewayCookies, type RequestHygiene } from './headers.js';
import type { createIdentityAsserter } from './identity.js';

export interface RequestPreparer {
  /** Hygiene and the gateway's cookies; returns the Partnergate session cookie value when the request carries one. */
  prepare: (req: IncomingMessage, upgrade: boolean) => string | undefined;
  /** Adds the signed identity assertion for that session (none when the session is not valid). */
  withIdentity: (req: IncomingMessage, session: string) => Promise<void>;
}

export interface RequestPreparerDeps {
  hygiene: RequestHygiene;
  trust: ReturnType<typeof compileTrust>;
  sessionCookie: string;
  /** The gateway's other cookies, which WordPress never sees. */
  otherCookies: string[];
  asserter: ReturnType<typeof createIdentityAsserter>;
  logger: Pick<Logger, 'warn'>;
  publicProto: () => string;
  publicHost: () => string;
}

export function createRequestPreparer(deps: RequestPreparerDeps): RequestPreparer {
  const { hygiene, trust, sessionCookie, otherCookies, asserter, logger, publicProto, publicHost } = deps;
  const identityHeader = hygiene.identityHeader;
  const cookieMarkers = [`${sessionCookie}=`, ...otherCookies.map((n) => `${n}=`)];

  function hasGatewayCookie(cookie: string): boolean {
    for (const marker of cookieMarkers) if (cookie.includes(marker)) return true;
    return false;
  }

  return {
    prepare(req, upgrade) {
      const headers = req.headers;
      hygiene.clean(headers, req.rawHeaders, upgrade, { for: forwardedFor(req, trust), proto: publicProto(), host: headers.host ?? publicHost() });
      const cookie = headers.cookie;
      if (cookie === undefined || !hasGatewayCookie(cookie)) return undefined;
      const { session, rest } = takeGatewayCookies(cookie, sessionCookie, otherCookies);
      if (rest === undefined) delete headers.cookie;
      else headers.cookie = rest;
      return session;
    },
    async withIdentity(req, session) {
      try {
        const token = await asserter.assertionFor(session);
        if (token) req.headers[identityHeader] = token;
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'proxy: identity assertion skipped (session lookup failed)');
      }
    },
  };
}
