/**
 * The state of a recombination, with no I/O: which uuids the combined file holds, which uuids stand
 * for which (equivalences), and, when consolidating, which part each equivalence key belongs to.
 *
 * `plan` works out what one input adds without changing anything, so an input that fails (missing
 * uuid, dangling reference, cycle) leaves no trace; `commit` then applies the plan.
 */
import { canonicalJson, equivalenceKey } from './canonical-json.js';
import { RecombinationError, PartStoreFormatError } from './errors.js';
import { dataTextInWriterLayout, serializeEquivalence, serializePart, type Part, type PartStoreLine } from './part-format.js';

/** A part of an input file with its original line, so an unchanged part is copied as text without re-serialising. */
export interface InputPart {
  part: Part;
  line: string;
  /** How many keys the line's object has (see `dataTextInWriterLayout`). */
  keyCount: number;
}

/** One input file, parsed. */
export interface ParsedInput {
  file: string;
  parts: ReadonlyMap<string, InputPart>;
  /** The equivalences recorded in the input itself (when the input is a combined file). */
  equivalences: ReadonlyMap<string, string>;
}

/** What one input adds to the combined file. */
export interface InputPlan {
  /** Lines to append, in order (parts, referenced ones first, and equivalence records). */
  lines: string[];
  newParts: string[];
  newEquivalences: Array<[from: string, to: string]>;
  newKeys: Array<[key: string, uuid: string]>;
  partsConsolidated: number;
  partsAlreadyPresent: number;
}

/** Chains longer than this are taken as a (corrupt) cycle of equivalences. */
const MAX_EQUIVALENCE_HOPS = 10_000;

interface Frame {
  /** The uuid of the part being placed (in the input). */
  uuid: string;
  /** The uuid it was asked for by, when that was another uuid the input says is equivalent. */
  requestedAs: string;
  input: InputPart;
  /** The next ref to place. */
  next: number;
  /** The refs placed so far, as uuids of the combined file. */
  mapped: string[];
}

/** The recombination state of one combined file. */
export class CombinedIndex {
  readonly #target: string;
  readonly #consolidate: boolean;
  readonly #present = new Set<string>();
  readonly #equivalences = new Map<string, string>();
  readonly #byKey = new Map<string, string>();

  constructor(target: string, consolidate: boolean) {
    this.#target = target;
    this.#consolidate = consolidate;
  }

  /** The number of parts the combined file holds. */
  get parts(): number {
    return this.#present.size;
  }

  /** Takes in one record of the existing combined file (and its line, to skip re-serialising data). */
  addExisting(record: PartStoreLine, line: string): void {
    if (record.kind === 'equivalence') {
      this.#equivalences.set(record.equivalence.equivalent, record.equivalence.to);
      return;
    }
    const { part } = record;
    this.#present.add(part.uuid);
    if (!this.#consolidate) return;
    const mapped = part.refs.map((ref) => this.#resolve(ref) ?? ref);
    const dataText =
      dataTextInWriterLayout(part, line, record.keyCount) ?? canonicalJson(part.data, `data of part ${part.uuid} in ${this.#target}`);
    const key = equivalenceKey(part.type, mapped, dataText);
    if (!this.#byKey.has(key)) this.#byKey.set(key, part.uuid);
  }

  /**
   * Works out what copying `uuids` (and everything they reference) from `input` adds.
   *
   * @throws RecombinationError when a uuid or a reference is in neither the input nor the combined
   * file, or references form a cycle.
   */
  plan(input: ParsedInput, uuids: readonly string[]): InputPlan {
    const plan: InputPlan = { lines: [], newParts: [], newEquivalences: [], newKeys: [], partsConsolidated: 0, partsAlreadyPresent: 0 };
    /** Input uuid → combined uuid, for everything this input has placed or found. */
    const placed = new Map<string, string>();
    const newKeys = new Map<string, string>();
    const onStack = new Set<string>();

    const addEquivalence = (from: string, to: string): void => {
      placed.set(from, to);
      plan.newEquivalences.push([from, to]);
      plan.lines.push(serializeEquivalence(from, to));
    };

    /** Returns the combined uuid for `uuid` when known, or a frame to place it. */
    const request = (uuid: string, referencedBy: string | undefined): string | Frame => {
      const known = placed.get(uuid);
      if (known !== undefined) return known;
      const existing = this.#resolve(uuid);
      if (existing !== undefined) {
        placed.set(uuid, existing);
        plan.partsAlreadyPresent++;
        return existing;
      }
      const local = this.#followInputEquivalences(input, uuid);
      if (local !== uuid) {
        const found = placed.get(local) ?? this.#resolve(local);
        if (found !== undefined) {
          addEquivalence(uuid, found);
          return found;
        }
      }
      const inputPart = input.parts.get(local);
      if (inputPart === undefined) {
        throw new RecombinationError(
          referencedBy === undefined
            ? `uuid ${uuid} was returned by the wrapper but is in neither ${input.file} nor ${this.#target}; return only uuids of parts the wrapper wrote.`
            : `part ${referencedBy} in ${input.file} references ${uuid}, which is in neither that file nor ${this.#target}; write the referenced part to the same file.`,
          { file: input.file },
        );
      }
      if (onStack.has(local)) {
        throw new RecombinationError(
          `the references in ${input.file} form a cycle through part ${local}; parts must reference each other without cycles.`,
          { file: input.file },
        );
      }
      onStack.add(local);
      return { uuid: local, requestedAs: uuid, input: inputPart, next: 0, mapped: [] };
    };

    const finish = (frame: Frame): string => {
      const { part, line, keyCount } = frame.input;
      let placedAs: string | undefined;
      let canonicalData: string | undefined;
      if (this.#consolidate) {
        canonicalData =
          dataTextInWriterLayout(part, line, keyCount) ?? canonicalJson(part.data, `data of part ${part.uuid} in ${input.file}`);
        const key = equivalenceKey(part.type, frame.mapped, canonicalData);
        placedAs = newKeys.get(key) ?? this.#byKey.get(key);
        if (placedAs !== undefined) {
          addEquivalence(part.uuid, placedAs);
          plan.partsConsolidated++;
        } else {
          newKeys.set(key, part.uuid);
          plan.newKeys.push([key, part.uuid]);
        }
      }
      if (placedAs === undefined) {
        placedAs = part.uuid;
        const refsChanged = frame.mapped.some((ref, i) => ref !== part.refs[i]);
        plan.lines.push(refsChanged ? serializePart({ ...part, refs: frame.mapped }, canonicalData ?? JSON.stringify(part.data)) : line);
        plan.newParts.push(part.uuid);
        placed.set(part.uuid, part.uuid);
      }
      if (frame.requestedAs !== frame.uuid) addEquivalence(frame.requestedAs, placedAs);
      return placedAs;
    };

    for (const root of uuids) {
      const first = request(root, undefined);
      if (typeof first === 'string') continue;
      const stack: Frame[] = [first];
      while (stack.length > 0) {
        const frame = stack[stack.length - 1] as Frame;
        const refs = frame.input.part.refs;
        if (frame.next < refs.length) {
          const next = request(refs[frame.next++] as string, frame.uuid);
          if (typeof next === 'string') frame.mapped.push(next);
          else stack.push(next);
          continue;
        }
        stack.pop();
        onStack.delete(frame.uuid);
        const placedAs = finish(frame);
        stack[stack.length - 1]?.mapped.push(placedAs);
      }
    }
    return plan;
  }

  /** Applies a plan returned by {@link plan}. */
  commit(plan: InputPlan): void {
    for (const uuid of plan.newParts) this.#present.add(uuid);
    for (const [from, to] of plan.newEquivalences) this.#equivalences.set(from, to);
    for (const [key, uuid] of plan.newKeys) this.#byKey.set(key, uuid);
  }

  /** The combined uuid `uuid` stands for (itself or via equivalences), or undefined. */
  #resolve(uuid: string): string | undefined {
    let current = uuid;
    for (let hops = 0; hops <= MAX_EQUIVALENCE_HOPS; hops++) {
      if (this.#present.has(current)) return current;
      const next = this.#equivalences.get(current);
      if (next === undefined) return undefined;
      current = next;
    }
    throw new PartStoreFormatError(`the equivalences in ${this.#target} starting at ${uuid} form a cycle; the file is corrupt.`, {
      file: this.#target,
    });
  }

  /** Where the input's own equivalences lead from `uuid` (itself when it has none). */
  #followInputEquivalences(input: ParsedInput, uuid: string): string {
    let current = uuid;
    for (let hops = 0; hops <= MAX_EQUIVALENCE_HOPS; hops++) {
      if (input.parts.has(current)) return current;
      const next = input.equivalences.get(current);
      if (next === undefined) return current;
      current = next;
    }
    throw new RecombinationError(`the equivalences in ${input.file} starting at ${uuid} form a cycle; the file is corrupt.`, {
      file: input.file,
    });
  }
}
