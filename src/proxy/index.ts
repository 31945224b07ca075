/**
 * The WordPress pass-through: every request that is not Partnergate's own goes to the upstream unchanged
 * (http-proxy-middleware, created once), with header hygiene, a signed identity assertion for signed-in
 * partners, websockets, upload limits, and a branded 502/504 page when WordPress is down or slow.
 */
export { createUpstreamProxy, type UpstreamProxy, type UpstreamProxyDeps, type UpstreamProxyOptions } from './upstream.js';
export { ASSERTION_TTL_SECONDS, type IdentityClaims } from './identity.js';
