// `npm run build:wp-shim [-- <out dir>]`: the wp-shim plugin as a zip uploadable through Plugins -> Add New ->
// Upload (default out dir: dist/wp-shim). The zip holds the folder partnergate-shim/ with the PHP, readme.txt,
// languages/partnergate-shim.pot (generated from the __() calls by scripts/wp-shim-pot.php) and a compiled .mo
// for each .po (gettext's msgfmt, which also checks printf formats; msgcmp makes sure each .po covers every
// string). Prints the zip's path. Needs php, msgfmt/msgcmp (Debian: gettext) and zip.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(repo, 'wp-shim');
const outDir = resolve(process.argv[2] ?? join(repo, 'dist', 'wp-shim'));
const SLUG = 'partnergate-shim';
// Development files that stay out of the zip.
const EXCLUDED = new Set(['.phpcs.xml.dist']);

const header = readFileSync(join(source, `${SLUG}.php`), 'utf8');
const version = /^\s*\*\s*Version:\s*(\S+)/m.exec(header)?.[1];
const stable = /^Stable tag:\s*(\S+)/m.exec(readFileSync(join(source, 'readme.txt'), 'utf8'))?.[1];
if (!version || version !== stable) throw new Error(`wp-shim: the plugin header's Version (${version}) and readme.txt's Stable tag (${stable}) must agree`);

const stage = mkdtempSync(join(tmpdir(), 'partnergate-wp-shim-'));
try {
  const plugin = join(stage, SLUG);
  cpSync(source, plugin, { recursive: true, filter: (from) => !EXCLUDED.has(from.slice(source.length + 1)) });
  const languages = join(plugin, 'languages');
  mkdirSync(languages, { recursive: true });
  const pot = join(languages, `${SLUG}.pot`);
  writeFileSync(pot, execFileSync('php', [join(repo, 'scripts', 'wp-shim-pot.php'), plugin], { encoding: 'utf8' }));
  for (const po of readdirSync(languages).filter((f) => f.endsWith('.po'))) {
    execFileSync('msgcmp', [join(languages, po), pot], { stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync('msgfmt', ['--check-format', '-o', join(languages, po.replace(/\.po$/, '.mo')), join(languages, po)], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  mkdirSync(outDir, { recursive: true });
  const zip = join(outDir, `${SLUG}-${version}.zip`);
  rmSync(zip, { force: true });
  execFileSync('zip', ['-q', '-r', '-X', zip, SLUG], { cwd: stage });
  copyFileSync(pot, join(outDir, `${SLUG}.pot`));
  process.stdout.write(`${zip}\n`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
