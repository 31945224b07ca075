/**
 * Choosing a loaded language: for a stored tag (exact, case-insensitive) and for an `Accept-Language` header
 * (RFC 9110 12.5.4 quality values; `de-AT` falls back to `de`, `pt` finds `pt-BR`). Answers are kept per header,
 * since browsers send only a handful of distinct headers and this runs on every request.
 */
export interface Negotiator {
  supported(tag: string | null | undefined): string | undefined;
  negotiate(acceptLanguage: string | undefined): string;
}

const MAX_HEADER = 512;
const MAX_KEPT = 500;

function primary(tag: string): string {
  return tag.split('-')[0]!;
}

/** `de-CH, de;q=0.9, en;q=0.5` -> `['de-ch', 'de', 'en']`, best first, quality 0 dropped. */
export function parseAcceptLanguage(header: string): string[] {
  const ranges: Array<{ tag: string; q: number; i: number }> = [];
  header.split(',').forEach((part, i) => {
    const [tagPart, ...params] = part.trim().split(';');
    const tag = tagPart!.trim().toLowerCase();
    if (!/^(\*|[a-z]{1,8}(-[a-z0-9]{1,8})*)$/.test(tag)) return;
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([01](\.\d{0,3})?)\s*$/i.exec(p);
      if (m) q = Number(m[1]);
    }
    if (q > 0) ranges.push({ tag, q, i });
  });
  return ranges.sort((a, b) => b.q - a.q || a.i - b.i).map((r) => r.tag);
}

export function createNegotiator(languages: readonly string[], fallback: string): Negotiator {
  const byLower = new Map(languages.map((l) => [l.toLowerCase(), l]));
  const kept = new Map<string, string>();
  const supported = (tag: string | null | undefined) => (tag ? byLower.get(tag.toLowerCase()) : undefined);
  const match = (range: string): string | undefined => {
    if (range === '*') return undefined;
    const exact = byLower.get(range);
    if (exact) return exact;
    const base = primary(range);
    return byLower.get(base) ?? languages.find((l) => primary(l.toLowerCase()) === base);
  };
  return {
    supported,
    negotiate(header) {
      if (!header) return fallback;
      const key = header.slice(0, MAX_HEADER);
      let chosen = kept.get(key);
      if (chosen === undefined) {
        chosen = fallback;
        for (const range of parseAcceptLanguage(key)) {
          const m = match(range);
          if (m) {
            chosen = m;
            break;
          }
        }
        if (kept.size >= MAX_KEPT) kept.clear();
        kept.set(key, chosen);
      }
      return chosen;
    },
  };
}
