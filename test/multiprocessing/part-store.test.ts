import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '../../src/errors/index.js';
import { canonicalJson, PartStore, PartStoreFormatError, type PartStoreLine } from '../../src/multiprocessing/index.js';

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'flotilla-ps-'));
});
afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('PartStore', () => {
  test('writes one JSON line per part and reads them back', async () => {
    const file = join(folder, 'a.jsonl');
    const store = await PartStore.create(file);
    const crs = store.add({ type: 'crs', data: { units: 'm', epsg: 23031 } });
    const grid = store.add({ type: 'grid', title: 'g', refs: [crs], data: { nj: 2, ni: [1, 2] } });
    const fixed = store.add({ uuid: 'my-own-id', type: 'note', data: null });
    expect(crs).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(fixed).toBe('my-own-id');
    expect(store.uuids).toEqual([crs, grid, fixed]);
    expect(store.get(grid)).toEqual({ uuid: grid, type: 'grid', title: 'g', refs: [crs], data: { ni: [1, 2], nj: 2 } });
    await store.close();

    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines).toHaveLength(4); // three parts and the final newline
    expect(lines[1]).toBe(`{"uuid":"${grid}","type":"grid","title":"g","refs":["${crs}"],"data":{"ni":[1,2],"nj":2}}`);

    const read = await PartStore.read(file);
    expect(read.size).toBe(3);
    expect(read.get(crs)).toEqual({ uuid: crs, type: 'crs', refs: [], data: { epsg: 23031, units: 'm' } });
    expect(read.has('unknown')).toBe(false);
  });

  test('get returns a copy, so changing it does not change the store', async () => {
    const store = await PartStore.create(join(folder, 'a.jsonl'));
    const uuid = store.add({ type: 't', data: { list: [1] } });
    (store.get(uuid)?.data as { list: number[] }).list.push(2);
    expect(store.get(uuid)?.data).toEqual({ list: [1] });
    await store.close();
  });

  test('refuses data JSON would change, naming where it is', async () => {
    const store = await PartStore.create(join(folder, 'a.jsonl'));
    expect(() => store.add({ type: 't', data: { values: [1, Number.NaN] } })).toThrow(ConfigurationError);
    expect(() => store.add({ type: 't', data: { values: [1, Number.NaN] } })).toThrow(/at \.values\[1\] is the number NaN/);
    expect(() => store.add({ type: 't', data: { when: new Date(0) } as never })).toThrow(/at \.when is an instance of Date.*ISO strings/);
    expect(() => store.add({ type: 't', data: { missing: undefined } as never })).toThrow(/at \.missing is a undefined/);
    expect(() => store.add({ type: '', data: 1 })).toThrow(/`type` must be a non-empty string, received string ""/);
    expect(() => store.add({ type: 't', refs: 'abc' as never, data: 1 })).toThrow(/`refs` must be an array of uuid strings/);
    expect(() => store.add({ type: 't' } as never)).toThrow(/has no `data`; pass `data: null`/);
    store.add({ uuid: 'x', type: 't', data: 1 });
    expect(() => store.add({ uuid: 'x', type: 't', data: 2 })).toThrow(/uuid x is already in/);
    await store.close();
    expect(() => store.add({ type: 't', data: 1 })).toThrow(/already closed/);
  });

  test('append adds to an existing file, even one without a final newline', async () => {
    const file = join(folder, 'a.jsonl');
    writeFileSync(file, '{"uuid":"u1","type":"t","refs":[],"data":1}');
    const store = await PartStore.append(file);
    expect(store.has('u1')).toBe(true);
    expect(() => store.add({ uuid: 'u1', type: 't', data: 1 })).toThrow(/already in/);
    const added = store.add({ type: 't', refs: ['u1'], data: 2 });
    await store.close({ durable: true });
    const read = await PartStore.read(file);
    expect([...read.parts.keys()]).toEqual(['u1', added]);
  });

  test('iterate yields parts and equivalence records in file order', async () => {
    const file = join(folder, 'a.jsonl');
    writeFileSync(file, '{"uuid":"u1","type":"t","refs":[],"data":1}\n\n{"equivalent":"u2","to":"u1"}\n');
    const records: PartStoreLine[] = [];
    for await (const record of PartStore.iterate(file)) records.push(record);
    expect(records.map((record) => record.kind)).toEqual(['part', 'equivalence']);
    const read = await PartStore.read(file);
    expect(read.resolve('u2')).toBe('u1');
    expect(read.get('u2')?.data).toBe(1);
  });

  test('a bad line is reported with file and line number', async () => {
    const file = join(folder, 'bad.jsonl');
    writeFileSync(file, '{"uuid":"u1","type":"t","refs":[],"data":1}\n{"uuid":"u2","type":"t","refs":[3],"data":1}\n');
    const read = PartStore.read(file);
    await expect(read).rejects.toBeInstanceOf(PartStoreFormatError);
    await expect(read).rejects.toThrow(`line 2 of ${file}: \`refs\` of part u2 must be an array of uuid strings, received [3]`);
    writeFileSync(file, '{"uuid":"u1","type":"t","refs":[],"data":1}\n{"uuid":"u2","ty');
    await expect(PartStore.read(file)).rejects.toThrow(/line 2 of .* is not valid JSON/);
  });

  test('reads files larger than one read chunk, with multi-byte characters across chunk edges', async () => {
    const file = join(folder, 'big.jsonl');
    const store = await PartStore.create(file);
    const uuids: string[] = [];
    const text = 'é€😀'.repeat(300); // 2, 3 and 4 byte characters
    for (let i = 0; i < 3000; i++) uuids.push(store.add({ type: 't', data: { i, text } }));
    await store.close();
    expect(readFileSync(file).length).toBeGreaterThan(5 * 1024 * 1024);
    const read = await PartStore.read(file);
    expect(read.size).toBe(3000);
    expect(read.get(uuids[2999] as string)?.data).toEqual({ i: 2999, text });
  });
});

describe('canonicalJson', () => {
  test('sorts keys at every level, whatever order they were given in', () => {
    const a = canonicalJson({ b: 1, a: { d: [1, { z: 0, y: 'x' }], c: null } });
    const b = canonicalJson({ a: { c: null, d: [1, { y: 'x', z: 0 }] }, b: 1 });
    expect(a).toBe('{"a":{"c":null,"d":[1,{"y":"x","z":0}]},"b":1}');
    expect(b).toBe(a);
  });

  test('orders integer-like keys as strings, not as JavaScript enumerates them', () => {
    expect(canonicalJson({ 9: 'a', 10: 'b', x: 'c' })).toBe('{"10":"b","9":"a","x":"c"}');
  });
});
