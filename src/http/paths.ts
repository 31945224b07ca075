/**
 * Which requests are Partnergate's own and which go to WordPress. The decision is made once, on the
 * normalised path alone (never the query, fragment or any X-Forwarded-* header): dot segments resolved, repeated
 * slashes collapsed, percent-encoded unreserved characters decoded. An own path that hides an encoded slash or
 * backslash is refused rather than guessed at. Matching is case-sensitive, like the express router it feeds.
 */

export const ownPrefixes = ['/partner-center', '/sso', '/healthz', '/readyz', '/metrics'] as const;

export type PathClass =
  | { kind: 'own'; path: string; search: string }
  | { kind: 'proxy' }
  | { kind: 'reject'; reason: string };

const UNRESERVED = /%(2[DdEe]|3[0-9]|4[1-9A-Fa-f]|5[0-9Aa]|6[1-9A-Fa-f]|7[0-9Aa]|5[Ff]|7[Ee])/g;

/** Resolves `.` and `..` segments and collapses `//`; the result always starts with `/`. */
export function normalisePath(rawPath: string): string {
  const decoded = rawPath.replace(UNRESERVED, (m) => String.fromCharCode(parseInt(m.slice(1), 16)));
  const out: string[] = [];
  const segments = decoded.split('/');
  for (const seg of segments) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  const trailing = decoded.endsWith('/') && out.length > 0 ? '/' : '';
  return `/${out.join('/')}${trailing}`;
}

/**
 * A path with no `%`, no `//` and no segment starting with `.` is already what normalisePath would make of it
 * (nothing to decode, collapse or resolve): most requests for WordPress, classified without building a copy.
 */
const NEEDS_NORMALISING = /%|\/\/|\/\./;

function isUnder(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/**
 * Classifies a request target (`req.url`: path and query as sent).
 * @param opts.ownEverything the partner center host (situation 3) or no upstream: every path is ours
 */
export function classifyRequest(url: string, opts: { ownEverything: boolean }): PathClass {
  const hashAt = url.indexOf('#');
  const noHash = hashAt >= 0 ? url.slice(0, hashAt) : url;
  const q = noHash.indexOf('?');
  const rawPath = q >= 0 ? noHash.slice(0, q) : noHash;
  const search = q >= 0 ? noHash.slice(q) : '';
  if (!rawPath.startsWith('/')) return opts.ownEverything ? { kind: 'reject', reason: 'malformed request target' } : { kind: 'proxy' };
  const path = NEEDS_NORMALISING.test(rawPath) ? normalisePath(rawPath) : rawPath;
  const own = opts.ownEverything || ownPrefixes.some((p) => isUnder(path, p));
  if (!own) return { kind: 'proxy' };
  if (/%2f|%5c|\\|%00|\0/i.test(rawPath)) return { kind: 'reject', reason: 'encoded slashes are not allowed in this path' };
  return { kind: 'own', path, search };
}
