/**
 * Loading a module on first use, for code a process seldom runs (one CLI command's module, the demo-data
 * generator, the blocks engine for a command that may not need it).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * The module at `url`, loaded by the module system that loaded this file. The built code (and `tsx src/...`)
 * runs as ES modules: `import()`. The test runner loads the sources as CommonJS (mocha requires them through
 * tsx): there `import()` would load a second copy of every module it reaches, whose error classes `instanceof`
 * no longer recognises (an `AppError` thrown by the copy would exit 1 instead of its code), so `require` it is.
 * @param url `new URL('./file.js', import.meta.url)`; give the result its type with `typeof import('./file.js')`
 */
export function loadModule<T>(url: URL): Promise<T> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- `require` exists only when this file itself runs as CommonJS
  return typeof require === 'function' ? Promise.resolve(require(fileURLToPath(url)) as T) : (import(url.href) as Promise<T>);
}

const requireHere = createRequire(import.meta.url);

/**
 * A CommonJS package from node_modules, loaded when first asked for (then from Node's cache), synchronously, for
 * code that cannot wait for a promise (a driver built inside a constructor). The same copy under both module
 * systems: the ESM entries of these packages wrap the CommonJS module.
 */
export function loadPackage<T>(name: string): T {
  return requireHere(name) as T;
}
