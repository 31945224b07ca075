import type { ClientRequest } from 'node:http';
import { AppError } from '../common/index.js';
import type { UpstreamErrorKind } from '../http/index.js';

/*
 * Why the gateway itself ended an upstream request: a catalogue code that reaches the proxy's error hook as
 * `err.code`, beside the socket codes (ECONNRESET...) of failures that are WordPress's.
 */
export const BODY_TOO_LARGE = 'request.body_too_large';
export const bodyTooLarge = (): AppError => new AppError(BODY_TOO_LARGE, 'chunked body over the limit');

export const TIMEOUT_CODES = new Set<string>(['upstream.timeout', 'ETIMEDOUT', 'ESOCKETTIMEDOUT']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

export function upstreamErrorKind(code: string | undefined): UpstreamErrorKind {
  if (code === 'ECONNREFUSED') return 'refused';
  if (TIMEOUT_CODES.has(code ?? '')) return 'timeout';
  return RESET_CODES.has(code ?? '') ? 'reset' : 'unavailable';
}

/** The `setTimeout` hook of every upstream request: a silent upstream socket ends with PG_UPSTREAM_TIMEOUT. */
export function createTimeoutHook(timeoutMs: number): (this: ClientRequest) => void {
  return function onUpstreamTimeout(this: ClientRequest): void {
    this.destroy(new AppError('upstream.timeout', `WordPress sent nothing for ${timeoutMs} ms`));
  };
}
