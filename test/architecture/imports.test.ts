/**
 * The import graph of src/ and migration/ against the layers of docs/architecture.md: no cycle, no arrow from a
 * lower layer to a higher one, no file outside every layer. The walker itself is checked on small graphs written
 * to a temporary folder, so a green run cannot come from a walker that sees nothing.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImportGraph, findCycles, importSpecifiers, layerViolations, parseLayers, type Layer } from './import-graph.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function writeTree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pg-imports-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('import graph (docs/architecture.md)', () => {
  const layers = parseLayers(readFileSync(join(root, 'docs/architecture.md'), 'utf8'));
  const graph = buildImportGraph(root, ['src', 'migration']);

  it('reads the layers table and sees the whole code base', () => {
    expect(layers.map((l) => l.name)).to.include.members(['base', 'store', 'identity', 'entry']);
    expect(graph.size).to.be.greaterThan(200);
    expect(graph.get('src/gateway.ts')).to.include('src/app.ts');
  });

  it('has no import cycle', () => {
    expect(findCycles(graph).map((c) => `cycle among: ${c.join(', ')}`)).to.deep.equal([]);
  });

  it('has no import from a lower layer to a higher one, and every file is in a layer', () => {
    expect(layerViolations(graph, layers)).to.deep.equal([]);
  });

  describe('the walker', () => {
    const tiny: Layer[] = [
      { name: 'low', folders: ['src/low/'], mayImport: [] },
      { name: 'high', folders: ['src/high/'], mayImport: ['low'] },
    ];
    const dirs: string[] = [];
    after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
    const tree = (files: Record<string, string>) => {
      const d = writeTree(files);
      dirs.push(d);
      return buildImportGraph(d, ['src']);
    };

    it('finds a cycle through a barrel, a type-only import and a re-export', () => {
      const g = tree({
        'src/low/index.ts': "export * from './a.js';\n",
        'src/low/a.ts': "import type { B } from './b.js';\nexport type A = B;\n",
        'src/low/b.ts': "export { x } from './index.js';\nexport type B = number;\n",
      });
      expect(findCycles(g)).to.deep.equal([['src/low/a.ts', 'src/low/b.ts', 'src/low/index.ts']]);
    });

    it('finds an upward arrow and a file in no layer, and accepts a downward one', () => {
      const g = tree({
        'src/low/a.ts': "import { h } from '../high/h.js';\nexport const a = h;\n",
        'src/high/h.ts': "import { b } from '../low/b.js';\nexport const h = b;\n",
        'src/low/b.ts': 'export const b = 1;\n',
        'src/stray.ts': "import { b } from './low/b.js';\n",
      });
      expect(findCycles(g)).to.deep.equal([]);
      expect(layerViolations(g, tiny)).to.deep.equal(['src/low/a.ts (low) -> src/high/h.ts (high)', 'src/stray.ts: in no layer of docs/architecture.md']);
    });

    it('reads multi-line, side-effect and dynamic imports, and ignores packages and comments', () => {
      const specs = importSpecifiers(
        [
          "import {\n  a,\n  b,\n} from './ab.js';",
          "import './side.js';",
          "const m = await import('./lazy.js');",
          "import express from 'express';",
          "// import { old } from './commented.js';",
          "/* export * from './blocked.js'; */",
          "export * as ns from '../ns.js';",
        ].join('\n'),
      );
      expect(specs).to.deep.equal(['./ab.js', './side.js', './lazy.js', '../ns.js']);
    });
  });
});
