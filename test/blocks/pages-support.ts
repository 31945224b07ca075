/** The blocks configuration and HTML helpers shared by the page tests and the browser tests. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTEST_START } from './fixture.js';

export const pagesConfigYaml = `
leaderboards:
  top3: { title: Top three, rollup: earned_last_year, limit: 3 }
  aliases: { title: Aliases only, rollup: earned_last_year, privacy: alias, programs: all, limit: 20 }
contests:
  course-launch: { title: Course launch contest, product: { name: Online Course }, startDate: "${CONTEST_START}", nav: true }
blocks:
  launch_commissions:
    title: Your approved launch commissions
    source: commissions
    where:
      - { field: kind, op: in, value: [sale, clawback] }
      - { field: status, op: eq, value: approved }
      - { field: product, op: eq, value: { param: product } }
      - { field: transaction_date, op: on_or_after, value: { param: startDate } }
    sort: { by: transaction_date, dir: desc }
    columns: [transaction_date, amount, status]
  launch_stats: { source: rollups, rollups: [pending_total] }
  my_leads: { source: referred_contacts, referrer: first, columns: [first_name, email], sort: { by: added_date, dir: asc } }
pages:
  launch:
    title: Course launch
    params: { product: { name: Online Course }, startDate: "${CONTEST_START}" }
    blocks: [launch_stats, launch_commissions, my_leads]
`;

export function writePagesConfig(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'partnergate-blocks-pages-')), 'blocks.yaml');
  writeFileSync(path, pagesConfigYaml);
  return path;
}

interface Row {
  rank: number;
  name: string;
  value: string;
  highlighted: boolean;
}

/** The ranking table's rows as shown. */
export function rankingRows(html: string): Row[] {
  const out: Row[] = [];
  const re = /<tr( class="highlight[^"]*" aria-current="true")?>\s*<td class="num rank">(\d+)<\/td>\s*<td class="name">([^<]*?)(?: <span class="you">\(you\)<\/span>)?<\/td>\s*<td class="num value">([^<]*)<\/td>/g;
  for (const m of html.matchAll(re)) out.push({ rank: Number(m[2]), name: m[3]!, value: m[4]!, highlighted: Boolean(m[1]) });
  return out;
}

