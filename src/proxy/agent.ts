import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Socket } from 'node:net';

/** A free (pooled) upstream socket is closed after this long: below Apache's 5 s keep-alive, so it is never reused stale. */
const FREE_SOCKET_IDLE_MS = 4_000;

/** The one keep-alive agent for every socket to WordPress. */
export function createUpstreamAgent(target: URL, timeoutMs: number, maxSockets: number): Agent {
  // maxSockets: a flood of slow requests queues here instead of opening a socket (and a PHP worker) each.
  const agentOptions = { keepAlive: true, timeout: timeoutMs, scheduling: 'lifo' as const, maxSockets };
  const agent = target.protocol === 'https:' ? new HttpsAgent(agentOptions) : new Agent(agentOptions);
  agent.on('free', (socket: Socket) => {
    if (!(socket as unknown as { _httpMessage?: unknown })._httpMessage) socket.setTimeout(FREE_SOCKET_IDLE_MS);
  });
  return agent;
}
