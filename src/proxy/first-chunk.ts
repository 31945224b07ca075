import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Corks the client's socket from WordPress's response head until the first body chunk (or the end) has been
 * written, so the header block and that chunk leave in one `writev` instead of two writes. The CPU profile in
 * BENCHMARKS.md showed the header block written on its own as a tenth of the pass-through's time. Node sends
 * the head only with the first write anyway, so nothing reaches the client later than before.
 */
export function holdHeaderForFirstChunk(proxyRes: IncomingMessage, res: ServerResponse): void {
  const socket = res.socket;
  if (!socket || socket.destroyed || socket.writableCorked > 0) return;
  socket.cork();
  const release = () => {
    proxyRes.off('data', release);
    proxyRes.off('end', release);
    proxyRes.off('close', release);
    // Next tick: the pipe's own 'data'/'end' listener, after this one, writes the chunk first.
    process.nextTick(() => {
      if (socket.writableCorked > 0) socket.uncork();
    });
  };
  proxyRes.on('data', release);
  proxyRes.on('end', release);
  proxyRes.on('close', release);
}
