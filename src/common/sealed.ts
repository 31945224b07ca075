/**
 * Secrets at rest: AES-256-GCM with the gateway's data key (`PARTNERGATE_DATA_KEY`), so that a database dump or
 * backup holds no usable reset link, set-password link, TOTP seed or token.
 *
 * A sealed value is text: `pgs1.<key id>.<base64url of iv | ciphertext | tag>`. The key id (8 hex characters of
 * a hash of the key) says which key sealed it, so a value sealed before a rotation still opens with
 * `PARTNERGATE_DATA_KEY_PREVIOUS` while new values use the current key. The `purpose` is authenticated data:
 * a value sealed for one column does not open when copied into another.
 *
 * @example
 *   const text = seal(config.dataKeys, JSON.stringify(params), 'email_outbox.params');
 *   const params = JSON.parse(unseal(config.dataKeys, text, 'email_outbox.params'));
 */
import { AppError } from './errors.js';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export interface DataKey {
  /** 8 hex characters naming the key inside each sealed value (not secret). */
  id: string;
  key: Buffer;
}

/** The key new values are sealed with, and the one before it (still opened) during a rotation. */
export interface DataKeyring {
  current: DataKey;
  previous?: DataKey;
}

/** `crypto.unsealable`: sealed under an unknown key, or tampered with. */
export class SealedError extends AppError {
  constructor(message: string) {
    super('crypto.unsealable', message);
  }
}

const PREFIX = 'pgs1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** 32 bytes from 64 hex characters or base64 / base64url (what `openssl rand -base64 32` prints); else undefined. */
export function parseDataKey(text: string): Buffer | undefined {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (!/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(t)) return undefined;
  const bytes = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length === 32 ? bytes : undefined;
}

export function dataKey(key: Buffer): DataKey {
  if (key.length !== 32) throw new SealedError('a data key is 32 bytes');
  return { id: createHash('sha256').update('partnergate data key id\0').update(key).digest('hex').slice(0, 8), key };
}

/** True when `text` has the shape of a sealed value (it may still fail to open). */
export function isSealed(text: string): boolean {
  return text.startsWith(`${PREFIX}.`);
}

/** Encrypts `plaintext` with the current key; `purpose` must be given again to open it. */
export function seal(keys: DataKeyring, plaintext: string, purpose: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keys.current.key, iv);
  cipher.setAAD(Buffer.from(purpose, 'utf8'));
  const body = Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${PREFIX}.${keys.current.id}.${body.toString('base64url')}`;
}

/**
 * Decrypts a value made by {@link seal} with the current or the previous key.
 * @throws SealedError when it is not a sealed value, its key is neither configured key, or it was altered
 *   (or sealed for another purpose). The message names none of the secret.
 */
export function unseal(keys: DataKeyring, sealed: string, purpose: string): string {
  const [prefix, id, data, extra] = sealed.split('.');
  if (prefix !== PREFIX || !id || !data || extra !== undefined) throw new SealedError('not a sealed value');
  const key = [keys.current, keys.previous].find((k) => k?.id === id);
  if (!key) throw new SealedError(`sealed with data key ${id}, which is neither PARTNERGATE_DATA_KEY nor PARTNERGATE_DATA_KEY_PREVIOUS`);
  const body = Buffer.from(data, 'base64url');
  if (body.length < IV_BYTES + TAG_BYTES) throw new SealedError('sealed value is truncated');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, body.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(purpose, 'utf8'));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return Buffer.concat([decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new SealedError(`sealed value does not open with data key ${id} (altered, or sealed for another purpose than ${purpose})`);
  }
}
