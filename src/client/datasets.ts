/**
 * Published datasets, as Dask's `publish_dataset`: named values (futures, or anything holding them)
 * shared by every client of the cluster, kept on the scheduler through the coordination requests.
 */
import { checkName } from '../coordination/requests.js';
import type { ClientCore } from './client-core.js';

/** `client.publishDataset`: publishes `value` under `name` (refused when taken, unless `override`). */
export async function publishDataset(core: ClientCore, name: string, value: unknown, options: { override?: boolean }): Promise<void> {
  await core.coordinate({ kind: 'dataset', name: checkName('publishDataset', name), action: 'publish', override: options.override === true }, { value });
}

/** `client.getDataset`: the published value, with futures of this client in place of the published ones. */
export async function getDataset(core: ClientCore, name: string): Promise<unknown> {
  return (await core.coordinate({ kind: 'dataset', name: checkName('getDataset', name), action: 'get' })).value;
}

/** `client.listDatasets`: the names of the published datasets. */
export async function listDatasets(core: ClientCore): Promise<string[]> {
  return (await core.coordinate({ kind: 'dataset', name: '*', action: 'list' })).names ?? [];
}

/** `client.unpublishDataset`: false when there was no dataset of that name. */
export async function unpublishDataset(core: ClientCore, name: string): Promise<boolean> {
  return (await core.coordinate({ kind: 'dataset', name: checkName('unpublishDataset', name), action: 'unpublish' })).ok;
}
