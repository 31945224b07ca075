/**
 * The routes an express app or router answers, read from the router itself (express 5 layers), so a route added
 * to a router is in every sweep that lists them: the CSRF and IDOR sweeps, the admin area's partner-session
 * guard, the partner API's bearer sweep and the accessibility scan.
 */
import type { Router } from 'express';

export interface RouteEntry {
  /** Upper case (`GET`, `POST`...). A `router.all()` route (express keeps it as `_all`, not a method) is left out. */
  method: string;
  /** As written, with the paths of the routers it is mounted under (`/partner-center/products/:productId`). */
  path: string;
}

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: string | string[];
}

/**
 * Every route below `router` (an app's `router` or a `Router`), nested routers included with their mount paths;
 * a route written with several paths gives one entry per path. `prefix`: where `router` itself is mounted.
 */
export function routesOf(router: Router | { stack: Layer[] }, prefix = ''): RouteEntry[] {
  const out: RouteEntry[] = [];
  for (const layer of (router as unknown as { stack: Layer[] }).stack) {
    if (layer.route) {
      for (const path of [layer.route.path].flat()) {
        for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') out.push({ method: method.toUpperCase(), path: prefix + path });
      }
    } else if (layer.handle?.stack) {
      // A router mounted at several paths at once (an array) is not used here; it would be listed without a mount.
      const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      out.push(...routesOf({ stack: layer.handle.stack }, prefix + mount));
    }
  }
  return out;
}
