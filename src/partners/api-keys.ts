/**
 * A partner's API keys from the settings page: make one (named; proving who they are first, as for a PayPal
 * change, since a key reads everything the partner's reports hold), list them, revoke one. Each change is in the
 * audit log with the key's non-secret id, never the key.
 */
import { AppError, fieldProblem } from '../common/index.js';
import { DEFAULT_LOCALE, t } from '../i18n/index.js';
import { API_KEY_NAME_MAX, MAX_ACTIVE_API_KEYS, createApiKey, listApiKeys, recordAudit, revokeApiKey, type ApiKeyView } from '../accounts/index.js';
import type { Actor, SettingsDeps } from './account-settings.js';
import { requireReauth } from './reauth.js';

export { listApiKeys, MAX_ACTIVE_API_KEYS, type ApiKeyView };

/**
 * Makes a key; returns it (the only time it exists outside the partner's hands) with its view.
 * @throws AppError request.invalid_field (api_key_name), conflict (too many keys), auth.reauth_required
 */
export async function makeApiKey(d: SettingsDeps, actor: Actor, input: { name: unknown; currentPassword: unknown; hasPassword: boolean }): Promise<{ key: string; view: ApiKeyView }> {
  const name = typeof input.name === 'string' ? input.name : '';
  await requireReauth({ session: actor.session, hasPassword: input.hasPassword, password: input.currentPassword, now: d.now(), providerName: d.providerName, confirmPassword: d.confirmPassword });
  const now = d.now();
  const made = await createApiKey(d.db, { accountId: actor.session.account_id, partnerId: actor.partnerId, name, now });
  if (!made.ok) {
    const locale = actor.locale ?? DEFAULT_LOCALE;
    if (made.problem === 'name') throw fieldProblem('api_key_name', t(locale, 'partner-api:apiKeys.errorName', { max: API_KEY_NAME_MAX }));
    throw new AppError('conflict', t(locale, 'partner-api:apiKeys.errorTooMany', { max: MAX_ACTIVE_API_KEYS }), { field: 'api_key_name' });
  }
  await recordAudit(d.db, { action: 'api_key.created', at: now, actorAccountId: actor.session.account_id, partnerId: actor.partnerId, details: { keyId: made.row.key_id, name: made.row.name }, ip: actor.ip, requestId: actor.requestId });
  return { key: made.key, view: { id: made.row.id, keyId: made.row.key_id, name: made.row.name, createdAt: now, lastUsedAt: null, revokedAt: null } };
}

/** Revokes one of the partner's own keys; another partner's key id is "not found", like a missing one. */
export async function dropApiKey(d: Pick<SettingsDeps, 'db' | 'now'>, actor: Actor, idText: unknown): Promise<void> {
  const id = typeof idText === 'string' && /^\d{1,9}$/.test(idText) ? Number(idText) : NaN;
  const now = d.now();
  if (!Number.isInteger(id) || !(await revokeApiKey(d.db, actor.partnerId, id, now))) {
    throw new AppError('not_found', t(actor.locale ?? DEFAULT_LOCALE, 'partner-api:apiKeys.errorNotFound'), { field: 'api_key' });
  }
  await recordAudit(d.db, { action: 'api_key.revoked', at: now, actorAccountId: actor.session.account_id, partnerId: actor.partnerId, details: { id }, ip: actor.ip, requestId: actor.requestId });
}
