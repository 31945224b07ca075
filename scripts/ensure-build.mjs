// `npm start` on a fresh clone: compile the TypeScript once when dist/ is missing or older than the sources.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}
const out = 'dist/src/main.js';
const stale = !existsSync(out) || ['src', 'migration'].some((d) => existsSync(d) && newest(d) > statSync(out).mtimeMs);
if (stale) {
  process.stdout.write('Building Partnergate (first start)...\n');
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
}
