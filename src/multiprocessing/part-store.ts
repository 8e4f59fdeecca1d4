/**
 * PartStore: what a wrapper uses to write its output file in the part store format (JSON Lines, one
 * part per line; see part-format.ts and README.md), and to read such files back.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { ConfigurationError } from '../errors/index.js';
import { canonicalJson, type JsonValue } from './canonical-json.js';
import { serializePart, parsePartStoreLine, type Part, type PartStoreLine } from './part-format.js';
import { PartFile, iteratePartStoreFile, readPartFile } from './part-file.js';
import { forEachLine } from './line-reader.js';

/** A part to add: like {@link Part}, but `uuid` (generated when absent) and `refs` (default `[]`) are optional. */
export interface NewPart {
  /** Use this uuid instead of a fresh `crypto.randomUUID()` (e.g. a part shared by all tasks). */
  uuid?: string;
  /** What kind of object it is; equivalence only matches parts of the same type. */
  type: string;
  /** A human-readable name; ignored when deciding equivalence. */
  title?: string;
  /** The uuids of the parts it references (in this file, or already in the combined file). @defaultValue `[]` */
  refs?: readonly string[];
  /** The payload: any JSON value (plain objects, arrays, strings, finite numbers, booleans, null). */
  data: JsonValue;
}

/** Options of {@link PartStore.close}. */
export interface PartStoreCloseOptions {
  /**
   * Also `fsync` the file before closing, so it survives a machine crash. Not needed for a file that
   * will be recombined and deleted: on NFS, `close` already makes it visible to other hosts.
   * @defaultValue false
   */
  durable?: boolean;
}

/** Buffered text is written once it passes this many characters, so memory stays bounded. */
const FLUSH_THRESHOLD_CHARS = 1 << 20;

/*
 * The file is written with synchronous calls behind async methods. Wrappers write many small
 * files; each asynchronous call is a round trip through libuv's thread pool, measured 10-20 times
 * slower per call than the system call itself on a busy machine. On a worker the wrapper runs on a
 * task thread, where blocking is harmless; the methods stay async so this can change.
 */

/**
 * Writes (and reads) part store files.
 *
 * @example
 * ```ts
 * const { PartStore } = await import('flotilla');
 * const store = await PartStore.create(`${kwargs.parentTmpDir}/part_${kwargs.index}.jsonl`);
 * const crs = store.add({ type: 'crs', data: { epsg: 23031 } });
 * const grid = store.add({ type: 'grid', title: 'g1', refs: [crs], data: { ni: 10, nj: 20 } });
 * await store.close();
 * return { index: kwargs.index, success: true, file: store.path, uuids: [grid] };
 * ```
 */
export class PartStore {
  /** The absolute path of the file. */
  readonly path: string;
  #fd: number | undefined;
  /** Lines of this file by uuid (loaded ones and added ones), so `get` can parse them on demand. */
  readonly #lines = new Map<string, string>();
  #pending: string[] = [];
  #pendingChars = 0;

  private constructor(path: string, fd: number) {
    this.path = path;
    this.#fd = fd;
  }

  /**
   * Creates (or empties) a part store file for writing. Its folder must exist.
   *
   * @throws Error from the file system (e.g. ENOENT when the folder is missing).
   */
  static async create(path: string): Promise<PartStore> {
    const absolute = resolvePath(path);
    return new PartStore(absolute, openSync(absolute, 'w'));
  }

  /**
   * Opens a part store file to add more parts, creating it when missing. Its existing parts are
   * loaded, so `get`, `has` and the uuid-clash check see them.
   *
   * @throws PartStoreFormatError when the existing file has a bad line.
   */
  static async append(path: string): Promise<PartStore> {
    const absolute = resolvePath(path);
    const existingBytes = await stat(absolute).then(
      (info) => info.size,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return 0; // a new file: nothing to load
        throw error;
      },
    );
    const lines = new Map<string, string>();
    let endsWithNewline = true;
    if (existingBytes > 0) {
      await forEachLine(absolute, (text, lineNumber) => {
        const record = parsePartStoreLine(text, absolute, lineNumber);
        if (record?.kind === 'part') lines.set(record.part.uuid, text);
      });
      endsWithNewline = await lastByteIsNewline(absolute, existingBytes);
    }
    const store = new PartStore(absolute, openSync(absolute, 'a'));
    for (const [uuid, text] of lines) store.#lines.set(uuid, text);
    if (!endsWithNewline) store.#queue('');
    return store;
  }

  /**
   * Reads a whole part store file (parts and equivalences).
   *
   * @throws PartStoreFormatError naming the file and line of the first bad line.
   */
  static read(path: string): Promise<PartFile> {
    return readPartFile(path);
  }

  /**
   * Iterates over the records of a part store file, in order, without loading it all.
   *
   * @throws PartStoreFormatError naming the file and line of the first bad line.
   */
  static iterate(path: string): AsyncGenerator<PartStoreLine> {
    return iteratePartStoreFile(path);
  }

  /**
   * Adds a part and returns its uuid. The line is buffered; it reaches the file by `flush` or `close`
   * (or at once when over 1 MiB is buffered).
   *
   * @throws ConfigurationError when the part is malformed, its data is not plain JSON, its uuid is
   * already in this store, or the store is closed.
   * @throws Error from the file system when a full buffer cannot be written.
   */
  add(part: NewPart): string {
    if (this.#fd === undefined) {
      throw new ConfigurationError(`PartStore.add: ${this.path} is already closed; add all parts before close().`);
    }
    if (typeof part !== 'object' || part === null) {
      throw new ConfigurationError(`PartStore.add expects { type, title?, refs?, data }, received ${describe(part)}.`);
    }
    const { type, title, refs = [], data } = part;
    if (typeof type !== 'string' || type === '') {
      throw new ConfigurationError(`PartStore.add: \`type\` must be a non-empty string, received ${describe(type)}.`);
    }
    if (title !== undefined && typeof title !== 'string') {
      throw new ConfigurationError(`PartStore.add: \`title\` must be a string when given, received ${describe(title)}.`);
    }
    if (!Array.isArray(refs) || !refs.every((ref) => typeof ref === 'string' && ref !== '')) {
      throw new ConfigurationError(`PartStore.add: \`refs\` must be an array of uuid strings, received ${describe(refs)}.`);
    }
    if (!('data' in part)) {
      throw new ConfigurationError(`PartStore.add: part of type '${type}' has no \`data\`; pass \`data: null\` for none.`);
    }
    const uuid = part.uuid ?? randomUUID();
    if (typeof uuid !== 'string' || uuid === '') {
      throw new ConfigurationError(`PartStore.add: \`uuid\` must be a non-empty string when given, received ${describe(uuid)}.`);
    }
    if (this.#lines.has(uuid)) {
      throw new ConfigurationError(`PartStore.add: uuid ${uuid} is already in ${this.path}; a uuid must name one part.`);
    }
    let dataJson: string;
    try {
      dataJson = canonicalJson(data, `PartStore.add: data of part of type '${type}'`);
    } catch (error) {
      throw new ConfigurationError((error as Error).message, { cause: error });
    }
    const head: Omit<Part, 'data'> = { uuid, type, refs: [...refs] };
    if (title !== undefined) head.title = title;
    const line = serializePart(head, dataJson);
    this.#lines.set(uuid, line);
    this.#queue(line);
    return uuid;
  }

  /** The part with this uuid in this store (a fresh copy), or undefined. */
  get(uuid: string): Part | undefined {
    const line = this.#lines.get(uuid);
    if (line === undefined) return undefined;
    const record = parsePartStoreLine(line, this.path, 0);
    return record?.kind === 'part' ? record.part : undefined;
  }

  /** Whether a part with this uuid is in this store. */
  has(uuid: string): boolean {
    return this.#lines.has(uuid);
  }

  /** The uuids of the parts in this store, in file order. */
  get uuids(): string[] {
    return [...this.#lines.keys()];
  }

  /** The number of parts in this store. */
  get size(): number {
    return this.#lines.size;
  }

  /** Writes the buffered lines to the file. @throws Error from the file system. */
  async flush(): Promise<void> {
    this.#writePending();
  }

  /**
   * Flushes, optionally fsyncs, and closes the file. Closing twice is allowed.
   *
   * @throws Error from the file system.
   */
  async close(options: PartStoreCloseOptions = {}): Promise<void> {
    const fd = this.#fd;
    if (fd === undefined) return;
    try {
      this.#writePending();
      if (options.durable === true) fsyncSync(fd);
    } finally {
      this.#fd = undefined;
      closeSync(fd);
    }
  }

  #queue(line: string): void {
    this.#pending.push(line);
    this.#pendingChars += line.length + 1;
    if (this.#pendingChars >= FLUSH_THRESHOLD_CHARS) this.#writePending();
  }

  #writePending(): void {
    const fd = this.#fd;
    if (this.#pending.length === 0 || fd === undefined) return;
    const bytes = Buffer.from(this.#pending.join('\n') + '\n', 'utf8');
    this.#pending = [];
    this.#pendingChars = 0;
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
  }
}

async function lastByteIsNewline(path: string, size: number): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, size - 1);
    return byte[0] === 0x0a;
  } finally {
    await handle.close();
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? `an array (${JSON.stringify(value)})` : 'an object';
  return `${typeof value} ${JSON.stringify(value) ?? String(value)}`;
}

export { PartFile };
