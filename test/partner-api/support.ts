/** Shared by the partner API and data-rights tests: every route of the app, and a zip's entries. */
import yauzl from 'yauzl';
import { createApp } from '../../src/app.js';
import { routesOf, type RouteEntry } from '../support/routes.js';
import type { TestGateway } from '../support/gateway.js';

/** Every route of the gateway's express app, read from its router (a route added later is included). */
export function appRoutes(tg: TestGateway): RouteEntry[] {
  return routesOf((createApp(tg.gateway.deps, { oidc: tg.gateway.oidc }) as unknown as { router: Parameters<typeof routesOf>[0] }).router);
}

/** The zip's entries as text, by name. */
export async function unzip(body: Buffer): Promise<Map<string, string>> {
  const zip = await new Promise<yauzl.ZipFile>((ok, fail) => yauzl.fromBuffer(body, { lazyEntries: true }, (err, z) => (err ? fail(err) : ok(z))));
  const out = new Map<string, string>();
  await new Promise<void>((ok, fail) => {
    zip.on('entry', (entry: yauzl.Entry) =>
      zip.openReadStream(entry, (err, stream) => {
        if (err) return fail(err);
        const parts: Buffer[] = [];
        stream.on('data', (c: Buffer) => parts.push(c)).on('end', () => {
          out.set(entry.fileName, Buffer.concat(parts).toString('utf8'));
          zip.readEntry();
        });
      }),
    );
    zip.on('end', ok).on('error', fail);
    zip.readEntry();
  });
  return out;
}
