/**
 * `client.profile`: checks the options, asks the scheduler for the workers' samples, merges them into
 * one tree, and writes the `.cpuprofile` file when asked.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigurationError, FlotillaError, TimeoutError } from '../errors/index.js';
import type { ProfileQuery, SchedulerToClient } from '../protocol/messages.js';
import { toCpuProfile } from '../profile/cpuprofile.js';
import type { ProfileOptions } from '../profile/options.js';
import { mergeProfiles, type ProfileTree } from '../profile/tree.js';
import { channelOf } from './cluster-requests.js';
import type { Session } from './session.js';

type ProfileReply = Extract<SchedulerToClient, { op: 'profile-reply' }>;

function time(name: 'start' | 'stop', value: number | Date | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new ConfigurationError(`client.profile option ${name} must be a Date or milliseconds since the epoch (e.g. Date.now() - 60_000), got ${String(value)}`);
  }
  return ms;
}

function keysOf(key: ProfileOptions['key']): string[] | undefined {
  if (key === undefined) return undefined;
  const list = Array.isArray(key) ? key : [key];
  return list.map((k: unknown) => {
    if (typeof k === 'string') return k;
    if (typeof k === 'object' && k !== null && typeof (k as { key?: unknown }).key === 'string') return (k as { key: string }).key;
    throw new ConfigurationError(`client.profile option key must be a task key, a future, or a list of them, got ${JSON.stringify(k)}`);
  });
}

/** Turns the options into the query the workers answer. */
export function profileQuery(options: ProfileOptions): ProfileQuery {
  if (options.group !== undefined && typeof options.group !== 'string') {
    throw new ConfigurationError(`client.profile option group must be a task group's name (its function's name), got ${JSON.stringify(options.group)}`);
  }
  if (options.filename !== undefined && (typeof options.filename !== 'string' || options.filename.trim() === '')) {
    throw new ConfigurationError(`client.profile option filename must be the path of the .cpuprofile file to write, got ${JSON.stringify(options.filename)}`);
  }
  const start = time('start', options.start);
  const stop = time('stop', options.stop);
  const keys = keysOf(options.key);
  return {
    timeline: options.filename !== undefined,
    ...(start === undefined ? {} : { start }),
    ...(stop === undefined ? {} : { stop }),
    ...(keys === undefined ? {} : { keys }),
    ...(options.group === undefined ? {} : { group: options.group }),
  };
}

/** `client.profile`. */
export async function profileCluster(session: Session, options: ProfileOptions): Promise<ProfileTree> {
  const query = profileQuery(options);
  if (options.workers !== undefined && (!Array.isArray(options.workers) || options.workers.some((w) => typeof w !== 'string'))) {
    throw new ConfigurationError(`client.profile option workers must be an array of worker ids, names, addresses or hosts, got ${JSON.stringify(options.workers)}`);
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  const channel = channelOf(session, 'client.profile');
  let timer: NodeJS.Timeout | undefined;
  const reply = await Promise.race([
    channel.request<ProfileReply>((id) => ({ op: 'profile', id, query, ...(options.workers ? { workers: options.workers } : {}) })),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new TimeoutError(`client.profile: the scheduler did not answer within ${timeoutMs} ms; try again, or pass a larger timeoutMs`)), timeoutMs))),
  ]).finally(() => clearTimeout(timer));
  const missing = Object.fromEntries(Object.entries(reply.errors).map(([worker, error]) => [worker, `${error.name}: ${error.message}`]));
  if (Object.keys(reply.profiles).length === 0 && Object.keys(missing).length > 0) {
    const lines = Object.entries(missing).map(([worker, why]) => `  ${worker}: ${why}`);
    throw new FlotillaError(`client.profile got no samples from any worker:\n${lines.join('\n')}`);
  }
  const { tree, nodesOf } = mergeProfiles(reply.profiles, missing);
  if (options.filename !== undefined) writeAtomically(resolve(options.filename), JSON.stringify(toCpuProfile(tree, reply.profiles, nodesOf)));
  return tree;
}

function writeAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
