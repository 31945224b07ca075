/**
 * The API keys card of `/partner-center/settings`: `POST /settings/api-keys` makes a key (name, and the current
 * password unless the OpenID sign-in is fresh) and answers the settings page showing the key this one time;
 * `POST /settings/api-keys/:id/revoke` revokes one. Both are CSRF-checked by the app like every form, and a
 * request authenticated by an API key never reaches them (src/auth api-key refuses it first).
 */
import type { RequestHandler } from 'express';
import type { GatewayDeps } from '../../deps.js';
import { t } from '../../i18n/index.js';
import { accountEmailOf, dropApiKey, makeApiKey } from '../../partners/index.js';
import { actorOf, formAction, renderSettings, settingsDeps } from './settings.js';

const str = (v: unknown) => (typeof v === 'string' ? v : '');

export function createApiKeyAction(deps: GatewayDeps): RequestHandler {
  return async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const d = settingsDeps(deps, req);
    let made: { key: string; name: string } | undefined;
    await formAction(req, res, deps, { form: 'api-key', api_key_name: str(body.api_key_name).slice(0, 200) }, async () => {
      const actor = actorOf(req, res);
      const account = await accountEmailOf(d, actor.session.account_id);
      const { key, view } = await makeApiKey(d, actor, { name: body.api_key_name, currentPassword: body.current_password, hasPassword: account.hasPassword });
      made = { key, name: view.name };
      return '';
    }, async () => {
      // Shown in this answer only: it is not stored anywhere it could be shown again.
      res.setHeader('Cache-Control', 'private, no-store');
      await renderSettings(req, res, deps, { newApiKey: made, notice: t(req.ctx.locale, 'partner-api:apiKeys.madeNotice') });
    });
  };
}

export function revokeApiKeyAction(deps: GatewayDeps): RequestHandler {
  return async (req, res) => {
    await formAction(req, res, deps, { form: 'api-key' }, async () => {
      await dropApiKey(settingsDeps(deps, req), actorOf(req, res), req.params.id);
      return 'api-key-revoked';
    });
  };
}
