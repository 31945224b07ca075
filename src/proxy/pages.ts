import type { ServerResponse } from 'node:http';

export type ProxyPageStatus = 400 | 413 | 502 | 504;
/** Answers with one of the proxy's own pages (rendered once at start-up); `close` ends the connection. */
export type SendPage = (res: ServerResponse, status: ProxyPageStatus, close: boolean) => void;

export interface ProxyPageOptions {
  /** The branded page for WordPress being down (502) or too slow (504), in one of `locales`. */
  errorPage: (status: 502 | 504, locale: string) => string;
  /** The languages the error page is rendered in, once each at start-up (default: English only). */
  locales?: readonly string[];
  /** Picks one of `locales` from the visitor's Accept-Language (default: always the first). */
  negotiate?: (acceptLanguage: string | undefined) => string;
  /** A plain page for requests the gateway refuses before WordPress sees them (400, 413). */
  refusalPage?: (status: 400 | 413, message: string) => string;
}

function defaultRefusal(status: number, message: string): string {
  const esc = message.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error ${status}</title></head><body><h1>${esc}</h1><p>Error ${status}</p></body></html>`;
}

function uploadLimitText(maxUpload: number): string {
  return maxUpload >= 1_048_576 ? `${Math.floor(maxUpload / 1_048_576)} MiB` : `${Math.floor(maxUpload / 1024)} KiB`;
}

/** Renders the four pages once and returns the sender the proxy's hooks share. */
export function createPageSender(opts: ProxyPageOptions, maxUpload: number): SendPage {
  const locales = opts.locales?.length ? opts.locales : ['en'];
  const negotiate = opts.negotiate ?? (() => locales[0]!);
  // The visitor reads the down page in their language; each is rendered once here, so an outage costs no rendering.
  const errorPages = new Map(locales.map((l) => [l, { 502: Buffer.from(opts.errorPage(502, l)), 504: Buffer.from(opts.errorPage(504, l)) }]));
  const refusal = opts.refusalPage ?? defaultRefusal;
  const refusals = {
    400: Buffer.from(refusal(400, 'This address is not valid.')),
    413: Buffer.from(refusal(413, `The upload is larger than this site accepts (${uploadLimitText(maxUpload)} at most).`)),
  };
  return function sendPage(res, status, close) {
    const body = status === 400 || status === 413
      ? refusals[status]
      : (errorPages.get(negotiate(res.req?.headers['accept-language'])) ?? errorPages.get(locales[0]!)!)[status];
    const headers: Record<string, string | number> = { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': body.length, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };
    if (close) headers.Connection = 'close';
    if (status === 502 || status === 504) headers['Retry-After'] = '30';
    res.writeHead(status, headers);
    res.end(body);
  };
}
