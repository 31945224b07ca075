// `npm start` / `npm run cli`: compile the TypeScript when dist/ is missing or older than the sources, so a fresh
// clone or a pulled change never runs old code. Messages go to stderr: `npm run cli -- --json` keeps stdout clean.
// In production (`npm ci --omit=dev`) TypeScript is absent: a built dist/ then runs as it is (file times after a
// copy say little), and a missing dist/ stops with what to do instead of a compiler crash.
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

const outputs = ['dist/src/main.js', 'dist/src/admin/cli.js'];
const tsc = 'node_modules/typescript/bin/tsc';
const missing = outputs.some((o) => !existsSync(o));
const built = missing ? 0 : Math.min(...outputs.map((o) => statSync(o).mtimeMs));
const stale = missing || ['src', 'migration'].some((d) => existsSync(d) && newest(d) > built);

if (stale && !existsSync(tsc)) {
  if (missing) {
    process.stderr.write('partnergate: dist/ is not built and TypeScript is not installed (npm ci --omit=dev). Build first with the dev dependencies: npm ci && npm run build, then ship dist/.\n');
    process.exit(1);
  }
  process.stderr.write('partnergate: dist/ looks older than src/, but TypeScript is not installed: running the built dist/ as it is.\n');
} else if (stale) {
  process.stderr.write(`Building Partnergate (${missing ? 'first run' : 'sources changed'})...\n`);
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { stdio: ['ignore', 2, 2] });
}
