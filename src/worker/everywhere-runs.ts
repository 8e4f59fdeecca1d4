/**
 * What the scheduler asks of every worker at once, besides tasks: `run` (client.run, a function on every
 * task thread) and `setup` (a worker setup, also run on every thread started later), answered with one
 * `run-result`; and `fetch-data` (copy results from a retiring worker), answered with `data-stored`.
 */
import type { WireValue, WorkerToScheduler } from '../protocol/messages.js';
import { valuesBytes } from '../protocol/wire-size.js';
import { toWireError } from '../protocol/wire-error.js';
import type { PeerPool } from '../transport/peer-pool.js';
import type { Logger } from '../util/logger.js';
import type { LocalFiles } from './local-files.js';
import type { LocalTasks } from './local-tasks.js';
import { fromWire, toWire } from './stored-data.js';
import type { ThreadPool } from './thread-pool.js';

/** Sends one message to the scheduler. */
type SendToScheduler = (message: WorkerToScheduler) => void;

/** Runs the function `fnHash` on every thread (or adds it as setup `name`) and answers run `id`. */
export async function runEverywhere(
  parts: { files: LocalFiles; pool: ThreadPool; log: Logger; send: SendToScheduler },
  id: number, fnHash: string, args: WireValue, kind: 'run' | 'setup', name = '',
): Promise<void> {
  const { files, pool, log, send } = parts;
  try {
    const url = files.functionUrl(fnHash);
    const stored = fromWire(args, false);
    const results = await (kind === 'setup' ? pool.addSetup(name, url, stored) : pool.runOnAll(url, stored));
    if (kind === 'setup') {
      const failed = results.find((r) => !r.ok);
      if (failed) log.error(`worker setup ${JSON.stringify(name)} failed: ${failed.error?.name}: ${failed.error?.message}`);
      else log.info(`worker setup ${JSON.stringify(name)} done on ${results.length} thread(s)`);
    }
    const failed = results.find((r) => !r.ok);
    if (failed) send({ op: 'run-result', id, error: failed.error });
    else send({ op: 'run-result', id, ...(results[0]?.value ? { value: toWire(results[0].value) } : {}) });
  } catch (error) {
    send({ op: 'run-result', id, error: toWireError(error) });
  }
}

/** Copies results from a retiring worker, then tells the scheduler which arrived. */
export async function copyFromRetiring(
  parts: { peers: PeerPool; tasks: LocalTasks; log: Logger; send: SendToScheduler },
  id: number, keys: string[], from: string,
): Promise<void> {
  const { peers, tasks, log, send } = parts;
  const stored: string[] = [];
  const sizes: number[] = [];
  try {
    const start = Date.now();
    const reply = await peers.getData(from, keys, 60_000);
    const moved = Object.keys(reply.values);
    if (moved.length > 0) send({ op: 'transfers', transfers: [{ keys: moved, source: from, start, stop: Date.now(), nbytes: valuesBytes(reply.values) }] });
    for (const [key, value] of Object.entries(reply.values)) {
      sizes.push(tasks.storeValue(key, fromWire(value, true)));
      stored.push(key);
    }
  } catch (error) {
    log.warn(`could not copy ${keys.length} result(s) from retiring worker ${from}: ${(error as Error).message}`);
  }
  send({ op: 'data-stored', id, keys: stored, nbytes: sizes });
}
