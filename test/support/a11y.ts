/**
 * Accessibility scans for browser tests, and the list of pages to scan taken from the gateway's own routers.
 *
 * - `axeScan(page)`: runs axe-core (its `axe.source`, evaluated through the DevTools protocol, so the page's CSP
 *   that forbids inline scripts stays on) on the page as it is and returns the violations of at least `serious`
 *   impact, each as one readable line naming the rule, the impact and the elements.
 * - `routePaths(router)`: every GET path an express router (and the routers mounted in it) answers, with their
 *   mount prefixes, as written (`/partner-center/products/:productId`): a page added to a router is in the list.
 */
import axe from 'axe-core';
import type { Page } from 'playwright-core';
import { routesOf } from './routes.js';

export type Impact = 'minor' | 'moderate' | 'serious' | 'critical';

interface AxeNode {
  target: unknown[];
  html: string;
  failureSummary?: string;
}
interface AxeViolation {
  id: string;
  impact?: Impact | null;
  help: string;
  nodes: AxeNode[];
}

const SERIOUS: ReadonlySet<string> = new Set(['serious', 'critical']);

/** Violations of impact serious or critical on the page now, one line each (empty: none). */
export async function axeScan(page: Page): Promise<string[]> {
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(axe.source);
  // The test tsconfig has no DOM library: axe's result is typed by hand above.
  const violations = (await page.evaluate(`window.axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)`)) as AxeViolation[];
  return violations
    .filter((v) => SERIOUS.has(v.impact ?? ''))
    .map((v) => `${v.impact} ${v.id} (${v.help}): ${v.nodes.slice(0, 5).map((n) => `${JSON.stringify(n.target)} ${n.failureSummary?.split('\n').slice(1).join(' ').trim() ?? ''}`).join(' | ')}`);
}

/** GET paths of an express app or router, mounted routers included (with their prefixes), each once. */
export function routePaths(router: Parameters<typeof routesOf>[0], prefix = ''): string[] {
  return [...new Set(routesOf(router, prefix).filter((r) => r.method === 'GET').map((r) => r.path))];
}
