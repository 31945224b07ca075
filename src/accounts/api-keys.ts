/**
 * Partner API keys: read-only keys a partner makes in settings for their own scripts. A key reads
 * `pgk_<key id>_<secret>`: the prefix makes a leaked key recognisable (secret scanners, logs), the key id (12
 * hex characters, not secret) finds its row, and only the sha256 of the whole key is stored, so a database dump
 * yields no usable key. The key is shown once, when made.
 */
import { randomBytes } from 'node:crypto';
import { randomToken, safeEqual, sha256 } from '../common/index.js';
import type { Db } from '../store/index.js';
import * as repo from './api-keys.repo.js';

export type { ApiKeyRow } from './api-keys.repo.js';

export const API_KEY_PREFIX = 'pgk_';
/** Active keys a partner may hold at once: enough for a few scripts, few enough to review at a glance. */
export const MAX_ACTIVE_API_KEYS = 10;
export const API_KEY_NAME_MAX = 60;
/** The last-used time is written at most this often per key. */
export const API_KEY_TOUCH_MS = 60_000;

const KEY_SHAPE = /^pgk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export type ApiKeyVerdict =
  | { ok: true; key: repo.ApiKeyRow }
  | { ok: false; problem: 'malformed' | 'unknown' | 'revoked' };

export type ApiKeyCreation =
  | { ok: true; key: string; row: repo.ApiKeyRow }
  | { ok: false; problem: 'name' | 'too_many' };

/** What the partner sees of a key: never its hash. */
export interface ApiKeyView {
  id: number;
  keyId: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export const apiKeyView = (r: repo.ApiKeyRow): ApiKeyView => ({ id: r.id, keyId: r.key_id, name: r.name, createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at });

/** Makes a key for the partner, within the cap; the returned `key` is the only time its secret exists. */
export async function createApiKey(db: Db, input: { accountId: number; partnerId: number; name: string; now: number }): Promise<ApiKeyCreation> {
  const name = input.name.trim();
  if (name === '' || name.length > API_KEY_NAME_MAX || /[\u0000-\u001f]/.test(name)) return { ok: false, problem: 'name' };
  return db.transaction().execute(async (trx) => {
    if ((await repo.countActive(trx, input.partnerId)) >= MAX_ACTIVE_API_KEYS) return { ok: false, problem: 'too_many' } as const;
    const keyId = randomBytes(6).toString('hex');
    const key = `${API_KEY_PREFIX}${keyId}_${randomToken(32)}`;
    const fields = { key_id: keyId, key_hash: sha256(key), account_id: input.accountId, partner_id: input.partnerId, name, created_at: input.now };
    const id = await repo.insertApiKey(trx, fields);
    return { ok: true, key, row: { id, ...fields, last_used_at: null, revoked_at: null } } as const;
  });
}

/** Checks a presented key: its shape, its row, its hash (timing-safe) and that it is not revoked. */
export async function verifyApiKey(db: Db, presented: string): Promise<ApiKeyVerdict> {
  const m = KEY_SHAPE.exec(presented);
  if (!m) return { ok: false, problem: 'malformed' };
  const row = await repo.findByKeyId(db, m[1]!);
  if (!row || !safeEqual(row.key_hash, sha256(presented))) return { ok: false, problem: 'unknown' };
  if (row.revoked_at !== null) return { ok: false, problem: 'revoked' };
  return { ok: true, key: row };
}

/** Records use of the key unless it was recorded within the last minute (no write at all then). */
export async function touchApiKey(db: Db, key: repo.ApiKeyRow, now: number): Promise<void> {
  if (key.last_used_at !== null && now - key.last_used_at < API_KEY_TOUCH_MS) return;
  await repo.touch(db, key.id, now, now - API_KEY_TOUCH_MS);
}

export async function listApiKeys(db: Db, partnerId: number): Promise<ApiKeyView[]> {
  return (await repo.listForPartner(db, partnerId, { withRevoked: true })).map(apiKeyView);
}

export const revokeApiKey = repo.revoke;
export const revokeAllApiKeys = repo.revokeAllOfPartner;
export const listApiKeyRows = repo.listForPartner;
