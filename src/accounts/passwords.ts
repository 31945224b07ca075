/**
 * Password hashing with argon2id (OWASP parameters: 19 MiB, 2 iterations, 1 lane). `verifyPassword` against a
 * missing hash still spends the same time, so an unknown email answers like a wrong password.
 */
import argon2 from 'argon2';

const options = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Hash used when the account does not exist, so the work done is the same. */
let decoyHash: Promise<string> | undefined;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, options);
}

export async function verifyPassword(hash: string | null | undefined, password: string): Promise<boolean> {
  if (!hash) {
    decoyHash ??= argon2.hash('partnergate-decoy-password', options);
    await argon2.verify(await decoyHash, password).catch(() => false);
    return false;
  }
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/** A password rule users can follow: length matters, composition rules do not (NIST SP 800-63B). */
export function passwordProblem(password: string): string | null {
  if (password.length < 10) return 'must be at least 10 characters';
  if (password.length > 200) return 'must be at most 200 characters';
  return null;
}
