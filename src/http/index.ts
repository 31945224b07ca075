/**
 * The HTTP plumbing of Partnergate's own routes, below every capability: cookie names and the one way to set
 * them, the per-request context (id, logger), the error handler that maps AppError to a page or JSON, the
 * classification of a request as own / WordPress / refused, health and readiness, and the metrics registry.
 * Nothing here knows about sessions, partners or pages: sign-in state (session loader, CSRF) belongs to src/auth,
 * page routes to src/views.
 */
export { cookieNames, readCookies, setCookie, clearCookie, type CookieNames } from './cookies.js';
export { requestContext, type RequestContext } from './request-context.js';
export { errorHandler } from './error-handler.js';
export { classifyRequest, normalisePath, ownPrefixes, type PathClass } from './paths.js';
export { createHealthRouter, type HealthDeps } from './health.js';
export { createMetrics, serveClusterMetrics, type Metrics, type RouteClass, type UpstreamErrorKind } from './metrics.js';
export { createRequestObserver, upgradeAnswered, upstreamAnswered, upstreamStarted, type RequestObserver } from './access-log.js';
export { clientAddress, compileTrust, forwardedFor, plainAddress, type TrustFn } from './forwarded.js';
