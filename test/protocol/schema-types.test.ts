/**
 * The schemas are tied to the message unions at compile time: a message or a field without its check,
 * or a check of the wrong type, does not compile. The `@ts-expect-error` lines fail the type check
 * of this file if that ever stops being true.
 */
import { describe, expect, it } from 'vitest';
import type { MessageSchemas } from '../../src/protocol/validate.js';
import { arr, num, opt, str } from '../../src/protocol/schema.js';

type Sample =
  | { op: 'a'; id: number; keys: string[] }
  | { op: 'b'; name?: string };

describe('MessageSchemas', () => {
  it('accepts exactly one matching check per field of every message', () => {
    const good = { a: { id: num, keys: arr(str) }, b: { name: opt(str) } } satisfies MessageSchemas<Sample>;
    // @ts-expect-error a message of the union without its schema
    const missingOp = { a: { id: num, keys: arr(str) } } satisfies MessageSchemas<Sample>;
    // @ts-expect-error a field without its check
    const missingField = { a: { id: num }, b: { name: opt(str) } } satisfies MessageSchemas<Sample>;
    // @ts-expect-error a check of the wrong type
    const wrongType = { a: { id: str, keys: arr(str) }, b: { name: opt(str) } } satisfies MessageSchemas<Sample>;
    // @ts-expect-error an optional field checked as required
    const notOptional = { a: { id: num, keys: arr(str) }, b: { name: str } } satisfies MessageSchemas<Sample>;
    // @ts-expect-error a schema for a message that is not in the union
    const extraOp = { a: { id: num, keys: arr(str) }, b: { name: opt(str) }, c: {} } satisfies MessageSchemas<Sample>;
    expect([good, missingOp, missingField, wrongType, notOptional, extraOp].every((s) => typeof s === 'object')).toBe(true);
  });
});
