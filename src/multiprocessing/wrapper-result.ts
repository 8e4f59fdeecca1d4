/** Checking what a wrapper returned, in either of its two accepted shapes. */
import { resolve as resolvePath } from 'node:path';
import { WrapperResultError } from './errors.js';

/** A wrapper's result once checked: file made absolute, uuids an array. */
export interface CheckedWrapperResult {
  success: boolean;
  file: string | null;
  uuids: string[];
}

const SHAPE = 'return { index, success, file, uuids } or [index, success, file, uuids]';

function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  try {
    const text = JSON.stringify(value);
    return text.length > 100 ? `${text.slice(0, 97)}...` : text;
  } catch {
    return `a ${typeof value}`; // not JSON-able (cyclic, bigint): its type is all we can show
  }
}

/**
 * Checks a wrapper's result for the keyword set at `index`.
 *
 * @throws WrapperResultError saying exactly which field is wrong, what it was, and what is expected.
 */
export function checkWrapperResult(value: unknown, index: number): CheckedWrapperResult {
  const fail = (what: string): WrapperResultError =>
    new WrapperResultError(`the wrapper for index ${index} returned an invalid result: ${what}; ${SHAPE}.`, { index });

  let fields: { index: unknown; success: unknown; file: unknown; uuids: unknown };
  if (Array.isArray(value)) {
    if (value.length !== 4) throw fail(`a tuple must have 4 elements, it has ${value.length} (${show(value)})`);
    fields = { index: value[0], success: value[1], file: value[2], uuids: value[3] };
  } else if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    fields = { index: record.index, success: record.success, file: record.file, uuids: record.uuids };
  } else {
    throw fail(`it returned ${show(value)}`);
  }

  if (fields.index !== index) {
    throw fail(
      typeof fields.index === 'number'
        ? `\`index\` is ${fields.index} but it was called with index ${index} (return kwargs.index unchanged)`
        : `\`index\` must be the number ${index} (kwargs.index), received ${show(fields.index)}`,
    );
  }
  if (typeof fields.success !== 'boolean') throw fail(`\`success\` must be true or false, received ${show(fields.success)}`);
  const success = fields.success;

  let file: string | null = null;
  if (typeof fields.file === 'string' && fields.file !== '') {
    file = resolvePath(fields.file);
  } else if (success) {
    throw fail(`\`file\` must be the path of the output file when success is true, received ${show(fields.file)}`);
  } else if (fields.file !== undefined && fields.file !== null && fields.file !== '') {
    throw fail(`\`file\` must be a path, null or undefined, received ${show(fields.file)}`);
  }

  let uuids: string[] = [];
  if (Array.isArray(fields.uuids)) {
    const badAt = fields.uuids.findIndex((uuid) => typeof uuid !== 'string' || uuid === '');
    if (badAt !== -1) throw fail(`\`uuids[${badAt}]\` must be a non-empty string, received ${show(fields.uuids[badAt])}`);
    uuids = [...(fields.uuids as string[])];
  } else if (success || (fields.uuids !== undefined && fields.uuids !== null)) {
    throw fail(`\`uuids\` must be an array of uuid strings, received ${show(fields.uuids)}`);
  }
  return { success, file, uuids };
}
