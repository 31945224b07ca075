/**
 * Run in its own process by build.test.ts: builds a demo store at argv[2] with `buildSqliteFile` and kills
 * itself with SIGKILL at the point named by argv[3]: `load` (mid-transaction, indexes dropped, rollback journal
 * in memory), `built`, `closed`, `installed`, or `none` (runs to the end).
 */
import { generateDemoData } from '../../../src/demo/index.js';
import { buildSqliteFile, setKv, type BuildStage } from '../../../src/store/index.js';

const [dest, killAt] = process.argv.slice(2) as [string, 'load' | BuildStage | 'none'];
const die = () => process.kill(process.pid, 'SIGKILL');
await buildSqliteFile(
  dest,
  async (store) => {
    await setKv(store.db, 'generation', 'new');
    // Enough rows for a progress report (one per 100,000 rows) inside a transaction of the activity phase.
    await generateDemoData(store, {
      seed: 7,
      partners: 100,
      commissions: 60_000,
      visitsPerCommission: 1,
      rebuildIndexes: true,
      onProgress: (p) => {
        if (killAt === 'load' && p.table === 'commissions' && p.rows > 0) die();
      },
    });
  },
  { onStage: (stage) => stage === killAt && die() },
);
process.stdout.write('done\n');
