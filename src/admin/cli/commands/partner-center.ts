/**
 * `partnergate partner-center pages [--set LIST] [--dry-run]`: which pages the partner center's menu offers
 * (the configuration a migration creates). A page left out answers 404 and leaves the menu within seconds on
 * every gateway worker; the dashboard and settings are always on.
 */
import { Command } from 'commander';
import { ALWAYS_ON_PAGES, PARTNER_CENTER_PAGES, pagesOf, parsePageList, readPartnerCenterSetup, savePartnerCenterPages } from '../../../partners/index.js';
import { defineCommand, type CliIo, type RunState } from '../command.js';

export function partnerCenterCommand(io: CliIo, state: RunState): Command {
  const cmd = new Command('partner-center').description('the partner center configuration (which pages partners see)');
  defineCommand<{ set?: string; dryRun?: boolean }>(io, state, 'pages', {
    description: `show the pages that are on, or set them with --set (of ${PARTNER_CENTER_PAGES.join(', ')}; ${ALWAYS_ON_PAGES.join(' and ')} are always on)`,
    options: [
      ['--set <pages>', 'comma-separated list of the pages to turn on; every other page is turned off'],
      ['--dry-run', 'show what --set would change, change nothing'],
    ],
    run: async (rt, opts) => {
      const db = (await rt.store()).db;
      const existing = await readPartnerCenterSetup(db);
      const before = [...pagesOf(existing)];
      if (opts.set === undefined) {
        rt.out.result({ ok: true, pages: before, off: PARTNER_CENTER_PAGES.filter((p) => !before.includes(p)) }, () => [`pages on: ${before.join(', ')}`]);
        return;
      }
      const pages = parsePageList(opts.set);
      const turnedOn = pages.filter((p) => !before.includes(p));
      const turnedOff = before.filter((p) => !pages.includes(p));
      const change = `${turnedOn.length ? `on: ${turnedOn.join(', ')}` : ''}${turnedOn.length && turnedOff.length ? '; ' : ''}${turnedOff.length ? `off: ${turnedOff.join(', ')}` : ''}` || 'no change';
      if (!opts.dryRun) {
        const now = Date.now();
        const fresh = { accessPrograms: rt.config.accessPrograms.length ? rt.config.accessPrograms : 'any', createdBy: 'partnergate partner-center pages', createdAt: now } as const;
        await savePartnerCenterPages(db, existing ?? fresh, pages, now);
      }
      rt.out.result({ ok: true, dryRun: Boolean(opts.dryRun), pages, turnedOn, turnedOff }, () => [`${opts.dryRun ? '[dry run] would set' : 'set'} pages: ${pages.join(', ')} (${change})`]);
    },
  }, cmd);
  return cmd;
}
