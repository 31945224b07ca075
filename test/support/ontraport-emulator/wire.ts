/** The emulator's wire helpers: string values, request bodies, HTTP errors, window counting, record changes. */
import type { IncomingMessage } from 'node:http';
import type { EmuRecord } from './conditions.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Ontraport sends values as strings. */
export function serialise(record: EmuRecord): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(record)) if (v !== undefined) out[k] = v === null ? null : String(v);
  return out;
}

export async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  if (String(req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The most timestamps within any window of `windowMs` (two pointers over sorted times). */
export function maxInWindow(timestamps: number[], windowMs: number): number {
  const times = [...timestamps].sort((a, b) => a - b);
  let best = 0;
  for (let lo = 0, hi = 0; hi < times.length; hi++) {
    while (times[hi]! - times[lo]! >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

/** A visible change per object type (canonical names), used by `changeFraction`. */
export function mutationFor(type: number, r: EmuRecord): EmuRecord {
  switch (type) {
    case 0:
      return { lastname: `${r.lastname ?? ''}-x` };
    case 16:
      return { price: (Number(r.price ?? 0) + 1).toFixed(2) };
    case 35:
    case 40:
      return { name: `${r.name ?? ''}*` };
    case 38:
      return { amount: (Number(r.amount ?? 0) + 1).toFixed(2) };
    case 44:
      return { next_charge: Number(r.next_charge ?? 0) + 86_400 };
    default:
      return {};
  }
}
