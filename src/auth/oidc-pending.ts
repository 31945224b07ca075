import { isSealed, type SecretBox } from './secret-box.js';

/** How long a browser has between "Sign in with..." and coming back. */
export const OIDC_STATE_TTL_MS = 10 * 60_000;
const OIDC_STATE_PURPOSE = 'oidc-pending-sign-in';

export interface PendingSignIn {
  /** The callback URL sent to the provider (the public URL's, or the partner center host's in situation 3). */
  redirectUri: string;
  state: string;
  nonce: string;
  verifier: string;
  rd?: string;
  reauth?: boolean;
}

/** The pending sign-in as sealed into the `pg_oidc` cookie, with its expiry. */
type SealedPending = PendingSignIn & { exp: number };

export interface PendingSignIns {
  /** Seals a pending sign-in for the browser's cookie; it expires OIDC_STATE_TTL_MS after `now`. */
  seal: (pending: PendingSignIn, now: number) => string;
  /**
   * The pending sign-in of the browser's cookie, when it was sealed here and has not expired. Used once: the
   * callback clears the cookie, and the provider's authorization code it is exchanged with works once (PKCE-bound).
   */
  open: (handle: string | undefined, now: number) => PendingSignIn | undefined;
}

/**
 * Nothing is stored: the pending sign-in travels sealed in the browser's cookie, so any number of starts costs
 * the store nothing (a server-side row per start let anyone grow it without bound).
 */
export function createPendingSignIns(box: SecretBox): PendingSignIns {
  return {
    seal(pending, now) {
      const sealed: SealedPending = { ...pending, exp: now + OIDC_STATE_TTL_MS };
      return box.seal(JSON.stringify(sealed), OIDC_STATE_PURPOSE);
    },
    open(handle, now) {
      if (!handle || !isSealed(handle) || handle.length > 8192) return undefined;
      try {
        const { exp, ...pending } = JSON.parse(box.open(handle, OIDC_STATE_PURPOSE).value) as SealedPending;
        return typeof exp === 'number' && exp > now ? pending : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
