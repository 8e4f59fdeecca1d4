import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError } from '../../src/errors/index.js';
import { PartStore, PartStoreFormatError, partStoreRecombiner, RecombinationError } from '../../src/multiprocessing/index.js';

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'flotilla-rc-'));
});
afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

/** Writes raw lines (objects or text) as a part store file. */
function writeLines(name: string, lines: Array<object | string>): string {
  const file = join(folder, name);
  writeFileSync(file, lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n');
  return file;
}

const part = (uuid: string, type: string, refs: string[], data: unknown, title?: string) => ({
  uuid,
  type,
  ...(title === undefined ? {} : { title }),
  refs,
  data,
});

function leftovers(): string[] {
  return readdirSync(folder).filter((name) => name.endsWith('.tmp'));
}

describe('partStoreRecombiner', () => {
  test('copies listed parts with their references, deepest first, and only what is listed or referenced', async () => {
    const input = writeLines('in.jsonl', [
      part('c', 'leaf', [], 1),
      part('b', 'middle', ['c'], 2),
      part('a', 'top', ['b', 'c'], 3),
      part('unlisted', 'other', [], 4),
    ]);
    const target = join(folder, 'out.jsonl');
    const summary = await partStoreRecombiner.recombine([{ file: input, uuids: ['a'] }], target, { consolidate: true });
    const combined = await PartStore.read(target);
    expect([...combined.parts.keys()]).toEqual(['c', 'b', 'a']);
    expect(summary).toMatchObject({ inputs: 1, inputsRecombined: 1, partsRead: 4, partsWritten: 3, failures: [] });
    expect(leftovers()).toEqual([]);
  });

  test('consolidates equivalent parts across files, ignoring titles and key order, and maps later refs', async () => {
    const one = writeLines('one.jsonl', [part('crs1', 'crs', [], { epsg: 1, units: 'm' }, 'first'), part('g1', 'grid', ['crs1'], { n: 1 })]);
    // Written by another tool: keys in another order, spaces; equal data, so equivalent.
    const two = writeLines('two.jsonl', [
      '{"type": "crs", "data": {"units": "m", "epsg": 1}, "refs": [], "uuid": "crs2", "title": "second"}',
      part('g2', 'grid', ['crs2'], { n: 1 }),
      part('g3', 'grid', ['crs2'], { n: 3 }),
      part('p3', 'property', ['g3', 'crs2'], { v: [1, 2] }),
    ]);
    const target = join(folder, 'out.jsonl');
    const summary = await partStoreRecombiner.recombine(
      [
        { file: one, uuids: ['g1'] },
        { file: two, uuids: ['g2', 'p3'] },
      ],
      target,
      { consolidate: true },
    );
    const combined = await PartStore.read(target);
    expect([...combined.parts.keys()]).toEqual(['crs1', 'g1', 'g3', 'p3']);
    expect(combined.resolve('crs2')).toBe('crs1');
    expect(combined.resolve('g2')).toBe('g1'); // equal only once its crs ref is mapped
    expect(combined.get('p3')?.refs).toEqual(['g3', 'crs1']);
    expect(combined.get('g3')?.refs).toEqual(['crs1']);
    expect(summary).toMatchObject({ partsConsolidated: 2, equivalencesWritten: 2, partsWritten: 4 });
  });

  test('parts of different types or with different refs are not equivalent', async () => {
    const input = writeLines('in.jsonl', [
      part('x', 'a', [], 1),
      part('y', 'b', [], 1),
      part('r1', 'ref', ['x'], 0),
      part('r2', 'ref', ['y'], 0),
    ]);
    const target = join(folder, 'out.jsonl');
    await partStoreRecombiner.recombine([{ file: input, uuids: ['r1', 'r2'] }], target, { consolidate: true });
    expect((await PartStore.read(target)).size).toBe(4);
  });

  test('an input with a problem fails alone, contributing nothing, and says what is wrong', async () => {
    const good = writeLines('good.jsonl', [part('g', 't', [], 1)]);
    const dangling = writeLines('dangling.jsonl', [part('d0', 't', [], 2), part('d', 't', ['d0', 'ghost'], 2)]);
    const missing = writeLines('missing.jsonl', [part('m', 't', [], 3)]);
    const cyclic = writeLines('cyclic.jsonl', [part('c1', 't', ['c2'], 4), part('c2', 't', ['c1'], 5)]);
    const broken = writeLines('broken.jsonl', [part('b', 't', [], 6), '{"uuid":"b2",']);
    const absent = join(folder, 'absent.jsonl');
    const target = join(folder, 'out.jsonl');
    const summary = await partStoreRecombiner.recombine(
      [
        { file: dangling, uuids: ['d'] },
        { file: missing, uuids: ['m', 'not-there'] },
        { file: cyclic, uuids: ['c1'] },
        { file: broken, uuids: ['b'] },
        { file: absent, uuids: ['a'] },
        { file: good, uuids: ['g'] },
      ],
      target,
      { consolidate: true },
    );
    expect(summary.inputsRecombined).toBe(1);
    expect(summary.failures.map((failure) => failure.input)).toEqual([0, 1, 2, 3, 4]);
    const [f0, f1, f2, f3, f4] = summary.failures.map((failure) => failure.error);
    expect(f0).toBeInstanceOf(RecombinationError);
    expect(f0?.message).toBe(`part d in ${dangling} references ghost, which is in neither that file nor ${target}; write the referenced part to the same file.`);
    expect(f1?.message).toContain(`uuid not-there was returned by the wrapper but is in neither ${missing}`);
    expect(f2?.message).toContain('form a cycle through part c1');
    expect(f3).toBeInstanceOf(PartStoreFormatError);
    expect(f3?.message).toContain(`line 2 of ${broken} is not valid JSON`);
    expect(f4?.message).toMatch(/could not read .*absent\.jsonl: ENOENT/);
    // Nothing of the failed inputs got in, not even d0 or m, which were fine on their own.
    expect([...(await PartStore.read(target)).parts.keys()]).toEqual(['g']);
  });

  test('a uuid already in the combined file is not copied again; equivalences survive updates', async () => {
    const input = writeLines('in.jsonl', [part('crs', 'crs', [], 1), part('g', 'grid', ['crs'], 2)]);
    const target = join(folder, 'out.jsonl');
    await partStoreRecombiner.recombine([{ file: input, uuids: ['g'] }], target, { consolidate: true });
    const again = await partStoreRecombiner.recombine([{ file: input, uuids: ['g'] }], target, { consolidate: true });
    expect(again).toMatchObject({ existingParts: 2, partsWritten: 0, partsAlreadyPresent: 1 });

    const other = writeLines('other.jsonl', [part('crs-b', 'crs', [], 1), part('h', 'grid', ['crs-b'], 3)]);
    await partStoreRecombiner.recombine([{ file: other, uuids: ['h'] }], target, { consolidate: true });
    // A third input refers to crs-b, which is in the combined file only as an equivalence.
    const third = writeLines('third.jsonl', [part('k', 'grid', ['crs-b'], 4)]);
    const summary = await partStoreRecombiner.recombine([{ file: third, uuids: ['k'] }], target, { consolidate: true });
    expect(summary.failures).toEqual([]);
    const combined = await PartStore.read(target);
    expect(combined.get('k')?.refs).toEqual(['crs']);
    expect([...combined.parts.keys()]).toEqual(['crs', 'g', 'h', 'k']);
  });

  test('recombinations into one file from this process do not lose each other’s parts', async () => {
    const target = join(folder, 'out.jsonl');
    const inputs = Array.from({ length: 6 }, (_, i) => writeLines(`in${i}.jsonl`, [part(`p${i}`, 't', [], i)]));
    await Promise.all(inputs.map((file, i) => partStoreRecombiner.recombine([{ file, uuids: [`p${i}`] }], target, { consolidate: false })));
    expect((await PartStore.read(target)).size).toBe(6);
    expect(leftovers()).toEqual([]);
  });

  test('a corrupt combined file is refused and left as it was', async () => {
    const target = writeLines('out.jsonl', [part('a', 't', [], 1), '{"uuid":']);
    const before = readFileSync(target);
    const input = writeLines('in.jsonl', [part('b', 't', [], 2)]);
    const run = partStoreRecombiner.recombine([{ file: input, uuids: ['b'] }], target, { consolidate: true });
    await expect(run).rejects.toBeInstanceOf(PartStoreFormatError);
    await expect(run).rejects.toThrow(`line 2 of ${target} is not valid JSON`);
    expect(readFileSync(target)).toEqual(before);
    expect(leftovers()).toEqual([]);
  });

  test('an aborted signal leaves the combined file unchanged', async () => {
    const target = writeLines('out.jsonl', [part('a', 't', [], 1)]);
    const before = readFileSync(target);
    const input = writeLines('in.jsonl', [part('b', 't', [], 2)]);
    const signal = AbortSignal.abort(new Error('stop'));
    await expect(partStoreRecombiner.recombine([{ file: input, uuids: ['b'] }], target, { consolidate: true, signal })).rejects.toBeInstanceOf(
      CancelledError,
    );
    expect(readFileSync(target)).toEqual(before);
    expect(leftovers()).toEqual([]);
  });

  test('appends after a combined file whose last line has no newline', async () => {
    const target = join(folder, 'out.jsonl');
    writeFileSync(target, JSON.stringify(part('a', 't', [], 1)));
    const input = writeLines('in.jsonl', [part('b', 't', [], 2)]);
    await partStoreRecombiner.recombine([{ file: input, uuids: ['b'] }], target, { consolidate: true });
    expect([...(await PartStore.read(target)).parts.keys()]).toEqual(['a', 'b']);
  });
});
