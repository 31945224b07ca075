/**
 * What makes a request a click, decided from the request alone (no store access): the referral parameters of
 * the links the partner center builds (`orid`, `opid`, `sid`; see src/partners/links.ts), the gateway's own
 * attribution cookie, and the requests that are never clicks (crawlers, link-preview fetchers, prefetches, HEAD).
 * The table of cases is test/tracking/classify.test.ts.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { SUB_ID_PATTERN } from '../partners/index.js';

export const DAY_MS = 86_400_000;

/** A referral code as links carry it: Ontraport contact ids are digits; letters, `_` and `-` are tolerated. */
export const REFERRAL_CODE_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const PROMO_TOOL_ID = /^[1-9][0-9]{0,9}$/;

/**
 * User agents that fetch pages without a person behind them: search engines (Googlebot, bingbot, Slurp,
 * DuckDuckBot, Baiduspider, YandexBot, Applebot), link previews in social and chat apps (facebookexternalhit,
 * Twitterbot, LinkedInBot, Slackbot, Discordbot, WhatsApp, TelegramBot, Pinterestbot, redditbot, Embedly),
 * SEO and AI crawlers (AhrefsBot, SemrushBot, MJ12bot, DotBot, PetalBot, GPTBot, ClaudeBot, CCBot,
 * Bytespider), uptime monitors, headless browsers, and the generic words `bot`/`crawler`/`spider`
 * as a whole word. A request without a user agent is no browser either.
 */
export const CRAWLER_UA =
  /googlebot|google-inspectiontool|adsbot-google|mediapartners-google|bingbot|bingpreview|slurp|duckduckbot|baiduspider|yandex(bot|images)|applebot|facebookexternalhit|facebookcatalog|twitterbot|linkedinbot|slackbot|slack-imgproxy|discordbot|whatsapp|telegrambot|pinterest(bot)?\/|redditbot|embedly|ahrefsbot|semrushbot|mj12bot|dotbot|petalbot|gptbot|chatgpt-user|claudebot|ccbot|bytespider|uptimerobot|pingdom|headlesschrome|phantomjs|\b(bot|crawler|spider)\b/i;

// The crawler test per distinct User-Agent: a few hundred browsers send nearly every request, and a map look-up
// costs a fraction of the pattern above. Bounded: emptied when full, which costs only re-testing.
const crawlerByAgent = new Map<string, boolean>();
const MAX_AGENTS = 1_000;

function isCrawler(agent: string): boolean {
  let crawler = crawlerByAgent.get(agent);
  if (crawler === undefined) {
    crawler = CRAWLER_UA.test(agent);
    if (crawlerByAgent.size >= MAX_AGENTS) crawlerByAgent.clear();
    crawlerByAgent.set(agent, crawler);
  }
  return crawler;
}

/** A request a person did not ask to see: a crawler, a link preview, a speculative prefetch or prerender, a HEAD. */
export function isNotAVisit(method: string | undefined, headers: IncomingHttpHeaders): boolean {
  if (method !== 'GET') return true;
  const agent = headers['user-agent'];
  if (agent === undefined || agent === '' || isCrawler(agent)) return true;
  const purpose = headers['sec-purpose'] ?? headers.purpose ?? headers['x-purpose'] ?? headers['x-moz'];
  return purpose !== undefined && /prefetch|prerender|preview/i.test(String(purpose));
}

/** A top-level page load: only those count for a visitor who comes back with the attribution cookie. */
export function isPageLoad(headers: IncomingHttpHeaders): boolean {
  const dest = headers['sec-fetch-dest'];
  if (dest !== undefined) return dest === 'document';
  const accept = headers.accept;
  return accept !== undefined && accept.includes('text/html');
}

export interface Referral {
  referralCode: string;
  promoToolId: number | null;
  subId: string | null;
}

/**
 * The value of parameter `name` (given with its `=`) in a raw query: the first occurrence, as URLSearchParams
 * reads it, without parsing the rest (this runs on the proxy's request path). Percent-escapes are decoded;
 * a value that cannot be decoded counts as absent.
 */
function param(query: string, name: string): string | null {
  let from = 0;
  for (;;) {
    const at = query.indexOf(name, from);
    if (at < 0) return null;
    if (at === 0 || query.charCodeAt(at - 1) === 38 /* & */) {
      const end = query.indexOf('&', at + name.length);
      const raw = query.slice(at + name.length, end < 0 ? undefined : end);
      if (!raw.includes('%') && !raw.includes('+')) return raw;
      try {
        return decodeURIComponent(raw.replace(/\+/g, ' '));
      } catch {
        return null;
      }
    }
    from = at + 1;
  }
}

/** The referral parameters of a URL's query (the text after `?`), or undefined when `orid` is missing or malformed. */
export function referralOf(query: string): Referral | undefined {
  const code = param(query, 'orid=');
  if (code === null || !REFERRAL_CODE_PATTERN.test(code)) return undefined;
  const opid = param(query, 'opid=');
  const sid = param(query, 'sid=');
  return {
    referralCode: code,
    promoToolId: opid !== null && PROMO_TOOL_ID.test(opid) ? Number(opid) : null,
    subId: sid !== null && SUB_ID_PATTERN.test(sid) ? sid : null,
  };
}

/**
 * The attribution cookie's value: `<referral code>.<promo tool id or empty>.<SubID or empty>.<day set>.<day last
 * counted>` (days are UTC days since the epoch). Neither part can hold a `.`. It is not signed: it grants nothing
 * a visitor could not get by opening any partner's link.
 */
export interface Attribution extends Referral {
  setDay: number;
  countedDay: number;
}

export function formatAttribution(a: Referral, setDay: number, countedDay: number): string {
  return `${a.referralCode}.${a.promoToolId ?? ''}.${a.subId ?? ''}.${setDay}.${countedDay}`;
}

const ATTRIBUTION = /^([A-Za-z0-9_-]{1,64})\.([1-9][0-9]{0,9})?\.([A-Za-z0-9_-]{1,64})?\.([0-9]{1,6})\.([0-9]{1,6})$/;

/** The attribution cookie named `name` in a Cookie header, parsed; undefined when absent or malformed. */
export function attributionIn(cookieHeader: string, name: string): Attribution | undefined {
  const at = cookieHeader.indexOf(`${name}=`);
  if (at < 0 || (at > 0 && cookieHeader[at - 1] !== ' ' && cookieHeader[at - 1] !== ';')) return undefined;
  const start = at + name.length + 1;
  const end = cookieHeader.indexOf(';', start);
  const m = ATTRIBUTION.exec(cookieHeader.slice(start, end < 0 ? undefined : end).trim());
  if (!m) return undefined;
  return { referralCode: m[1]!, promoToolId: m[2] ? Number(m[2]) : null, subId: m[3] ?? null, setDay: Number(m[4]), countedDay: Number(m[5]) };
}
