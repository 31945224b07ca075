/**
 * Optional TOTP two-factor (RFC 6238: SHA-1, 6 digits, 30-second steps, one step of clock drift either way)
 * with ten single-use recovery codes stored as argon2id hashes. A code is accepted once: the step it belongs
 * to is recorded (`accounts.totp_last_step`) and older or equal steps are refused (RFC 6238 §5.2).
 * The shared secret is stored in the account row while enrolling and after, sealed with the data key
 * (`secret-box.ts`; a plain base32 value written before that is still read, and re-sealed on use).
 */
import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import * as OTPAuth from 'otpauth';
import QRCode from 'qrcode';
import type { Kysely } from 'kysely';
import { AppError } from '../common/index.js';
import type { Account, Database } from '../store/index.js';
import { accountRows as accounts } from '../accounts/index.js';
import { totpPurpose, type SecretBox } from './secret-box.js';

const PERIOD = 30;
const DIGITS = 6;
const RECOVERY_CODE_COUNT = 10;
/**
 * Recovery codes are random 50-bit secrets, not human passwords: they need a one-way hash, not stretching.
 * A light argon2id cost keeps checking all ten cheap (it runs on every recovery attempt).
 */
const RECOVERY_HASH = { type: argon2.argon2id, memoryCost: 4096, timeCost: 1, parallelism: 1 } as const;

const hashRecoveryCode = (code: string) => argon2.hash(code, RECOVERY_HASH);
const recoveryCodeMatches = (hash: string, code: string) => argon2.verify(hash, code).catch(() => false);

function totpFor(secretBase32: string, label = 'partner', issuer = 'Partner Center'): OTPAuth.TOTP {
  return new OTPAuth.TOTP({ issuer, label, algorithm: 'SHA1', digits: DIGITS, period: PERIOD, secret: OTPAuth.Secret.fromBase32(secretBase32) });
}

/** The `otpauth://` URI authenticator apps import (also shown as text for manual entry). */
export function totpUri(secretBase32: string, email: string, issuer: string): string {
  return totpFor(secretBase32, email, issuer).toString();
}

/**
 * The same URI as a QR code (a PNG `data:` URL, which the page's Content-Security-Policy allows for images), for
 * the authenticator app's camera. Medium error correction: read reliably off a laptop screen.
 */
export function totpQrCode(uri: string): Promise<string> {
  return QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, scale: 5 });
}

/** The current code for a secret: used by tests (and nothing else) to play the authenticator app. */
export function currentTotpCode(secretBase32: string, now = Date.now()): string {
  return totpFor(secretBase32).generate({ timestamp: now });
}

/** Time step a code for `now` belongs to, or undefined when it is not a valid code for that time (±1 step). */
function matchingStep(secretBase32: string, code: string, now: number): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const delta = totpFor(secretBase32).validate({ token: code, timestamp: now, window: 1 });
  if (delta === null) return undefined;
  return OTPAuth.TOTP.counter({ period: PERIOD, timestamp: now }) + delta;
}

/**
 * Starts (or resumes) enrolment: a secret stored on the account, not yet enabled. Never replaces an enabled
 * secret (the write is conditional on `totp_enabled = 0`, so a request racing the enabling one cannot either).
 * @throws AppError `conflict` when two-factor is already on
 */
export async function beginTotpEnrolment(db: Kysely<Database>, box: SecretBox, account: Account): Promise<string> {
  const alreadyOn = () => new AppError('conflict', 'Two-factor sign-in is already on for this account. Turn it off first to set up a new app.');
  if (account.totp_enabled) throw alreadyOn();
  if (account.totp_secret) return box.open(account.totp_secret, totpPurpose(account.id)).value;
  const secret = new OTPAuth.Secret({ size: 20 }).base32;
  if (!(await accounts.startTotpEnrolment(db, account.id, box.seal(secret, totpPurpose(account.id))))) throw alreadyOn();
  return secret;
}

/** The account's TOTP seed in clear (it may be stored plain from before encryption, or under the previous key). */
function seedOf(box: SecretBox, account: Account & { totp_secret: string }) {
  return box.open(account.totp_secret, totpPurpose(account.id));
}

function newRecoveryCode(): string {
  // 50 bits from an unambiguous alphabet, shown as xxxxx-xxxxx.
  const alphabet = '23456789abcdefghjkmnpqrstuvwxyz';
  const bytes = randomBytes(10);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

function normaliseCode(raw: unknown): string {
  return typeof raw === 'string' ? raw.trim().toLowerCase().replace(/[\s]/g, '') : '';
}

/**
 * Finishes enrolment when `code` is right for the pending secret: enables TOTP and returns the recovery
 * codes (shown once). Undefined when the code is wrong.
 */
export async function completeTotpEnrolment(db: Kysely<Database>, box: SecretBox, account: Account, code: unknown, now: number): Promise<string[] | undefined> {
  if (!account.totp_secret || account.totp_enabled) return undefined;
  const step = matchingStep(seedOf(box, { ...account, totp_secret: account.totp_secret }).value, normaliseCode(code), now);
  if (step === undefined) return undefined;
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  const hashes = await Promise.all(codes.map(hashRecoveryCode));
  // Only the secret this enrolment showed: a parallel enrolment that replaced it, or one that finished first, wins.
  const enabled = await accounts.enableTotp(db, account.id, account.totp_secret, { totp_recovery_json: JSON.stringify(hashes), totp_last_step: step });
  return enabled ? codes : undefined;
}

export type SecondFactorResult = { ok: true; usedRecoveryCode: boolean; recoveryCodesLeft?: number } | { ok: false };

/**
 * Checks a TOTP code, or a recovery code (which is then spent). Each is accepted once.
 */
export async function verifySecondFactor(db: Kysely<Database>, box: SecretBox, account: Account, rawCode: unknown, now: number): Promise<SecondFactorResult> {
  if (!account.totp_enabled || !account.totp_secret) return { ok: false };
  const code = normaliseCode(rawCode);
  if (/^\d{6}$/.test(code)) {
    const seed = seedOf(box, { ...account, totp_secret: account.totp_secret });
    const step = matchingStep(seed.value, code, now);
    if (step === undefined || !(await accounts.claimTotpStep(db, account.id, step))) return { ok: false };
    // A seed stored plain (before encryption) or under the previous data key is sealed under the current one now.
    if (seed.stale) await accounts.replaceTotpSecret(db, account.id, account.totp_secret, box.seal(seed.value, totpPurpose(account.id)));
    return { ok: true, usedRecoveryCode: false };
  }
  if (!/^[a-z0-9]{5}-?[a-z0-9]{5}$/.test(code) || !account.totp_recovery_json) return { ok: false };
  const formatted = code.includes('-') ? code : `${code.slice(0, 5)}-${code.slice(5)}`;
  const hashes = JSON.parse(account.totp_recovery_json) as string[];
  const matches = await Promise.all(hashes.map((h) => recoveryCodeMatches(h, formatted)));
  const index = matches.indexOf(true);
  if (index < 0) return { ok: false };
  const left = hashes.filter((_, i) => i !== index);
  if (!(await accounts.replaceRecoveryCodes(db, account.id, account.totp_recovery_json, JSON.stringify(left)))) return { ok: false };
  return { ok: true, usedRecoveryCode: true, recoveryCodesLeft: left.length };
}

/** Turns two-factor off (the caller has checked a fresh password and a current code). */
export async function disableTotp(db: Kysely<Database>, accountId: number): Promise<void> {
  await accounts.updateAccount(db, accountId, { totp_secret: null, totp_enabled: 0, totp_recovery_json: null, totp_last_step: null });
}
