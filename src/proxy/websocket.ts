import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { upgradeAnswered, upstreamAnswered, upstreamStarted } from '../http/index.js';
import { kPeer, kProxyReq, upstreamPath, type TaggedSocket, type TaggedUpgradeRequest } from './tags.js';

export interface WebsocketHooks {
  onProxyReqWs: (proxyReq: TaggedUpgradeRequest, req: IncomingMessage, socket: TaggedSocket) => void;
  onClientSocketError: (this: Duplex) => void;
  /** Ends every open websocket pair. */
  closeAll: () => void;
}

function onClientSocketError(this: Duplex): void {
  this.destroy();
}

/** The hooks of websocket upgrades; either end of a pair closing ends the other (pipes alone miss a destroy without FIN). */
export function createWebsocketHooks(basePath: string, timeoutMs: number, onUpstreamTimeout: (this: ClientRequest) => void): WebsocketHooks {
  const upgraded = new Set<Duplex>();

  function onUpgradeClientClose(this: TaggedSocket): void {
    upgraded.delete(this);
    const peer = this[kPeer];
    if (peer) peer.destroy();
    const upstream = this[kProxyReq];
    if (upstream && !upstream.destroyed) upstream.destroy();
  }

  function onUpstreamSocketClose(this: TaggedSocket): void {
    this[kPeer]?.destroy();
  }

  /** WordPress answered the upgrade without switching protocols (http-proxy passes that answer on). */
  function onUpstreamResponse(this: TaggedUpgradeRequest, res: IncomingMessage): void {
    const client = this[kPeer];
    if (!client) return;
    upstreamAnswered(client);
    upgradeAnswered(client, res.statusCode ?? 0);
  }

  function onUpstreamUpgrade(this: TaggedUpgradeRequest, res: IncomingMessage, upstreamSocket: TaggedSocket): void {
    const client = this[kPeer];
    if (!client) return;
    upstreamAnswered(client);
    upgradeAnswered(client, res.statusCode ?? 101);
    client[kPeer] = upstreamSocket;
    upstreamSocket[kPeer] = client;
    upstreamSocket.once('close', onUpstreamSocketClose);
    if (client.destroyed) upstreamSocket.destroy();
  }

  return {
    onProxyReqWs(proxyReq, req, socket) {
      const path = upstreamPath(basePath, req.url);
      if (proxyReq.path !== path) proxyReq.path = path;
      proxyReq.setTimeout(timeoutMs, onUpstreamTimeout);
      proxyReq[kPeer] = socket;
      upstreamStarted(socket);
      proxyReq.once('upgrade', onUpstreamUpgrade);
      proxyReq.once('response', onUpstreamResponse);
      socket[kProxyReq] = proxyReq;
      socket.once('close', onUpgradeClientClose);
      upgraded.add(socket);
    },
    onClientSocketError,
    closeAll() {
      // Destroying a client socket also ends its upstream socket (onUpgradeClientClose).
      for (const socket of upgraded) socket.destroy();
      upgraded.clear();
    },
  };
}
