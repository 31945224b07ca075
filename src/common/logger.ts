/**
 * Structured logging with pino. Redacts every header and field that can carry a secret, so that
 * passwords, tokens, cookies and keys never reach the log even when a whole request is logged.
 */
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

export const redactedPaths = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-partnergate-identity"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.token',
  '*.secret',
  '*.apiKey',
  '*.api_key',
  '*.code',
  '*.state',
  '*.nonce',
];

/**
 * pino's `isoTime`, formatted once per millisecond: under load many lines share a millisecond, and the access log
 * writes one line per request.
 */
let lastMs = -1;
let lastTime = '';
function isoTime(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastTime = `,"time":"${new Date(ms).toISOString()}"`;
  }
  return lastTime;
}

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'partnergate' },
      redact: { paths: redactedPaths, censor: '[redacted]' },
      timestamp: isoTime,
    },
    destination as pino.DestinationStream | undefined,
  );
}
