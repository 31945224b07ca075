import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

const kCorked = Symbol('partnergate.corkedSocket');

interface CorkingResponse extends IncomingMessage {
  [kCorked]?: Socket;
}

function uncork(socket: Socket): void {
  if (socket.writableCorked > 0) socket.uncork();
}

function release(this: CorkingResponse): void {
  this.off('data', release);
  this.off('end', release);
  this.off('close', release);
  const socket = this[kCorked];
  this[kCorked] = undefined;
  // Next tick: the pipe's own 'data'/'end' listener, after this one, writes the chunk first.
  if (socket !== undefined) process.nextTick(uncork, socket);
}

/**
 * Corks the client's socket from WordPress's response head until the first body chunk (or the end) has been
 * written, so the header block and that chunk leave in one `writev` instead of two writes. The CPU profile in
 * BENCHMARKS.md showed the header block written on its own as a tenth of the pass-through's time. Node sends
 * the head only with the first write anyway, so nothing reaches the client later than before. The listeners are
 * made once (the socket rides on the response under a symbol), not per request.
 */
export function holdHeaderForFirstChunk(proxyRes: IncomingMessage, res: ServerResponse): void {
  const socket = res.socket;
  if (!socket || socket.destroyed || socket.writableCorked > 0) return;
  socket.cork();
  (proxyRes as CorkingResponse)[kCorked] = socket;
  proxyRes.on('data', release);
  proxyRes.on('end', release);
  proxyRes.on('close', release);
}
