/**
 * `client.profile` on the scheduler: asks the chosen workers for their samples (`get-profile`) and
 * answers once every one answered, left, or the deadline passed. The samples are merged by the
 * client, not here: the scheduler only forwards them.
 */
import { TimeoutError } from '../errors/index.js';
import type { ProfileData, ProfileQuery, WireError } from '../protocol/messages.js';
import { toWireError } from '../protocol/wire-error.js';
import { FanOut } from './requests.js';
import type { WorkerRecord } from './state/types.js';
import type { RequestIo } from './worker-requests.js';

/** What the workers answered: samples by worker id, and why the others have none. */
export interface CollectedProfiles {
  profiles: Record<string, ProfileData>;
  errors: Record<string, WireError>;
}

type Answer = { profile?: ProfileData; error?: WireError };

/** How long the scheduler waits for a worker's samples. */
const PROFILE_TIMEOUT_MS = 15_000;

export class ProfileRequests {
  #next = 1;
  readonly #pending = new Map<number, FanOut<Answer>>();

  constructor(private readonly io: RequestIo) {}

  /** Asks `targets` for the samples matching `query`. */
  collect(targets: WorkerRecord[], query: ProfileQuery): Promise<CollectedProfiles> {
    const id = this.#next++;
    const byPeer = new Map(targets.map((w) => [w.peer, w.id]));
    return new Promise((resolve) => {
      this.#pending.set(id, new FanOut<Answer>(byPeer.keys(), (answers, missing) => {
        this.#pending.delete(id);
        const collected: CollectedProfiles = { profiles: {}, errors: {} };
        for (const [peer, answer] of answers) {
          const worker = byPeer.get(peer)!;
          if (answer.profile) collected.profiles[worker] = answer.profile;
          else collected.errors[worker] = answer.error ?? toWireError(new Error('the worker sent no samples'));
        }
        for (const peer of missing) {
          collected.errors[byPeer.get(peer)!] = toWireError(new TimeoutError(`worker ${byPeer.get(peer)} sent no samples within ${PROFILE_TIMEOUT_MS} ms (or left)`));
        }
        resolve(collected);
      }, PROFILE_TIMEOUT_MS));
      for (const worker of targets) this.io.send(worker.peer, { op: 'get-profile', id, query });
      this.io.flush();
    });
  }

  /** A worker's answer. */
  answered(id: number, peer: string, answer: Answer): void {
    this.#pending.get(id)?.answer(peer, answer);
  }

  /** A worker left: no request waits for it. */
  workerLeft(peer: string): void {
    for (const fan of this.#pending.values()) fan.drop(peer);
  }
}
