/**
 * No argument crashes the caller: random nested values (deep chains, cycles, large sizes, exotic types)
 * thrown at `submit` in all three modes give a result or a clear error, never a dead process. Seeded,
 * so a failure names the seed and the case that reproduces it. Bounded in count and time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, SerializationError } from '../../src/index.js';
import { MAX_NESTING_DEPTH } from '../../src/serialize/value-walk.js';
import { seededRandom as random } from '../chaos/support.js';


interface Case {
  value: unknown;
  /** Large values are compared with plain loops (the matcher's deep equality is slow at this size). */
  large?: boolean;
  /** Whether the value can travel (then it must come back equal). */
  clean: boolean;
  what: string;
}

class Exotic {
  x = 1;
}

function generate(rand: () => number): Case {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  let clean = true;
  const kinds: string[] = [];
  const leaf = (): unknown => {
    const kind = pick(['int', 'float', 'special', 'string', 'bigint', 'bool', 'null', 'date', 'bytes', 'exotic'] as const);
    switch (kind) {
      case 'int': return Math.floor(rand() * 2 ** 40) - 2 ** 39;
      case 'float': return rand() * 1e6;
      case 'special': return pick([Number.NaN, -0, Infinity, -Infinity, Number.MAX_SAFE_INTEGER]);
      case 'string': return pick(['', 'héllo ✓ 漢字', 'x'.repeat(Math.floor(rand() * 5000)), '\u0000\uffff']);
      case 'bigint': return BigInt(Math.floor(rand() * 1e9)) * 10n ** 20n;
      case 'bool': return rand() < 0.5;
      case 'null': return null;
      case 'date': return new Date(Math.floor(rand() * 2e12));
      case 'bytes': return pick([new Uint8Array(Math.floor(rand() * 2048)), new Float64Array(Math.floor(rand() * 600)), Buffer.from('abc')]);
      case 'exotic': {
        const value = pick([() => 1, Symbol('s'), Promise.resolve(1), new WeakMap(), new Exotic(), new Number(3)] as unknown[]);
        clean = false;
        kinds.push(`exotic ${typeof value === 'object' ? (value as object).constructor.name : typeof value}`);
        return value;
      }
    }
  };
  const containers: object[] = [];
  const node = (depth: number): unknown => {
    if (depth <= 0 || rand() < 0.3) return leaf();
    const kind = pick(['array', 'object', 'map', 'set'] as const);
    const width = Math.floor(rand() * 4) + 1;
    let made: object;
    if (kind === 'array') made = Array.from({ length: width }, () => node(depth - 1));
    else if (kind === 'object') made = Object.fromEntries(Array.from({ length: width }, (_, i) => [`k${i}`, node(depth - 1)]));
    else if (kind === 'map') made = new Map(Array.from({ length: width }, (_, i) => [i, node(depth - 1)]));
    else made = new Set(Array.from({ length: width }, () => node(depth - 1)));
    containers.push(made);
    return made;
  };
  const shape = pick(['tree', 'tree', 'deep', 'large', 'cyclic'] as const);
  let value: unknown;
  let large = false;
  if (shape === 'deep') {
    const depth = pick([10, MAX_NESTING_DEPTH - 2, MAX_NESTING_DEPTH + 1, 3000, 100_000]);
    // A chain of objects and arrays, `depth` containers deep.
    const root: unknown[] | Record<string, unknown> = {};
    let at: unknown[] | Record<string, unknown> = root;
    for (let i = 1; i < depth; i++) {
      const next: unknown[] | Record<string, unknown> = rand() < 0.7 ? {} : [];
      if (Array.isArray(at)) at.push(next);
      else at.n = next;
      at = next;
    }
    if (Array.isArray(at)) at.push(leaf());
    else at.leaf = leaf();
    value = root;
    // The argument list is one level itself.
    if (depth + 1 > MAX_NESTING_DEPTH) clean = false;
    kinds.push(`depth ${depth}`);
  } else if (shape === 'large') {
    value = pick([
      () => Array.from({ length: 100_000 }, (_, i) => i),
      () => new Float64Array(700_000),
      () => 'y'.repeat(5_000_000), // a message body over the stream threshold: it travels in chunks
      () => Object.fromEntries(Array.from({ length: 70_000 }, (_, i) => [`k${i}`, i])),
    ])();
    kinds.push('large');
    large = true;
  } else {
    value = node(6);
    kinds.push('tree');
    if (shape === 'cyclic' && containers.length > 0) {
      const target = pick(containers);
      const holder = pick(containers);
      if (Array.isArray(holder)) holder.push(target);
      else if (holder instanceof Map) holder.set('back', target);
      else if (holder instanceof Set) holder.add(target);
      else (holder as Record<string, unknown>).back = target;
      clean = false;
      kinds.push('cyclic');
    }
  }
  return { value, clean, large, what: kinds.join(', ') };
}

function sameLarge(a: unknown, b: unknown): boolean {
  if (typeof b === 'string') return a === b;
  if (b instanceof Float64Array) return a instanceof Float64Array && a.length === b.length && Buffer.from(a.buffer).equals(Buffer.from(b.buffer));
  if (Array.isArray(b)) return Array.isArray(a) && a.length === b.length && b.every((v, i) => a[i] === v);
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(y);
  return Object.keys(x).length === keys.length && keys.every((k) => x[k] === y[k]);
}

const CASES_PER_MODE = 30;

describe.each(['sync', 'threads', 'processes'] as const)('random arguments at submit in %s mode', (mode) => {
  let client: Client;
  beforeAll(async () => {
    client = await Client.connect({ mode, nWorkers: 1 });
  });
  afterAll(async () => {
    await client?.close();
  });

  it('give a result or a SerializationError, and the caller lives', async () => {
    const seed = 0x5eed + mode.length;
    const rand = random(seed);
    const deadline = Date.now() + 40_000;
    let results = 0;
    let refusals = 0;
    for (let i = 0; i < CASES_PER_MODE && Date.now() < deadline; i++) {
      const c = generate(rand);
      const label = `seed ${seed} case ${i} (${c.what})`;
      let outcome: { value: unknown } | { error: unknown };
      try {
        outcome = { value: await client.with({ pure: false }).submit((x: unknown) => x, c.value).result() };
      } catch (error) {
        outcome = { error };
      }
      if ('value' in outcome) {
        expect(c.clean, `${label} should have been refused`).toBe(true);
        if (c.large) expect(sameLarge(outcome.value, c.value), label).toBe(true);
        else expect(outcome.value, label).toEqual(c.value);
        results++;
      } else {
        expect(outcome.error, label).toBeInstanceOf(SerializationError);
        expect(c.clean, `${label} was refused: ${(outcome.error as Error).message}`).toBe(false);
        expect((outcome.error as Error).message.length, label).toBeLessThan(2_000);
        refusals++;
      }
    }
    expect(results).toBeGreaterThan(0);
    expect(refusals).toBeGreaterThan(0);
    // The client still works after all of that.
    expect(await client.submit((a: number, b: number) => a + b, 2, 3).result()).toBe(5);
  }, 60_000);
});
