/**
 * Prometheus metrics (prom-client): requests and latency by route class (own or proxied), and errors. The
 * proxied path records with one histogram observation and one counter increment per response; nothing else.
 *
 * With several worker processes (PARTNERGATE_WORKERS > 1) a scrape lands on one worker, which asks the primary
 * for every worker's figures: the primary aggregates them with prom-client's AggregatorRegistry (counters and
 * histograms summed, default process metrics per worker as prom-client aggregates them).
 */
import cluster from 'node:cluster';
import client, { AggregatorRegistry } from 'prom-client';

export type RouteClass = 'own' | 'proxied';
/** Why WordPress gave no (complete) answer: connection refused, reset or ended early, no answer in time, anything else. */
export type UpstreamErrorKind = 'refused' | 'reset' | 'timeout' | 'unavailable';

export interface Metrics {
  registry: client.Registry;
  contentType: string;
  /** The Prometheus text: this process's figures, or every worker's when this is a cluster worker. */
  text(): Promise<string>;
  observe(routeClass: RouteClass, status: number, seconds: number): void;
  upstreamError(kind: UpstreamErrorKind): void;
}

const ASK = 'partnergate:metrics?';
const ANSWER = 'partnergate:metrics';
/** A scrape that the primary does not answer in this time fails (prom-client waits 5 s per worker itself). */
const CLUSTER_SCRAPE_MS = 10_000;

interface MetricsMessage {
  type?: string;
  id?: number;
  text?: string;
  error?: string;
}

/** In the primary: answers workers' requests for the aggregated figures. Call once, before forking. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: MetricsMessage) => {
    if (message?.type !== ASK) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: ANSWER, id: message.id, text }),
      (err: Error) => worker.send({ type: ANSWER, id: message.id, error: err.message }),
    );
  });
}

let asked = 0;
const waiting = new Map<number, { resolve(text: string): void; reject(err: Error): void }>();

function askPrimary(): Promise<string> {
  const id = ++asked;
  if (waiting.size === 0) process.on('message', onAnswer);
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => settle(id, undefined, 'the primary process did not answer'), CLUSTER_SCRAPE_MS);
    timer.unref();
    waiting.set(id, {
      resolve: (text) => (clearTimeout(timer), resolve(text)),
      reject: (err) => (clearTimeout(timer), reject(err)),
    });
    process.send!({ type: ASK, id });
  });
}

function settle(id: number | undefined, text: string | undefined, error: string | undefined): void {
  const w = id === undefined ? undefined : waiting.get(id);
  if (!w) return;
  waiting.delete(id!);
  if (waiting.size === 0) process.off('message', onAnswer);
  if (text !== undefined) w.resolve(text);
  else w.reject(new Error(`cluster metrics: ${error ?? 'no answer'}`));
}

function onAnswer(message: MetricsMessage): void {
  if (message?.type === ANSWER) settle(message.id, message.text, message.error);
}

export function createMetrics(): Metrics {
  const registry = new client.Registry();
  const clustered = cluster.isWorker && typeof process.send === 'function';
  if (clustered) {
    // What this worker answers when the primary's AggregatorRegistry asks for its figures; prom-client installs
    // the worker's listener only when an AggregatorRegistry is made, so one is made here (and not used).
    AggregatorRegistry.setRegistries([registry]);
    new AggregatorRegistry();
  }
  client.collectDefaultMetrics({ register: registry });
  const requests = new client.Counter({ name: 'partnergate_http_requests_total', help: 'HTTP requests by route class and status class', labelNames: ['class', 'status'] as const, registers: [registry] });
  const latency = new client.Histogram({ name: 'partnergate_http_request_duration_seconds', help: 'Time to the end of the response', labelNames: ['class'] as const, buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry] });
  const upstream = new client.Counter({ name: 'partnergate_upstream_errors_total', help: 'Proxied requests WordPress did not answer (the client got 502/504, or a cut answer), by kind: refused, reset, timeout, unavailable', labelNames: ['kind'] as const, registers: [registry] });
  const statusClass = ['1xx', '1xx', '2xx', '3xx', '4xx', '5xx'];
  return {
    registry,
    contentType: registry.contentType,
    text: () => (clustered ? askPrimary() : registry.metrics()),
    observe(routeClass, status, seconds) {
      requests.inc({ class: routeClass, status: statusClass[Math.floor(status / 100)] ?? '5xx' });
      latency.observe({ class: routeClass }, seconds);
    },
    upstreamError(kind) {
      upstream.inc({ kind });
    },
  };
}
