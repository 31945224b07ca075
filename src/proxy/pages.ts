import type { ServerResponse } from 'node:http';

export type ProxyPageStatus = 400 | 413 | 502 | 504;
/** Answers with one of the proxy's own pages (rendered once at start-up); `close` ends the connection. */
export type SendPage = (res: ServerResponse, status: ProxyPageStatus, close: boolean) => void;

export interface ProxyPageOptions {
  /** The branded page for WordPress being down (502) or too slow (504). */
  errorPage: (status: 502 | 504) => string;
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
  const page = (status: 502 | 504) => Buffer.from(opts.errorPage(status));
  const refusal = opts.refusalPage ?? defaultRefusal;
  const pages = {
    400: Buffer.from(refusal(400, 'This address is not valid.')),
    413: Buffer.from(refusal(413, `The upload is larger than this site accepts (${uploadLimitText(maxUpload)} at most).`)),
    502: page(502),
    504: page(504),
  };
  return function sendPage(res, status, close) {
    const body = pages[status];
    const headers: Record<string, string | number> = { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': body.length, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };
    if (close) headers.Connection = 'close';
    if (status === 502 || status === 504) headers['Retry-After'] = '30';
    res.writeHead(status, headers);
    res.end(body);
  };
}
