/**
 * The client's requests about the whole cluster: restart, retireWorkers, replicate, rebalance and
 * fireAndForget. Each checks its options, sends one message and turns the scheduler's `control-reply`
 * into a result or an error. Apart from the Client so that its file stays the list of public methods.
 */
import { ConfigurationError, FlotillaError } from '../errors/index.js';
import type { SchedulerToClient } from '../protocol/messages.js';
import { fromWireError } from '../protocol/wire-error.js';
import type { ControlChannel, Session } from './session.js';

type ControlReply = Extract<SchedulerToClient, { op: 'control-reply' }>;

/** Options of `client.restart`. */
export interface RestartOptions {
  /** How long each worker may take to drop its work and replace its threads, in milliseconds. @defaultValue 30000 */
  timeoutMs?: number;
}

/** Options of `client.retireWorkers`. */
export interface RetireOptions {
  /**
   * Close the workers once their results are safe. With false they stay connected, keep serving the
   * copies they hold and take no new task, until their cluster or batch job ends them. @defaultValue true
   */
  closeWorkers?: boolean;
}

/** Options of `client.replicate`. */
export interface ReplicateOptions {
  /** Copies of each result to keep, at least 1; copies beyond `n` are dropped. @defaultValue every worker (of `workers`) */
  n?: number;
  /** Replicate onto these workers only (ids, names, addresses or hosts). @defaultValue every running worker */
  workers?: string[];
}

/** Options of `client.rebalance`. */
export interface RebalanceOptions {
  /** Balance among these workers only (ids, names, addresses or hosts). @defaultValue every running worker */
  workers?: string[];
}

export function channelOf(session: Session, what: string): ControlChannel {
  if (!session.control) throw new FlotillaError(`${what} needs a cluster, and this client runs tasks in the caller (mode 'sync'); connect to a LocalCluster or a scheduler address instead`);
  return session.control;
}

function outcome(reply: ControlReply): string[] {
  if (reply.error) throw fromWireError(reply.error);
  return reply.done;
}

function checkWorkers(what: string, workers: unknown): string[] | undefined {
  if (workers === undefined) return undefined;
  if (!Array.isArray(workers) || workers.some((w) => typeof w !== 'string')) {
    throw new ConfigurationError(`${what}: workers must be an array of worker ids, names, addresses or hosts, got ${JSON.stringify(workers)}`);
  }
  return workers as string[];
}

/** `client.restart`: resolves with the ids of the workers that restarted. */
export async function restartCluster(session: Session, options: RestartOptions, restarted: (reason: string) => void): Promise<string[]> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) throw new ConfigurationError(`restart: timeoutMs must be a number of milliseconds > 0, got ${String(timeoutMs)}`);
  const channel = channelOf(session, 'restart');
  const reply = await channel.request<ControlReply>((id) => ({ op: 'restart', id, timeoutMs }));
  // The scheduler forgot every key even when some worker was late: every future of this client is cancelled.
  restarted('the cluster was restarted (client.restart())');
  return outcome(reply);
}

/** `fireAndForget` / `client.fireAndForget`: the scheduler keeps computing the keys with no client holding them. */
export function fireAndForgetKeys(session: Session, keys: string[]): void {
  // In sync mode every task already ran when it was submitted: there is nothing left to keep going.
  session.control?.send({ op: 'fire-and-forget', keys });
}

/** `client.retireWorkers`: resolves with the ids of the workers retired. */
export async function retireWorkers(session: Session, workers: string[], options: RetireOptions): Promise<string[]> {
  const names = checkWorkers('retireWorkers', workers);
  if (!names || names.length === 0) throw new ConfigurationError('retireWorkers: name the workers to retire, e.g. client.retireWorkers([workerId]); client.schedulerInfo() lists them');
  const closeWorkers = options.closeWorkers ?? true;
  if (typeof closeWorkers !== 'boolean') throw new ConfigurationError(`retireWorkers: closeWorkers must be true or false, got ${JSON.stringify(closeWorkers)}`);
  const channel = channelOf(session, 'retireWorkers');
  return outcome(await channel.request<ControlReply>((id) => ({ op: 'retire-workers', id, workers: names, closeWorkers })));
}

/** `client.replicate`: resolves with the keys whose copies changed. */
export async function replicateKeys(session: Session, keys: string[], options: ReplicateOptions): Promise<string[]> {
  const workers = checkWorkers('replicate', options.workers);
  const n = options.n;
  if (n !== undefined && (!Number.isInteger(n) || n < 1)) throw new ConfigurationError(`replicate: n must be a whole number of copies >= 1, got ${String(n)}`);
  const channel = channelOf(session, 'replicate');
  return outcome(await channel.request<ControlReply>((id) => ({ op: 'replicate', id, keys, ...(n !== undefined ? { n } : {}), ...(workers ? { workers } : {}) })));
}

/** `client.rebalance`: resolves with the keys moved. */
export async function rebalanceKeys(session: Session, keys: string[] | undefined, options: RebalanceOptions): Promise<string[]> {
  const workers = checkWorkers('rebalance', options.workers);
  const channel = channelOf(session, 'rebalance');
  return outcome(await channel.request<ControlReply>((id) => ({ op: 'rebalance', id, ...(keys ? { keys } : {}), ...(workers ? { workers } : {}) })));
}
