/** A part store file read into memory: its parts and its equivalences, with lookups that follow equivalences. */
import { parsePartStoreLine, type Part, type PartStoreLine } from './part-format.js';
import { lineBatches } from './line-reader.js';
import { PartStoreFormatError } from './errors.js';
import { resolve as resolvePath } from 'node:path';

/** The longest equivalence chain followed before giving up on a (corrupt) cyclic chain. */
const MAX_EQUIVALENCE_HOPS = 10_000;

/**
 * The contents of a part store file, as returned by `PartStore.read`.
 * @example
 * ```ts
 * const file = await PartStore.read('combined.jsonl');
 * const part = file.get(uuid); // follows equivalences: a consolidated copy's uuid finds the part kept
 * ```
 */
export class PartFile {
  /** The absolute path it was read from. */
  readonly path: string;
  /** Every part, by uuid, in file order. */
  readonly parts: ReadonlyMap<string, Part>;
  /** Every equivalence, from the uuid that was not copied to the uuid it stands for, in file order. */
  readonly equivalences: ReadonlyMap<string, string>;

  /** Holds parts and equivalences already read from the file at `path` (does not read the file). */
  constructor(path: string, parts: ReadonlyMap<string, Part>, equivalences: ReadonlyMap<string, string>) {
    this.path = path;
    this.parts = parts;
    this.equivalences = equivalences;
  }

  /** The number of parts (equivalence records not counted). */
  get size(): number {
    return this.parts.size;
  }

  /**
   * The uuid of the part in this file that `uuid` stands for: itself when present, else where its
   * equivalences lead; undefined when it is unknown here.
   */
  resolve(uuid: string): string | undefined {
    let current = uuid;
    for (let hops = 0; hops <= MAX_EQUIVALENCE_HOPS; hops++) {
      if (this.parts.has(current)) return current;
      const next = this.equivalences.get(current);
      if (next === undefined) return undefined;
      current = next;
    }
    throw new PartStoreFormatError(`the equivalences of ${this.path} starting at ${uuid} form a cycle; the file is corrupt.`, {
      file: this.path,
    });
  }

  /** The part `uuid` stands for (following equivalences), or undefined. */
  get(uuid: string): Part | undefined {
    const found = this.resolve(uuid);
    return found === undefined ? undefined : this.parts.get(found);
  }

  /** Whether `uuid` is a part of this file or stands for one. */
  has(uuid: string): boolean {
    return this.resolve(uuid) !== undefined;
  }
}

/**
 * Yields every record of a part store file in order.
 *
 * @throws PartStoreFormatError at the first bad line (naming file and line).
 */
export async function* iteratePartStoreFile(path: string): AsyncGenerator<PartStoreLine> {
  const file = resolvePath(path);
  for await (const batch of lineBatches(file)) {
    for (const { text, lineNumber } of batch) {
      const record = parsePartStoreLine(text, file, lineNumber);
      if (record !== undefined) yield record;
    }
  }
}

/**
 * Reads a whole part store file.
 *
 * @throws PartStoreFormatError on a bad line, or when one uuid has two different parts.
 */
export async function readPartFile(path: string): Promise<PartFile> {
  const file = resolvePath(path);
  const parts = new Map<string, Part>();
  const equivalences = new Map<string, string>();
  for await (const batch of lineBatches(file)) {
    for (const { text, lineNumber } of batch) {
      const record = parsePartStoreLine(text, file, lineNumber);
      if (record === undefined) continue;
      if (record.kind === 'equivalence') {
        equivalences.set(record.equivalence.equivalent, record.equivalence.to);
        continue;
      }
      const earlier = parts.get(record.part.uuid);
      if (earlier !== undefined && JSON.stringify(earlier) !== JSON.stringify(record.part)) {
        throw new PartStoreFormatError(
          `line ${lineNumber} of ${file} repeats uuid ${record.part.uuid} with different contents; a uuid must name one part.`,
          { file, line: lineNumber },
        );
      }
      parts.set(record.part.uuid, record.part);
    }
  }
  return new PartFile(file, parts, equivalences);
}

