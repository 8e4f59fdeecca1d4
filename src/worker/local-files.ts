/**
 * The worker's local directory: function modules and uploaded files.
 *
 * ES modules are cached by URL and cannot be unloaded, so every upload starts a new "version" folder
 * (`v1/`, `v2/` …) holding all uploaded files; function modules are written into the current version
 * folder. A task that does `await import('./helper.mjs')` thus resolves against the folder of its own
 * function module and sees the newest upload.
 */
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { isArchive, unpackArchive } from './archives.js';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FunctionSource } from '../protocol/messages.js';
import { safeFunctionName } from '../util/function-file-name.js';

export class LocalFiles {
  #version = 0;
  #functions = new Map<string, FunctionSource>();
  #written = new Map<string, string>();
  readonly uploads = new Set<string>();

  constructor(readonly directory: string) {
    mkdirSync(this.#versionDir(), { recursive: true });
  }

  #versionDir(version = this.#version): string {
    return join(this.directory, `v${version}`);
  }

  addFunctions(fns: FunctionSource[]): void {
    for (const fn of fns) this.#functions.set(fn.hash, fn);
  }

  /** The source of a function sent to this worker. */
  functionSource(hash: string): FunctionSource | undefined {
    return this.#functions.get(hash);
  }

  hasFunction(hash: string): boolean {
    return this.#functions.has(hash);
  }

  /** The file: URL of a function's module in the current version folder, written on first use. */
  functionUrl(hash: string): string {
    const cacheKey = `${this.#version}:${hash}`;
    const known = this.#written.get(cacheKey);
    if (known) return known;
    const fn = this.#functions.get(hash);
    if (!fn) throw new Error(`function ${hash} was never sent to this worker`);
    const safeName = safeFunctionName(fn.name);
    const path = join(this.#versionDir(), `fn-${safeName}-${hash}.mjs`);
    if (!existsSync(path)) writeFileSync(path, fn.source);
    const url = pathToFileURL(path).href;
    this.#written.set(cacheKey, url);
    return url;
  }

  /**
   * Stores an uploaded file (an archive is unpacked); later function modules see it, and not an older
   * version of it. Everything uploaded before is carried into the new version folder.
   */
  addUpload(name: string, data: Uint8Array): string {
    const previous = this.#versionDir();
    this.#version++;
    const next = this.#versionDir();
    mkdirSync(next, { recursive: true });
    // Function modules are rewritten on demand in the new folder; everything else was uploaded.
    cpSync(previous, next, { recursive: true, filter: (source) => !/[\\/]fn-[^\\/]*\.mjs$/.test(source) });
    const target = join(next, name);
    writeFileSync(target, data);
    if (isArchive(name)) unpackArchive(target, name, data, next);
    this.uploads.add(name);
    return target;
  }

  get currentDirectory(): string {
    return this.#versionDir();
  }

  remove(): void {
    rmSync(this.directory, { recursive: true, force: true });
  }
}
