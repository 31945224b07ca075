/** wp-shim as an installable zip, built the way `npm run build:wp-shim` builds it, into a temporary folder. */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The plugin file WordPress knows the installed zip by. */
export const SHIM_PLUGIN_FILE = 'partnergate-shim/partnergate-shim.php';

/** Builds the plugin zip into a fresh temporary folder (remove `dir` when done); answers the zip's path. */
export async function buildShimZip(): Promise<{ zip: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'partnergate-shim-zip-'));
  const { stdout } = await run('node', ['scripts/build-wp-shim.mjs', dir]);
  return { zip: stdout.trim(), dir };
}
