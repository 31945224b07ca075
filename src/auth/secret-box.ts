/**
 * Secrets at rest: what the store keeps that would let someone sign in (TOTP seeds, OpenID refresh tokens) is
 * sealed with AES-256-GCM under a key from the configuration (`PARTNERGATE_DATA_KEY`), so a database dump or
 * backup alone is useless. Stored form: `pgenc1.<key id>.<iv>.<ciphertext+tag>` (base64url), with associated
 * data naming what the value is for (a sealed seed moved to another account does not open).
 *
 * Rotation: the new key goes in `PARTNERGATE_DATA_KEY`, the old one in `PARTNERGATE_DATA_KEY_PREVIOUS`. Values
 * under the previous key, and plain values written before encryption existed, still open and are reported
 * `stale`, so callers re-seal them; {@link resealStoredSecrets} does the rest in the background.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { Config } from '../config/index.js';

const PREFIX = 'pgenc1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;

interface DataKey {
  id: string;
  key: Buffer;
}

function dataKeyFrom(secret: string): DataKey {
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), Buffer.from('partnergate data-key', 'utf8'), 32));
  // A short public id so a value names the key that sealed it (a hash of the key, not of the secret).
  return { id: createHash('sha256').update(key).digest('base64url').slice(0, 8), key };
}

export interface Opened {
  value: string;
  /** Sealed under the previous key, or not sealed at all: write it back sealed under the current key. */
  stale: boolean;
}

export interface SecretBox {
  /** Prefix every value sealed under the current key starts with (for finding stale rows). */
  readonly currentPrefix: string;
  seal(plain: string, purpose: string): string;
  /** @throws Error when the value is sealed under an unknown key or was tampered with */
  open(stored: string, purpose: string): Opened;
}

export function createSecretBox(current: string, previous?: string): SecretBox {
  const now = dataKeyFrom(current);
  const keys = new Map<string, DataKey>([[now.id, now]]);
  if (previous) {
    const old = dataKeyFrom(previous);
    keys.set(old.id, old);
  }
  return {
    currentPrefix: `${PREFIX}${now.id}.`,
    seal(plain, purpose) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', now.key, iv);
      cipher.setAAD(Buffer.from(purpose, 'utf8'));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${PREFIX}${now.id}.${iv.toString('base64url')}.${body.toString('base64url')}`;
    },
    open(stored, purpose) {
      if (!stored.startsWith(PREFIX)) return { value: stored, stale: true };
      const [id, ivText, bodyText] = stored.slice(PREFIX.length).split('.');
      const k = id ? keys.get(id) : undefined;
      if (!k || !ivText || !bodyText) throw new Error(`stored secret sealed under an unknown data key (${id ?? '?'}): is PARTNERGATE_DATA_KEY_PREVIOUS missing?`);
      const body = Buffer.from(bodyText, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', k.key, Buffer.from(ivText, 'base64url'));
      decipher.setAAD(Buffer.from(purpose, 'utf8'));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      const value = Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      return { value, stale: k !== now };
    },
  };
}

/** Whether a stored value was sealed (by any key), as opposed to a plain value from before encryption. */
export const isSealed = (value: string) => value.startsWith(PREFIX);

const boxes = new WeakMap<object, SecretBox>();

/** One box per configuration (the key derivation runs once). */
export function secretBoxFor(config: Pick<Config, 'dataKey' | 'dataKeyPrevious'>): SecretBox {
  let box = boxes.get(config);
  if (!box) boxes.set(config, (box = createSecretBox(config.dataKey, config.dataKeyPrevious)));
  return box;
}

/** Associated data of a TOTP seed: the account it belongs to. */
export const totpPurpose = (accountId: number) => `totp-secret:${accountId}`;
/** Associated data of an OpenID refresh token kept with a session. */
export const REFRESH_TOKEN_PURPOSE = 'oidc-refresh-token';
