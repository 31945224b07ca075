/**
 * Who the client is, given the proxies in front that `PARTNERGATE_TRUST_PROXY` names (express's `trust proxy`
 * rules, compiled once by proxy-addr, so own routes, the access log and the proxy agree).
 *
 * X-Forwarded-For towards WordPress is extended, not replaced, and only as far as it can be believed: from a
 * trusted peer, the addresses it vouches for (walking from the right, up to and including the first address that
 * is not a trusted proxy: the client) followed by the peer itself; from any other peer, the peer alone. What a
 * client wrote to the left of that is dropped, so PHP code that reads the leftmost entry gets the real client.
 */
import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

export type TrustFn = (address: string, hop: number) => boolean;

const never: TrustFn = () => false;

/** The compiled rule for a validated `trustProxy` setting (`false`, or named ranges, addresses and subnets). */
export function compileTrust(setting: string): TrustFn {
  if (setting.trim() === 'false') return never;
  return proxyAddr.compile(setting.split(',').map((part) => part.trim()));
}

/** An IPv4 client of a dual-stack listener shows as ::ffff:a.b.c.d; PHP code and log readers expect the plain address. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** The client's address: the connecting peer, or the address the trusted proxies in front vouch for. */
export function clientAddress(req: IncomingMessage, trust: TrustFn): string {
  return plainAddress(trust === never ? (req.socket.remoteAddress ?? '') : proxyAddr(req, trust));
}

/** The X-Forwarded-For value to send upstream (read before the client's copy is removed). */
export function forwardedFor(req: IncomingMessage, trust: TrustFn): string {
  const peer = plainAddress(req.socket.remoteAddress ?? '');
  if (req.headers['x-forwarded-for'] === undefined || !trust(peer, 0)) return peer;
  // [peer, nearest proxy, ..., client]: every address but the last was trusted.
  const chain = proxyAddr.all(req, trust);
  let value = peer;
  for (let i = 1; i < chain.length; i++) value = `${plainAddress(chain[i]!)}, ${value}`;
  return value;
}
