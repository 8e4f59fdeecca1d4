/**
 * What a shipped function module needs on a worker thread (installed under a global symbol before
 * any function module is imported): its captured values decoded, its imports done again (bare
 * specifiers found from the caller's file when the worker's own packages do not have them),
 * `require` and `import.meta` of the caller's module. Also maps a stack's positions in a shipped
 * module back to the caller's file and line.
 */
import { createRequire, isBuiltin } from 'node:module';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FunctionShippingError } from '../errors/index.js';
import { decodeValue } from '../serialize/value-codec.js';
import { RUNTIME_KEY, type OriginRow } from '../serialize/function-module.js';

type ShippedImport = [how: 'import' | 'require', specifier: string, from: string];

function isBare(specifier: string): boolean {
  return !isBuiltin(specifier) && !/^(\.{0,2}\/|file:|data:|node:)/.test(specifier);
}

/** A CommonJS require rooted at the caller's file (or at the working directory for a script without one). */
function requireFrom(from: string): NodeJS.Require {
  return createRequire(from.startsWith('file:') ? from : pathToFileURL(`${process.cwd()}/`).href);
}

function notFound(specifier: string, from: string, fnName: string, cause: unknown, alsoFrom: readonly string[] = []): FunctionShippingError {
  if (specifier.startsWith('file:')) {
    return new FunctionShippingError(
      `The function \`${fnName}\` imports ${fileURLToPath(specifier)}, which does not exist on the worker on ${hostname()}. ` +
        'Run the workers where that path is the same file (a filesystem shared with the caller), or upload the module with client.uploadFile and import it inside the function by a relative path.',
      { cause },
    );
  }
  const fromFile = from.startsWith('file:') ? fileURLToPath(from) : process.cwd();
  const bases = [from, ...alsoFrom];
  const looked = [...new Set([...bases.flatMap((base) => requireFrom(base).resolve.paths(specifier) ?? []), ...(createRequire(import.meta.url).resolve.paths(specifier) ?? [])])];
  const project = from.startsWith('file:') ? dirname(fromFile) : process.cwd();
  return new FunctionShippingError(
    `The function \`${fnName}\` imports '${specifier}' (in ${fromFile}), which the worker on ${hostname()} cannot find. ` +
      `It looked in ${looked.slice(0, 6).join(', ')}${looked.length > 6 ? ` and ${looked.length - 6} more` : ''}. ` +
      `Install it where those paths reach (cd ${project} && npm install ${specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]}) on a filesystem the workers share, ` +
      `or upload a bundle with client.uploadFile and import it by a relative path.`,
    { cause },
  );
}

function codeOf(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
}

/** `import()` as the shipped module itself would do it (resolving from the worker's folder). */
type ModuleImport = (specifier: string, options?: ImportCallOptions) => Promise<unknown>;

/**
 * A bare specifier: as an ES module import from the shipped module's folder (under the worker's
 * working directory, usually the project), else found from the caller's file, else next to
 * flotilla; options are import attributes (`{ with: { type: 'json' } }`).
 */
async function importPackage(specifier: string, from: string, fnName: string, moduleImport: ModuleImport, moduleUrl: string, options?: ImportCallOptions): Promise<unknown> {
  try {
    return await moduleImport(specifier, options);
  } catch (error) {
    if (codeOf(error) !== 'ERR_MODULE_NOT_FOUND') throw error;
  }
  let resolved: string | undefined;
  try {
    resolved = requireFrom(from).resolve(specifier);
  } catch {
    resolved = undefined; // not there, or only behind conditions `require` does not meet
  }
  if (resolved !== undefined) return import(pathToFileURL(resolved).href, options);
  try {
    return await import(specifier, options);
  } catch (error) {
    if (codeOf(error) === 'ERR_MODULE_NOT_FOUND') throw notFound(specifier, from, fnName, error, [moduleUrl]);
    throw error;
  }
}

async function importOne([how, specifier, from]: ShippedImport, fnName: string, moduleImport: ModuleImport, moduleUrl: string): Promise<unknown> {
  if (how === 'require') {
    try {
      return requireFrom(from)(specifier.startsWith('file:') ? fileURLToPath(specifier) : specifier);
    } catch (error) {
      if (codeOf(error) === 'MODULE_NOT_FOUND') throw notFound(specifier, from, fnName, error);
      throw error;
    }
  }
  if (isBare(specifier)) return importPackage(specifier, from, fnName, moduleImport, moduleUrl);
  try {
    return await import(specifier);
  } catch (error) {
    if (codeOf(error) === 'ERR_MODULE_NOT_FOUND' && specifier.startsWith('file:')) throw notFound(specifier, from, fnName, error);
    throw error;
  }
}

/**
 * `import()` inside a shipped function: resolved as the shipped module would (a relative specifier
 * next to it, where uploaded files are); a package it cannot find there is looked for from the
 * caller's file, then next to flotilla, and a miss says where it looked.
 */
async function dynamicImport(specifier: unknown, options: ImportCallOptions | undefined, from: string, moduleImport: ModuleImport, moduleUrl: string, fnName: string): Promise<unknown> {
  const text = specifier instanceof URL ? specifier.href : String(specifier);
  // Made absolute here (what the shipped module would resolve it to), so every loader reads it the same way.
  if (!isBare(text)) return moduleImport(isBuiltin(text) || /^[a-z]+:/.test(text) ? text : new URL(text, moduleUrl).href, options);
  return importPackage(text, from, fnName, moduleImport, moduleUrl, options);
}

function metaOf(url: string): { url: string; filename?: string; dirname?: string; resolve: (specifier: string) => string } {
  const base = url.startsWith('file:') ? url : pathToFileURL(`${process.cwd()}/`).href;
  const meta = { url: base, resolve: (specifier: string) => (isBare(specifier) ? specifier : new URL(specifier, base).href) };
  if (!base.startsWith('file:')) return meta;
  const filename = fileURLToPath(base);
  return { ...meta, filename, dirname: dirname(filename) };
}

/** Installs the runtime for shipped function modules in this thread (once). */
export function installFunctionRuntime(): void {
  const key = Symbol.for(RUNTIME_KEY);
  const holder = globalThis as unknown as Record<symbol, unknown>;
  if (holder[key] !== undefined) return;
  holder[key] = {
    values: (base64: string) => decodeValue({ body: Buffer.from(base64, 'base64'), frames: [] }),
    imports: (list: ShippedImport[], fnName: string, moduleImport: ModuleImport, moduleUrl: string) =>
      Promise.all(list.map((entry) => importOne(entry, fnName, moduleImport, moduleUrl))),
    require: (from: string) => requireFrom(from),
    dynamicImport,
    meta: metaOf,
  };
}

/** Rewrites positions in `moduleUrl` within `stack` to the callers' files and lines. */
export function mapStack(stack: string, moduleUrl: string, origins: readonly OriginRow[]): string {
  if (origins.length === 0 || !stack.includes(moduleUrl)) return stack;
  const escaped = moduleUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return stack.replace(new RegExp(`${escaped}:(\\d+):(\\d+)`, 'g'), (whole, lineText: string, columnText: string) => {
    const line = Number(lineText);
    const column = Number(columnText);
    const origin = origins.find(([first, count]) => line >= first && line < first + count);
    if (origin === undefined || origin[2] === '') return whole;
    const [first, , url, originLine, originColumn] = origin;
    return `${url}:${originLine + line - first}:${line === first ? column + originColumn - 1 : column}`;
  });
}
