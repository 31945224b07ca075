/**
 * Shared pieces of the adversarial suite: recording a whole table of cases at once (every case is recorded,
 * then the test fails listing each one that did not hold), a bounded-concurrency map, the redirect attack
 * strings (the auth fixture plus ones built on the gateway's own origin), and the rule a redirect answer must
 * follow to be safe.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { recordCase } from '../support/adversarial.js';

export interface CaseResult {
  name: string;
  held: boolean;
  /** What was seen, shown when the case did not hold. */
  why?: string;
}

/**
 * Records every result under `cls`, then asserts that all held. Recording first means one broken case does not
 * hide the others from the summary table.
 */
export function expectAllHeld(cls: string, results: readonly CaseResult[]): void {
  const failed: string[] = [];
  for (const r of results) if (!recordCase(cls, r.name, r.held)) failed.push(`${r.name}${r.why ? ` (${r.why})` : ''}`);
  expect(results.length, `no cases were tried for ${cls}`).to.be.greaterThan(0);
  expect(failed, `${cls}: cases not held`).to.deep.equal([]);
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping the input order in the output. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}

/** The published open-redirect bypass strings of test/auth/fixtures/redirect-attacks.txt, unescaped. */
export function fixtureRedirectAttacks(): string[] {
  return readFileSync(new URL('../auth/fixtures/redirect-attacks.txt', import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0 && !l.startsWith('# '))
    .map((l) =>
      l
        .replace(/\\t/g, '\t')
        .replace(/\\n/g, '\n')
        .replace(/\\r/g, '\r')
        .replace(/\\0/g, '\u0000')
        .replace(/\\u([0-9a-f]{4})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
    );
}

/**
 * The allow-list the suite's gateways use. Ports are explicit so that the fixture's "downgrade to http" cases
 * stay attacks on a gateway that itself runs on http (tests): `http://www.example.com/` is port 80, not 443.
 */
export const ALLOWED_REDIRECT_HOSTS = 'www.example.com:443,.shop.example.com:443,app.example.org:8443';

/** Attacks built on the gateway's own origin (`http://127.0.0.1:<port>`): look-alikes, userinfo, other ports. */
export function selfRedirectAttacks(selfOrigin: string): string[] {
  const self = new URL(selfOrigin);
  const other = Number(self.port) === 65535 ? 65534 : Number(self.port) + 1;
  return [
    `${self.protocol}//${self.host}.evil.com/`,
    `${self.protocol}//${self.host}@evil.com/`,
    `${self.protocol}//evil.com@${self.host}@evil.com/`,
    `${self.protocol}//evil.com#@${self.host}/`,
    `${self.protocol}//evil.com\\@${self.host}/`,
    `${self.protocol}//${self.hostname}:${other}/`,
    `https://${self.host}/`,
    `//${self.host}@evil.com/`,
    `///${self.host}/../evil.com/`,
    `${self.protocol}//${self.hostname}%2e:${self.port}/`,
    `${self.protocol}//${self.hostname}.:${self.port}/`,
    `${self.protocol}/\\${self.host}.evil.com/`,
    `/\\/${self.host}.evil.com`,
    // More published shapes (oauth2-proxy, Authelia, Pomerium advisories) not in the auth fixture.
    '/%09/%2Fevil.com',
    '/%5c%2fevil.com',
    '/.%2e//evil.com',
    '/%2e%2e//evil.com',
    '////\\;@evil.com',
    '/\\\\evil.com',
    '/%0a/evil.com',
    '/%0d/evil.com',
    '/%E3%80%82evil.com',
    '\\\\\\evil.com',
    'https:%2f%2fevil.com',
    'https://www.example.com%40evil.com/',
    'https://evil.com%2523@www.example.com/',
    'https://www.example.com%2f@evil.com/',
    'https://[::ffff:7f00:1]/',
    'https://evil.com:443\\@www.example.com/',
    'https://www.example.com:443.evil.com/',
    'https://.shop.example.com.evil.com/',
    'https://evil.shop.example.com@evil.com/',
  ];
}

/** Characters no Location value may carry (header splitting). */
const HEADER_BREAKERS = /[\r\n\0]/;

/**
 * A redirect answer is safe when the browser, parsing Location the WHATWG way (which is what strips tabs and
 * reads `\` as `/`), stays on the gateway's own origin, or lands exactly on an allowed absolute URL.
 */
export function safeLocation(location: string | null | undefined, selfOrigin: string, allowed: readonly string[] = []): { held: boolean; why: string } {
  if (location === null || location === undefined || location === '') return { held: false, why: 'no Location' };
  if (HEADER_BREAKERS.test(location)) return { held: false, why: `Location with control characters: ${JSON.stringify(location)}` };
  let url: URL;
  try {
    url = new URL(location, selfOrigin);
  } catch {
    return { held: false, why: `unparsable Location ${JSON.stringify(location)}` };
  }
  if (url.origin === new URL(selfOrigin).origin) return { held: true, why: `same origin ${location}` };
  if (allowed.includes(url.href)) return { held: true, why: `allowed ${location}` };
  return { held: false, why: `left for ${url.origin} (${JSON.stringify(location)})` };
}

/** `JSON.stringify` clipped for case names: attack strings carry tabs, NULs and non-ASCII. */
export function caseName(prefix: string, value: string): string {
  return `${prefix} ${JSON.stringify(value).slice(0, 80)}`;
}

/** HTML entities back to text, so markers are found whatever the template escaped. */
export const decodeHtml = (s: string) =>
  s.replace(/&#x([0-9a-f]+);/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))).replace(/&#(\d+);/g, (_m, d: string) => String.fromCharCode(Number(d))).replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');


/**
 * Lines printed after the run under `title` (next to the summary table), registered only once a line exists so
 * that a skipped file prints nothing.
 */
export function figuresPrinter(title: string): (line: string, first?: boolean) => void {
  const lines: string[] = [];
  return (line, first = false) => {
    if (lines.length === 0) {
      const g = globalThis as { __partnergateSummaries?: Array<() => string> };
      (g.__partnergateSummaries ??= []).push(() => [title, ...lines].join('\n'));
    }
    if (first) lines.unshift(line);
    else lines.push(line);
  };
}
