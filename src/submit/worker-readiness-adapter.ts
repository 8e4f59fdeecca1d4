/**
 * THE PLUG POINT FOR THE CLIENT LIBRARY.
 *
 * `flotilla submit` and `start-cluster` wait for their workers through {@link connectWorkerReadiness}. Until
 * `Client.connect(address, { timeoutMs })` and `client.waitForWorkers(n, { timeoutMs })` exist, it refuses
 * with a clear error. To wire the real client, replace the body with (adjusting the import path):
 *
 * ```ts
 * import { Client } from '../client/index.js';
 *
 * export const connectWorkerReadiness: ConnectWorkerReadiness = async (address, { timeoutMs }) => {
 *   const client = await Client.connect(address, { timeoutMs });
 *   return {
 *     waitForWorkers: (n, waitMs) => client.waitForWorkers(n, { timeoutMs: waitMs }),
 *     close: () => client.close(),
 *   };
 * };
 * ```
 *
 * Nothing else in `src/submit/` needs to change; tests pass their own {@link ConnectWorkerReadiness}.
 */
import { FlotillaError } from '../errors/index.js';
import type { ConnectWorkerReadiness } from './worker-readiness.js';

export const connectWorkerReadiness: ConnectWorkerReadiness = async (address) => {
  throw new FlotillaError(
    `Cannot wait for workers at ${address}: the client library is not wired into flotilla submit yet ` +
      '(src/submit/worker-readiness-adapter.ts). This is a bug in this build of flotilla, not in your command.',
  );
};
