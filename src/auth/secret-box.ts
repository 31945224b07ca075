/**
 * Secrets at rest for sign-in: what the store keeps that would let someone sign in (TOTP seeds, OpenID refresh
 * tokens) and the pending OpenID sign-in cookie are sealed with the gateway's data key (`src/common/sealed.ts`,
 * AES-256-GCM, `PARTNERGATE_DATA_KEY`), so a database dump or backup alone is useless. The purpose is associated
 * data naming what the value is for: a sealed seed moved to another account does not open.
 *
 * Rotation: the new key goes in `PARTNERGATE_DATA_KEY`, the old one in `PARTNERGATE_DATA_KEY_PREVIOUS`. Values
 * under the previous key, and plain values written before encryption existed, still open and are reported
 * `stale`, so callers re-seal them; {@link resealStoredSecrets} does the rest in the background.
 */
import { isSealed, seal, unseal, type DataKeyring } from '../common/sealed.js';
import type { Config } from '../config/index.js';

export { isSealed };

export interface Opened {
  value: string;
  /** Sealed under the previous key, or not sealed at all: write it back sealed under the current key. */
  stale: boolean;
}

export interface SecretBox {
  /** Prefix every value sealed under the current key starts with (for finding stale rows). */
  readonly currentPrefix: string;
  seal(plain: string, purpose: string): string;
  /** @throws SealedError when the value is sealed under an unknown key or was tampered with */
  open(stored: string, purpose: string): Opened;
}

export function createSecretBox(keys: DataKeyring): SecretBox {
  const currentPrefix = `pgs1.${keys.current.id}.`;
  return {
    currentPrefix,
    seal: (plain, purpose) => seal(keys, plain, purpose),
    open(stored, purpose) {
      if (!isSealed(stored)) return { value: stored, stale: true };
      return { value: unseal(keys, stored, purpose), stale: !stored.startsWith(currentPrefix) };
    },
  };
}

const boxes = new WeakMap<object, SecretBox>();

/** One box per configuration. */
export function secretBoxFor(config: Pick<Config, 'dataKeys'>): SecretBox {
  let box = boxes.get(config);
  if (!box) boxes.set(config, (box = createSecretBox(config.dataKeys)));
  return box;
}

/** Associated data of a TOTP seed: the account it belongs to. */
export const totpPurpose = (accountId: number) => `totp-secret:${accountId}`;
/** Associated data of an OpenID refresh token kept with a session. */
export const REFRESH_TOKEN_PURPOSE = 'oidc-refresh-token';
