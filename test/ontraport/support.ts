/** Shared helpers of the Ontraport tests: a client pointed at an emulator, with fast retries. */
import { OntraportClient } from '../../src/ontraport/client.js';
import type { OntraportClientConfig } from '../../src/ontraport/types.js';
import type { OntraportEmulator } from '../support/ontraport-emulator.js';

export function clientFor(emulator: OntraportEmulator, overrides: Partial<OntraportClientConfig> = {}): OntraportClient {
  return OntraportClient.create({
    baseUrl: emulator.baseUrl,
    appId: emulator.appId,
    apiKey: emulator.apiKey,
    ratePerWindow: emulator.rateLimit,
    rateWindowMs: emulator.rateWindowMs,
    timeoutMs: 2_000,
    retryBaseMs: 5,
    retryMaxDelayMs: 50,
    ...overrides,
  });
}

/** Captures a rejection so a test can look at it. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}
