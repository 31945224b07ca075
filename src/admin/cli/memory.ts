/**
 * `partnergate migrate` favours memory over speed: an apply over 100,000 partners keeps little alive (about
 * 40 MB of heap) but makes garbage steadily, and V8 by default lets the old generation grow to about four times
 * what survived its last full collection before it collects again, which put the apply's peak at 205-265 MB.
 * With `--optimize-for-size`, V8 grows the old generation by a small factor instead: measured 158-169 MB, for
 * about a quarter more CPU time (26-32 s of CPU instead of 20-24 s; the apply stays well within its minute).
 * Only `migrate` (src/admin/cli.ts): the flag also slows compiled code, and `mail drain`, bound by CPU, took
 * 0.99 ms of CPU per email with it instead of 0.43 (below its 1,000 emails/s). `migrate apply --send` sends at
 * that slower pace; `mail drain` is the fast way. The gateway keeps V8's defaults and a small start-up instead.
 *
 * Set at run time, not as a flag on the `partnergate` executable: V8 reads this one each time it sizes the heap
 * after a collection (`Heap::ShouldOptimizeForMemoryUsage`), so it takes effect whenever it is set. Flags V8
 * reads only while creating the heap (`--max-semi-space-size`, `--max-old-space-size`) would do nothing here.
 */
import { setFlagsFromString } from 'node:v8';

export function favourMemoryOverSpeed(): void {
  setFlagsFromString('--optimize-for-size');
}
