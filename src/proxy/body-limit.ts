import type { SendPage } from './pages.js';
import { bodyTooLarge } from './fault.js';
import { kBodyBytes, kProxyReq, kResponse, kTooLarge, type TaggedRequest } from './tags.js';

/**
 * The 'data' listener that counts a chunked body: past `maxUpload` it ends the upstream request (or, before
 * one exists, answers 413 itself). Made once; the request carries its own count.
 */
export function createBodyCounter(maxUpload: number, sendPage: SendPage): (this: TaggedRequest, chunk: Buffer) => void {
  return function countBody(this: TaggedRequest, chunk: Buffer): void {
    const total = (this[kBodyBytes] ?? 0) + chunk.length;
    this[kBodyBytes] = total;
    if (total <= maxUpload) return;
    this.off('data', countBody);
    this[kTooLarge] = true;
    const upstream = this[kProxyReq];
    const res = this[kResponse];
    if (upstream) upstream.destroy(bodyTooLarge());
    else if (res && !res.headersSent) sendPage(res, 413, true);
  };
}
