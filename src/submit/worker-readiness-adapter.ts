/**
 * The plug between `flotilla submit` / `start-cluster` and the client library: readiness is asked of the
 * scheduler through a real {@link Client}, which counts the workers the scheduler reports.
 *
 * The rest of `src/submit/` depends only on the {@link ConnectWorkerReadiness} contract, so tests can pass
 * their own and another client can be plugged in here without touching the orchestration.
 */
import { Client } from '../client/client.js';
import type { ConnectWorkerReadiness } from './worker-readiness.js';

/**
 * Connects a {@link Client} to the scheduler at `address`.
 *
 * @throws TimeoutError when no scheduler answers within `timeoutMs`; `waitForWorkers` throws TimeoutError
 *   when the workers do not all register in time.
 */
export const connectWorkerReadiness: ConnectWorkerReadiness = async (address, { timeoutMs, security }) => {
  const client = await Client.connect(address, { timeoutMs, security: security ?? false });
  return {
    waitForWorkers: (n, waitMs) => client.waitForWorkers(n, { timeoutMs: waitMs }),
    close: () => client.close(),
  };
};
