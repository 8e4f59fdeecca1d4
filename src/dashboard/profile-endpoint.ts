/**
 * `/api/profile`: the flame graph the status page draws, from the workers' samples (the same ones
 * `client.profile` reads). Bounded on every side: the query is checked, the answer has at most
 * {@link DEFAULT_FLAME_NODES} boxes whatever the workers saw, equal queries share one collection and
 * its answer for half a second, and at most a few different collections run at once (more get 503), so a
 * page polling in many tabs cannot make the scheduler ask its workers without end.
 */
import { ConfigurationError } from '../errors/index.js';
import type { ProfileQuery } from '../protocol/messages.js';
import { DEFAULT_FLAME_NODES, flameGraph, type FlameGraph } from '../profile/flame.js';
import { mergeProfiles } from '../profile/tree.js';
import type { CollectedProfiles } from '../scheduler/profile-requests.js';

/** The scheduler's side of it (a `SchedulerServer` has it). */
export interface ProfileSource {
  profile(query: ProfileQuery): Promise<CollectedProfiles>;
}

/** Longest task-group name accepted (a group is a function's name). */
const MAX_GROUP_LENGTH = 200;
/** Collections running at once, each for a different query. */
const MAX_IN_FLIGHT = 4;
/** How long an answer is reused for the same query, in milliseconds (polls of many tabs share it). */
const REUSE_MS = 500;

/**
 * The query of `/api/profile?group=G&start=MS&stop=MS`; without `start`, the last `historyMs`.
 * @throws ConfigurationError for a time that is not a number or a group name that is too long
 */
export function parseProfileQuery(params: URLSearchParams, now: number, historyMs: number): ProfileQuery {
  const number = (name: 'start' | 'stop'): number | undefined => {
    const text = params.get(name);
    if (text === null || text === '') return undefined;
    const value = Number(text);
    if (!Number.isFinite(value)) {
      throw new ConfigurationError(`${name} must be milliseconds since the epoch, got ${JSON.stringify(text)}; e.g. ${name}=${Math.round(now - 60_000)}`);
    }
    return value;
  };
  const query: ProfileQuery = { timeline: false, start: number('start') ?? now - historyMs };
  const stop = number('stop');
  if (stop !== undefined) query.stop = stop;
  const group = params.get('group');
  if (group !== null && group !== '') {
    if (group.length > MAX_GROUP_LENGTH) {
      throw new ConfigurationError(`group must be a task group's name (its function's name) of at most ${MAX_GROUP_LENGTH} characters, got ${group.length}; leave it out for every task`);
    }
    query.group = group;
  }
  return query;
}

export class ProfileEndpoint {
  readonly #running = new Map<string, Promise<FlameGraph>>();
  readonly #recent = new Map<string, { at: number; graph: FlameGraph }>();

  constructor(private readonly source: ProfileSource, private readonly maxNodes = DEFAULT_FLAME_NODES) {}

  /**
   * The flame graph for `query`.
   * @returns undefined when too many other collections are running (answer 503: try again shortly)
   */
  graph(query: ProfileQuery, now = Date.now()): Promise<FlameGraph> | undefined {
    // Start times move with the clock: rounded to REUSE_MS, polls of many pages share an answer.
    const id = JSON.stringify([Math.floor((query.start ?? 0) / REUSE_MS), query.stop ?? null, query.group ?? null]);
    const recent = this.#recent.get(id);
    if (recent && now - recent.at < REUSE_MS) return Promise.resolve(recent.graph);
    const running = this.#running.get(id);
    if (running) return running;
    if (this.#running.size >= MAX_IN_FLIGHT) return undefined;
    const collected = this.source.profile(query).then((answer) => {
      const missing = Object.fromEntries(Object.entries(answer.errors).map(([worker, error]) => [worker, `${error.name}: ${error.message}`]));
      const graph = flameGraph(mergeProfiles(answer.profiles, missing).tree, this.maxNodes);
      for (const [key, entry] of this.#recent) if (Date.now() - entry.at >= REUSE_MS) this.#recent.delete(key);
      if (this.#recent.size < 4 * MAX_IN_FLIGHT) this.#recent.set(id, { at: Date.now(), graph });
      return graph;
    }).finally(() => this.#running.delete(id));
    this.#running.set(id, collected);
    return collected;
  }
}
