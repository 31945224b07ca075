/** At most this many exports hold a database connection at once (the PostgreSQL pool has 10). */
export const MAX_CONCURRENT_EXPORTS = 4;

/**
 * One partner runs or queues at most this many exports at once (per process), so a partner (or a script with
 * their cookie) cannot take every slot from the others; a further one is refused at once with 429.
 */
export const MAX_EXPORTS_PER_PARTNER = 2;

/**
 * The export slots of one gateway (built in `createGateway`, `GatewayDeps.exportSlots`): how many row sources
 * hold a database connection, who waits for one, and how many exports each partner has running.
 */
export interface ExportSlots {
  /** Export row sources currently holding a database connection or cursor (0 when every export has let go). */
  inFlight(): number;
  /** Counts a source as holding a connection; the returned release runs once and wakes the next waiter. */
  track(): () => void;
  /**
   * Waits until fewer than the maximum hold a connection, for at most `waitMs`. Resolves true when a slot is
   * free, false on timeout or when `signal` aborts (the client went away while queued).
   */
  waitForSlot(waitMs: number, signal?: AbortSignal): Promise<boolean>;
  /** Counts an export against its partner; undefined when the partner is at the cap. The release runs once. */
  claimPartner(partnerId: number): (() => void) | undefined;
}

export function createExportSlots(max = MAX_CONCURRENT_EXPORTS, perPartner = MAX_EXPORTS_PER_PARTNER): ExportSlots {
  let inFlight = 0;
  /** Exports waiting for a slot, woken one at a time as slots free up (first come, first served). */
  const slotWaiters: Array<() => void> = [];
  const exportsByPartner = new Map<number, number>();

  return {
    inFlight: () => inFlight,
    track() {
      inFlight++;
      let released = false;
      return () => {
        if (!released) {
          released = true;
          inFlight--;
          slotWaiters.shift()?.();
        }
      };
    },
    async waitForSlot(waitMs, signal) {
      const deadline = Date.now() + waitMs;
      while (inFlight >= max) {
        const left = deadline - Date.now();
        if (left <= 0 || signal?.aborted) return false;
        await new Promise<void>((resolve) => {
          const wake = () => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', wake);
            const i = slotWaiters.indexOf(wake);
            if (i >= 0) slotWaiters.splice(i, 1);
            resolve();
          };
          const timer = setTimeout(wake, left);
          signal?.addEventListener('abort', wake, { once: true });
          slotWaiters.push(wake);
        });
      }
      return !signal?.aborted;
    },
    claimPartner(partnerId) {
      const held = exportsByPartner.get(partnerId) ?? 0;
      if (held >= perPartner) return undefined;
      exportsByPartner.set(partnerId, held + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (exportsByPartner.get(partnerId) ?? 1) - 1;
        if (left > 0) exportsByPartner.set(partnerId, left);
        else exportsByPartner.delete(partnerId);
      };
    },
  };
}
