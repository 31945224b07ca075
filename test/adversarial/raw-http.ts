/**
 * Sends a request target exactly as written (with `#`, raw backslashes, NUL escapes...) over a plain socket,
 * which no URL-parsing client allows, and parses the answer.
 */
import { connect } from 'node:net';

export interface RawReply {
  status: number;
  headers: Record<string, string>;
  text: string;
}

export function rawRequest(base: string, target: string, headers: Array<[string, string]> = [], method = 'GET'): Promise<RawReply> {
  const { hostname, port, host } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('raw request timed out')));
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const all = Buffer.concat(chunks).toString('latin1');
      const split = all.indexOf('\r\n\r\n');
      const head = split >= 0 ? all.slice(0, split) : all;
      const [statusLine, ...lines] = head.split('\r\n');
      const out: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        if (i > 0) out[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      let body = split >= 0 ? all.slice(split + 4) : '';
      if (out['transfer-encoding'] === 'chunked') {
        let decoded = '';
        let rest = body;
        for (;;) {
          const nl = rest.indexOf('\r\n');
          const size = parseInt(rest.slice(0, nl), 16);
          if (!size) break;
          decoded += rest.slice(nl + 2, nl + 2 + size);
          rest = rest.slice(nl + 2 + size + 2);
        }
        body = decoded;
      }
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0), headers: out, text: Buffer.from(body, 'latin1').toString('utf8') });
    });
    const head = [`${method} ${target} HTTP/1.1`, `Host: ${host}`, 'Connection: close', ...headers.map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
    socket.write(head);
  });
}
