import * as client from 'openid-client';
import { AppError, type Logger } from '../common/index.js';
import type { Config } from '../config/index.js';

/** The provider's configuration, discovered on first use and discovered again after a failure. */
export type OidcConfiguration = () => Promise<client.Configuration>;

/**
 * Discovery on first use, so a provider that is down does not stop the gateway from starting; a failed
 * discovery is forgotten, so the next sign-in tries again.
 */
export function createOidcDiscovery(config: Config, logger: Pick<Logger, 'warn'>): OidcConfiguration {
  let discovered: Promise<client.Configuration> | undefined;
  return function configuration() {
    if (!config.oidcEnabled) return Promise.reject(new AppError('not_found', 'Single sign-on is not configured.'));
    discovered ??= client
      .discovery(
        new URL(config.oidcIssuer!),
        config.oidcClientId!,
        undefined,
        config.oidcClientSecret ? client.ClientSecretBasic(config.oidcClientSecret) : client.None(),
        // Plain-http issuers only outside production (a local provider in development and tests).
        { execute: config.environment !== 'production' ? [client.allowInsecureRequests] : [] },
      )
      .catch((err: unknown) => {
        discovered = undefined;
        logger.warn({ err: (err as Error).message }, 'OIDC discovery failed');
        throw new AppError('upstream.unavailable', `Signing in with ${config.oidcProviderName} is unavailable right now. Try again in a minute, or sign in with your email and password.`);
      });
    return discovered;
  };
}
