/**
 * Where a browser may be sent after signing in (`rd`). Open redirects are how SSO proxies get used for
 * phishing (see the security notes), so this is one pure function with one switch: a same-origin path, or an
 * absolute http(s) URL whose host is on the allow-list (`host[:port]` exact, `.example.com` for the domain and
 * its subdomains, dot-aware so `badexample.com` does not match). Anything else falls back to the partner center.
 * The input is refused rather than repaired whenever a browser might read it differently than `URL` does.
 */

export const DEFAULT_REDIRECT = '/partner-center/';

export interface RedirectPolicy {
  /** The gateway's public origin, e.g. `https://partners.example.com`. */
  selfOrigin: string;
  /** `config.redirectAllowedHosts`: `host`, `host:port` or `.domain[:port]`. */
  allowedHosts: readonly string[];
  fallback?: string;
}

/** Printable ASCII only: no controls, spaces, backslashes or non-ASCII look-alikes (browsers strip or fold them). */
const UNSAFE_CHARS = /[^\x21-\x5b\x5d-\x7e]/;
/** Once decoded, controls and backslashes are still refused (`/%09/evil`, `/%5Cevil`); spaces and UTF-8 are fine. */
const UNSAFE_DECODED = /[\x00-\x1f\x7f\\]/;
const ABSOLUTE = /^https?:\/\/[^/?#\\]/i;

function decodeOnce(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return '\u0000'; // malformed escapes: treat as unsafe
  }
}

function defaultPort(protocol: string): string {
  return protocol === 'https:' ? '443' : '80';
}

function hostAllowed(url: URL, allowedHosts: readonly string[]): boolean {
  const port = url.port || defaultPort(url.protocol);
  return allowedHosts.some((entry) => {
    const e = entry.trim().toLowerCase();
    const colon = e.lastIndexOf(':');
    const [name, wantPort] = colon > 0 && /^\d+$/.test(e.slice(colon + 1)) ? [e.slice(0, colon), e.slice(colon + 1)] : [e, defaultPort(url.protocol)];
    if (port !== wantPort || name.length < 2) return false;
    return name.startsWith('.') ? url.hostname === name.slice(1) || url.hostname.endsWith(name) : url.hostname === name;
  });
}

/**
 * The redirect target to use for `rd`: the input normalised when it is safe, else `policy.fallback`
 * (`/partner-center/`). Same-origin targets are returned as a path (`/x?y#z`), allowed hosts as a full URL.
 */
export function safeRedirect(rd: unknown, policy: RedirectPolicy): string {
  const fallback = policy.fallback ?? DEFAULT_REDIRECT;
  if (typeof rd !== 'string' || rd.length === 0 || rd.length > 2000) return fallback;
  // A value decoded once more by someone downstream must be as safe as the value itself.
  const decoded = decodeOnce(rd);
  if (UNSAFE_CHARS.test(rd) || UNSAFE_DECODED.test(decoded)) return fallback;
  const self = new URL(policy.selfOrigin);
  const kind = rd.startsWith('/') ? 'path' : ABSOLUTE.test(rd) ? 'absolute' : 'other';
  switch (kind) {
    case 'path': {
      if (rd.startsWith('//') || decoded.startsWith('//')) return fallback;
      let url: URL;
      try {
        url = new URL(rd, self);
      } catch {
        return fallback;
      }
      // `/.//evil` resolves to the path `//evil`, which a browser reads as another host.
      if (url.origin !== self.origin || url.pathname.startsWith('//')) return fallback;
      return `${url.pathname}${url.search}${url.hash}`;
    }
    case 'absolute': {
      let url: URL;
      try {
        url = new URL(rd);
      } catch {
        return fallback;
      }
      const authority = rd.slice(rd.indexOf('//') + 2).split(/[/?#]/, 1)[0]!;
      // The authority as written must be exactly what URL parsed: no userinfo, escapes, or folded characters.
      const written = authority.toLowerCase();
      if (url.username || url.password || (written !== url.host && written !== `${url.host}:${defaultPort(url.protocol)}`)) return fallback;
      if (url.protocol === 'http:' && self.protocol === 'https:') return fallback;
      if (url.origin === self.origin || hostAllowed(url, policy.allowedHosts)) return url.href;
      return fallback;
    }
    case 'other':
      return fallback;
  }
}

/** The policy for a gateway configuration. */
export function redirectPolicyFor(config: { publicUrl: string; redirectAllowedHosts: readonly string[]; partnerCenterHost?: string }): RedirectPolicy {
  const hosts = config.partnerCenterHost ? [...config.redirectAllowedHosts, config.partnerCenterHost] : config.redirectAllowedHosts;
  return { selfOrigin: new URL(config.publicUrl).origin, allowedHosts: hosts };
}
