/** What a desktop browser sends on a page load, for click-tracking tests. */
export const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** Raw header pairs of a page load (for test/proxy/http.ts `send`). */
export const PAGE_LOAD: Array<[string, string]> = [
  ['User-Agent', CHROME],
  ['Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'],
  ['Sec-Fetch-Dest', 'document'],
];
