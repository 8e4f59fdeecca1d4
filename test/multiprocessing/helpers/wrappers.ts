/**
 * Wrappers for the tests, written as they must be for workers: they read nothing from outside their
 * body and import the part store with `await import(kwargs.partStoreModule)`.
 */
import type { WrapperKwargs, WrapperResult } from '../../../src/multiprocessing/index.js';

/** The module wrappers import the part store from (the source file; vitest resolves it). */
export const PART_STORE_MODULE = new URL('../../../src/multiprocessing/part-store.ts', import.meta.url).pathname;

export type Scenario =
  | 'ok'
  | 'tuple'
  | 'throw'
  | 'report-failure'
  | 'bad-uuids'
  | 'wrong-index'
  | 'missing-file'
  | 'late-file';

export interface GridKwargs {
  partStoreModule: string;
  /** Grid size; tasks with equal `ni` write equal grids. */
  ni: number;
  scenario?: Scenario;
  /** For 'late-file': how long after returning the file appears. */
  lateMs?: number;
}

/**
 * Writes a crs (the same data in every task), a grid referencing it and a property referencing the
 * grid, then returns the property's uuid (the grid and crs come with it as references).
 */
export async function gridWrapper(kwargs: WrapperKwargs<GridKwargs>): Promise<WrapperResult> {
  type PartStoreModule = typeof import('../../../src/multiprocessing/part-store.js');
  const { PartStore } = (await import(kwargs.partStoreModule)) as PartStoreModule;
  const { rename } = await import('node:fs/promises');
  const { index, parentTmpDir, scenario = 'ok' } = kwargs;
  if (scenario === 'throw') throw new Error(`boom ${index}`);
  if (scenario === 'report-failure') return { index, success: false, file: null, uuids: [] };
  const file = `${parentTmpDir}/part_${index}.jsonl`;
  if (scenario === 'missing-file') return { index, success: true, file, uuids: ['nowhere'] };
  const writeTo = scenario === 'late-file' ? `${file}.writing` : file;
  const store = await PartStore.create(writeTo);
  const crs = store.add({ type: 'crs', title: 'ED50', data: { epsg: 23031, units: 'm' } });
  const grid = store.add({ type: 'grid', title: `grid ${index}`, refs: [crs], data: { ni: kwargs.ni, nj: 2 } });
  const property = store.add({ type: 'property', refs: [grid], data: { index, values: [index, index + 0.5] } });
  await store.close();
  if (scenario === 'late-file') {
    // The file appears only after the wrapper has returned, as on a lagging shared file system.
    // (When the test has already given up and removed the folder, the rename fails; that is expected.)
    setTimeout(() => rename(writeTo, file).catch(() => undefined), kwargs.lateMs ?? 200);
  }
  if (scenario === 'tuple') return [index, true, file, [property]];
  if (scenario === 'bad-uuids') return { index, success: true, file, uuids: [property, 42] as unknown as string[] };
  if (scenario === 'wrong-index') return { index: index + 100, success: true, file, uuids: [property] };
  return { index, success: true, file, uuids: [property] };
}
