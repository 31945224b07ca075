import type { ClientRequest } from 'node:http';
import type { UpstreamErrorKind } from '../http/index.js';

/** Why the gateway itself ended an upstream request; the code reaches the proxy's error hook as `err.code`. */
export class ProxyFault extends Error {
  constructor(
    readonly code: 'PG_UPSTREAM_TIMEOUT' | 'PG_BODY_TOO_LARGE',
    message: string,
  ) {
    super(message);
  }
}

export const TIMEOUT_CODES = new Set(['PG_UPSTREAM_TIMEOUT', 'ETIMEDOUT', 'ESOCKETTIMEDOUT']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

export function upstreamErrorKind(code: string | undefined): UpstreamErrorKind {
  if (code === 'ECONNREFUSED') return 'refused';
  if (TIMEOUT_CODES.has(code ?? '')) return 'timeout';
  return RESET_CODES.has(code ?? '') ? 'reset' : 'unavailable';
}

/** The `setTimeout` hook of every upstream request: a silent upstream socket ends with PG_UPSTREAM_TIMEOUT. */
export function createTimeoutHook(timeoutMs: number): (this: ClientRequest) => void {
  return function onUpstreamTimeout(this: ClientRequest): void {
    this.destroy(new ProxyFault('PG_UPSTREAM_TIMEOUT', `WordPress sent nothing for ${timeoutMs} ms`));
  };
}
