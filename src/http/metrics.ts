/**
 * Prometheus metrics (prom-client): requests and latency by route class (own or proxied), and errors. The
 * proxied path records with one histogram observation and one counter increment per response; nothing else.
 */
import client from 'prom-client';

export type RouteClass = 'own' | 'proxied';

export interface Metrics {
  registry: client.Registry;
  observe(routeClass: RouteClass, status: number, seconds: number): void;
  upstreamError(kind: 'unavailable' | 'timeout'): void;
}

export function createMetrics(): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const requests = new client.Counter({ name: 'partnergate_http_requests_total', help: 'HTTP requests by route class and status class', labelNames: ['class', 'status'] as const, registers: [registry] });
  const latency = new client.Histogram({ name: 'partnergate_http_request_duration_seconds', help: 'Time to the end of the response', labelNames: ['class'] as const, buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry] });
  const upstream = new client.Counter({ name: 'partnergate_upstream_errors_total', help: 'Proxied requests answered 502/504 by the gateway', labelNames: ['kind'] as const, registers: [registry] });
  const statusClass = ['1xx', '1xx', '2xx', '3xx', '4xx', '5xx'];
  return {
    registry,
    observe(routeClass, status, seconds) {
      requests.inc({ class: routeClass, status: statusClass[Math.floor(status / 100)] ?? '5xx' });
      latency.observe({ class: routeClass }, seconds);
    },
    upstreamError(kind) {
      upstream.inc({ kind });
    },
  };
}
