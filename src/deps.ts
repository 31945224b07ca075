/**
 * The one dependencies object the gateway's parts receive. Built once in `main.ts` (or by a test), checked
 * there, and passed down; no part reaches for globals.
 */
import type { Config } from './config/index.js';
import type { Logger } from './common/index.js';
import type { Store } from './store/index.js';
import type { Views } from './common/index.js';
import type { MailTransport } from './mail/index.js';
import type { SessionPolicy } from './auth/sessions.js';
import type { CookieNames } from './http/index.js';
import type { Metrics } from './http/index.js';
import type { ActiveBlocks } from './blocks/active.js';
import type { ExportSlots } from './reports/export-slots.js';

export interface GatewayDeps {
  config: Config;
  store: Store;
  logger: Logger;
  views: Views;
  mail: MailTransport;
  sessionPolicy: SessionPolicy;
  cookies: CookieNames;
  metrics: Metrics;
  /** The blocks configuration served (loaded at start-up, swapped by the admin area's reload). */
  blocks: ActiveBlocks;
  /** The CSV export slots of this gateway (connections held, per-partner caps). */
  exportSlots: ExportSlots;
  /** Current time in epoch ms; tests move it. */
  now: () => number;
}
