/**
 * The import graph of the TypeScript sources: every `import ... from`, `export ... from`, side-effect `import '...'`
 * and dynamic `import('...')` with a relative target, resolved to a file. Type-only imports count too: a type
 * import is still a dependency a reader has to follow. Package imports (`express`, `node:fs`) are not edges.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** File (path relative to the root, `/`-separated) -> the files it imports. */
export type ImportGraph = Map<string, Set<string>>;

const SPECIFIER = /(?:^|[\s;{}])(?:import|export)\s[^;'"`]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;

/** The relative specifiers a source file imports from (comments removed first so examples in prose do not count). */
export function importSpecifiers(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
  const out: string[] = [];
  for (const m of code.matchAll(SPECIFIER)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec && spec.startsWith('.')) out.push(spec);
  }
  return out;
}

function listTs(dir: string, acc: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) listTs(full, acc);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) acc.push(full);
  }
  return acc;
}

function resolveSpecifier(fromFile: string, spec: string): string | undefined {
  const base = resolve(dirname(fromFile), spec);
  const candidates = [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

/** Walks `folders` (relative to `root`) and returns the graph of relative imports between their files. */
export function buildImportGraph(root: string, folders: string[]): ImportGraph {
  const graph: ImportGraph = new Map();
  const rel = (p: string) => relative(root, p).split(sep).join('/');
  for (const folder of folders) {
    for (const file of listTs(join(root, folder))) {
      const edges = new Set<string>();
      for (const spec of importSpecifiers(readFileSync(file, 'utf8'))) {
        const target = resolveSpecifier(file, spec);
        if (target) edges.add(rel(target));
      }
      graph.set(rel(file), edges);
    }
  }
  return graph;
}

/** Every import cycle, each as the list of files around it (strongly connected components of two or more files, or a file importing itself). */
export function findCycles(graph: ImportGraph): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    indices.set(v, index);
    low.set(v, index);
    index += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)?.has(v)) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) visit(v);
  return cycles;
}

export interface Layer {
  name: string;
  /** Path prefixes (`src/http/`, `src/app.ts`) that belong to this layer. */
  folders: string[];
  /** Names of the layers this one may import from (itself is always allowed). */
  mayImport: string[];
}

export function layerOf(layers: Layer[], file: string): Layer | undefined {
  let best: { layer: Layer; len: number } | undefined;
  for (const layer of layers) {
    for (const f of layer.folders) {
      if ((file === f || file.startsWith(f.endsWith('/') ? f : `${f}/`)) && (!best || f.length > best.len)) best = { layer, len: f.length };
    }
  }
  return best?.layer;
}

/** Imports that cross into a layer the importing layer may not use, and files that belong to no layer. */
export function layerViolations(graph: ImportGraph, layers: Layer[]): string[] {
  const out: string[] = [];
  for (const [from, targets] of graph) {
    const fromLayer = layerOf(layers, from);
    if (!fromLayer) {
      out.push(`${from}: in no layer of docs/architecture.md`);
      continue;
    }
    for (const to of targets) {
      const toLayer = layerOf(layers, to);
      if (!toLayer) continue; // reported as its own file
      if (toLayer !== fromLayer && !fromLayer.mayImport.includes(toLayer.name)) {
        out.push(`${from} (${fromLayer.name}) -> ${to} (${toLayer.name})`);
      }
    }
  }
  return out.sort();
}

/**
 * The layers table of docs/architecture.md: rows `| layer | folders | may import |`, folders and imports as
 * `code` spans separated by commas ("nothing" for none).
 */
export function parseLayers(markdown: string): Layer[] {
  const start = markdown.indexOf('<!-- layers -->');
  const end = markdown.indexOf('<!-- /layers -->');
  if (start < 0 || end < 0) throw new Error('docs/architecture.md has no <!-- layers --> table');
  const rows = markdown.slice(start, end).split('\n').filter((l) => l.startsWith('|'));
  const spans = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
  return rows.slice(2).map((row) => {
    const cells = row.split('|').slice(1, -1).map((c) => c.trim());
    return { name: cells[0]!.replace(/\*/g, ''), folders: spans(cells[1] ?? ''), mayImport: spans(cells[2] ?? '') };
  });
}
