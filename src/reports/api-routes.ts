/**
 * The routes a partner API key may call: the JSON reports and the CSV exports, read-only (GET and HEAD). The
 * bearer check (src/auth api-key) lets a key through on these and refuses it everywhere else; the OpenAPI
 * document (openapi.ts) describes exactly these, and its test checks both against each other.
 */
export interface ApiRoute {
  /** The path as the OpenAPI document writes it. */
  openApiPath: string;
  /** Matches the request path (under the app, query excluded) of this route. */
  pattern: RegExp;
}

export const PARTNER_API_ROUTES: readonly ApiRoute[] = [
  { openApiPath: '/partner-center/api/reports/{report}', pattern: /^\/partner-center\/api\/reports\/[^/]+$/ },
  { openApiPath: '/partner-center/exports/{report}.csv', pattern: /^\/partner-center\/exports\/[^/]+\.csv$/ },
  { openApiPath: '/partner-center/payouts/{payoutId}/statement.csv', pattern: /^\/partner-center\/payouts\/[^/]+\/statement\.csv$/ },
];

/** Whether a key may be used for this method and path. */
export function isPartnerApiRoute(method: string, path: string): boolean {
  return (method === 'GET' || method === 'HEAD') && PARTNER_API_ROUTES.some((r) => r.pattern.test(path));
}
