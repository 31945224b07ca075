/**
 * Sign-in throttling, per account and per client IP, in the store (so it holds across gateway instances).
 * Every attempt is counted before the password is checked (one atomic statement, so parallel guesses cannot
 * slip past the limit); a successful attempt is then taken back. The account key is derived from the email as
 * typed, known or not, so the throttle itself says nothing about which emails exist.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import * as repo from './throttle.repo.js';
import { sha256 } from '../common/tokens.js';

export const THROTTLE_WINDOW_MS = 15 * 60_000;

export interface ThrottleLimits {
  perAccount: number;
  perIp: number;
}

export interface ThrottleKeys {
  /** The account's counter, or the trusted device's own (device cookie) when it has one for this account. */
  account: string;
  /** The client address's counter; none for a trusted device, whose owner a shared address must not lock out. */
  ip?: string;
}

/**
 * Keys for an attempt; `scope` separates sign-in from other guessable forms (reset requests). `device` is the id
 * of a device cookie issued for this email (`device-cookie.ts`).
 */
export function throttleKeys(scope: string, email: string, ip: string | undefined, device?: string): ThrottleKeys {
  if (device) return { account: `${scope}:dev:${device}` };
  return { account: `${scope}:acct:${sha256(email.toLowerCase())}`, ip: `${scope}:ip:${ip ?? 'unknown'}` };
}

/**
 * Keys for second-factor codes: per account id (the password is already known to whoever guesses here), never
 * cleared by a password sign-in, only by a right code or the end of the window; per device for a trusted device.
 */
export function totpThrottleKeys(accountId: number, ip: string | undefined, device?: string): ThrottleKeys {
  if (device) return { account: `totp:dev:${device}` };
  return { account: `totp:acct:${accountId}`, ip: `totp:ip:${ip ?? 'unknown'}` };
}

export type AttemptVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Counts an attempt on both keys; refused when either is over its limit in the current window. */
export async function countAttempt(db: Kysely<Database>, keys: ThrottleKeys, limits: ThrottleLimits, now: number): Promise<AttemptVerdict> {
  const account = await repo.hitCounter(db, keys.account, now, THROTTLE_WINDOW_MS);
  const ip = keys.ip === undefined ? { count: 0, windowStart: now } : await repo.hitCounter(db, keys.ip, now, THROTTLE_WINDOW_MS);
  const over = [account.count > limits.perAccount ? account.windowStart : undefined, ip.count > limits.perIp ? ip.windowStart : undefined].filter(
    (v): v is number => v !== undefined,
  );
  if (over.length === 0) return { allowed: true };
  const until = Math.max(...over) + THROTTLE_WINDOW_MS;
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)) };
}

/** The attempt succeeded: the account starts afresh and the IP gets its attempt back. */
export async function attemptSucceeded(db: Kysely<Database>, keys: ThrottleKeys): Promise<void> {
  await repo.deleteCounter(db, keys.account);
  if (keys.ip !== undefined) await repo.decrementCounter(db, keys.ip);
}

export const purgeStaleCounters = repo.deleteStaleCounters;

/** "15 minutes" / "1 minute" for the message partners read. */
export function waitText(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}
