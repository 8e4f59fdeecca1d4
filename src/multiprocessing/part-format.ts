/**
 * The part store format, one JSON object per line (JSON Lines, UTF-8, `\n` separated):
 *
 * - a part: `{"uuid":"…","type":"…","title":"…","refs":["…"],"data":…}` (`title` optional);
 * - an equivalence: `{"equivalent":"A","to":"B"}`, meaning "part A is the same as part B, which is in
 *   this file; read any reference to A as a reference to B". Recombination writes one for every part
 *   it did not copy because an equivalent part was already there.
 *
 * A line is a part when it has a `uuid` key and an equivalence when it has an `equivalent` key.
 * Blank lines are ignored. See README.md in this folder.
 */
import { PartStoreFormatError } from './errors.js';
import type { JsonValue } from './canonical-json.js';

/** One stored object: its identity, kind, optional title, the parts it references, and its data. */
export interface Part {
  /** Its identifier, unique across files (`crypto.randomUUID()` when made by `PartStore.add`). */
  uuid: string;
  /** What kind of object it is (e.g. `"grid"`); equivalence only ever matches parts of the same type. */
  type: string;
  /** A human-readable name; ignored when deciding equivalence. */
  title?: string;
  /** The uuids of the parts it references, in a meaningful order; recombination copies them first. */
  refs: string[];
  /** The payload; references to other parts belong in `refs`, not inside `data`. */
  data: JsonValue;
}

/** A line saying that part `equivalent` is the same as part `to`. */
export interface EquivalenceRecord {
  /** The uuid of the part that was not copied. */
  equivalent: string;
  /** The uuid of the part it stands for. */
  to: string;
}

/** One parsed line of a part store file. */
export type PartStoreLine =
  | { kind: 'part'; part: Part; /** How many keys the line's object has (to recognise the writer's layout). */ keyCount: number }
  | { kind: 'equivalence'; equivalence: EquivalenceRecord };

function where(file: string, line: number): string {
  return `line ${line} of ${file}`;
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function shortText(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/**
 * Parses and checks one line. Returns undefined for a blank line.
 *
 * @throws PartStoreFormatError naming the file, the line number and what is wrong.
 */
export function parsePartStoreLine(text: string, file: string, line: number): PartStoreLine | undefined {
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PartStoreFormatError(
      `${where(file, line)} is not valid JSON (${(error as Error).message}): ${shortText(text)}. ` +
        'A part store file holds one JSON object per line; was it truncated or written by another tool?',
      { file, line },
      { cause: error },
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PartStoreFormatError(
      `${where(file, line)} is ${Array.isArray(value) ? 'an array' : `a ${typeof value}`}, not an object: ${shortText(text)}.`,
      { file, line },
    );
  }
  const record = value as Record<string, unknown>;
  if ('uuid' in record) return { kind: 'part', part: checkPart(record, file, line), keyCount: Object.keys(record).length };
  if ('equivalent' in record) {
    if (!isNonEmptyString(record.equivalent) || !isNonEmptyString(record.to)) {
      throw new PartStoreFormatError(
        `${where(file, line)} is an equivalence record but its \`equivalent\` and \`to\` are not both non-empty strings: ${shortText(text)}.`,
        { file, line },
      );
    }
    return { kind: 'equivalence', equivalence: { equivalent: record.equivalent, to: record.to } };
  }
  throw new PartStoreFormatError(
    `${where(file, line)} has neither a \`uuid\` (a part) nor an \`equivalent\` (an equivalence record): ${shortText(text)}.`,
    { file, line },
  );
}

function checkPart(record: Record<string, unknown>, file: string, line: number): Part {
  const { uuid, type, title, refs, data } = record;
  const bad = (what: string, received: unknown): PartStoreFormatError =>
    new PartStoreFormatError(
      `${where(file, line)}: ${what}, received ${JSON.stringify(received) ?? String(received)}.`,
      { file, line },
    );
  if (!isNonEmptyString(uuid)) throw bad('`uuid` must be a non-empty string', uuid);
  if (!isNonEmptyString(type)) throw bad(`\`type\` of part ${uuid} must be a non-empty string`, type);
  if (title !== undefined && typeof title !== 'string') throw bad(`\`title\` of part ${uuid} must be a string when present`, title);
  let checkedRefs: string[] = [];
  if (refs !== undefined) {
    if (!Array.isArray(refs) || !refs.every(isNonEmptyString)) {
      throw bad(`\`refs\` of part ${uuid} must be an array of uuid strings`, refs);
    }
    checkedRefs = refs;
  }
  if (!('data' in record)) throw bad(`part ${uuid} has no \`data\` (use null for none)`, undefined);
  const part: Part = { uuid, type, refs: checkedRefs, data: data as JsonValue };
  if (title !== undefined) part.title = title;
  return part;
}

/** The line (without `\n`) for a part, with `data` already as (canonical) JSON text. */
export function serializePart(part: Omit<Part, 'data'>, dataJson: string): string {
  const title = part.title === undefined ? '' : `,"title":${JSON.stringify(part.title)}`;
  return `{"uuid":${JSON.stringify(part.uuid)},"type":${JSON.stringify(part.type)}${title},"refs":${JSON.stringify(part.refs)},"data":${dataJson}}`;
}

/** The line (without `\n`) recording that `equivalent` is the same part as `to`. */
export function serializeEquivalence(equivalent: string, to: string): string {
  return `{"equivalent":${JSON.stringify(equivalent)},"to":${JSON.stringify(to)}}`;
}

/**
 * The data text of `line` when the line has exactly the layout {@link serializePart} writes
 * (`{"uuid":…,"type":…[,"title":…],"refs":[…],"data":…}` with nothing else), else undefined.
 *
 * @remarks PartStore and the recombiner always write canonical data, so for such lines the data
 * text can stand in for `canonicalJson(part.data)` when deciding equivalence, skipping a costly
 * re-serialisation. This is safe even for a hand-made line in that layout whose data is not
 * canonical: different data always has different text, so the worst outcome is a missed
 * consolidation, never two different parts merged.
 */
export function dataTextInWriterLayout(part: Part, line: string, keyCount: number): string | undefined {
  const expectedKeys = part.title === undefined ? 4 : 5;
  if (keyCount !== expectedKeys || line.charCodeAt(line.length - 1) !== 0x7d /* } */) return undefined;
  const prefix = serializePart(part, '').slice(0, -1); // without the closing brace
  return line.startsWith(prefix) ? line.slice(prefix.length, -1) : undefined;
}
