import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Per-request state the proxy's hooks share, kept as symbol-keyed properties on the objects Node already made
 * (request, response, sockets) so no per-request closure or map entry is needed.
 */
export const kProxyReq = Symbol('partnergate.proxyReq');
export const kBodyBytes = Symbol('partnergate.bodyBytes');
export const kTooLarge = Symbol('partnergate.bodyTooLarge');
export const kResponse = Symbol('partnergate.response');
export const kPeer = Symbol('partnergate.peer');
export const kClickCookie = Symbol('partnergate.clickCookie');

export interface TaggedRequest extends IncomingMessage {
  [kProxyReq]?: ClientRequest;
  [kBodyBytes]?: number;
  [kTooLarge]?: boolean;
  [kResponse]?: ServerResponse;
  [kClickCookie]?: string;
}
export interface TaggedResponse extends ServerResponse {
  [kProxyReq]?: ClientRequest;
}
export interface TaggedSocket extends Duplex {
  [kProxyReq]?: ClientRequest;
  /** The other end of a websocket pair, destroyed with this one. */
  [kPeer]?: Duplex;
}
export interface TaggedUpgradeRequest extends ClientRequest {
  [kPeer]?: TaggedSocket;
}

/** The request target exactly as received, under the upstream's base path (http-proxy would collapse `//`). */
export function upstreamPath(basePath: string, url: string | undefined): string {
  return basePath ? basePath + url : url!;
}
