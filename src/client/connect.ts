/**
 * How `Client.connect` reaches a scheduler: at an address, through a cluster object, at
 * `FLOTILLA_SCHEDULER_ADDRESS`, or in a LocalCluster started for the client (closed again when the
 * client cannot connect to it), or not at all in the in-caller `sync` mode. Apart from the Client
 * because choosing the target is one decision, made once, that the rest of the client never revisits.
 */
import type { ClusterHandle } from '../cluster/cluster-handle.js';
import { TimeoutError } from '../errors/index.js';
import { resolveMode } from './mode.js';
import type { ConnectOptions } from './options.js';
import { RemoteSession } from './remote-session.js';
import type { Session, SessionListener } from './session.js';
import { SyncSession } from './sync-session.js';
import { readCredentialsFile, type CurveCredentials } from '../transport/security.js';

/** A connected session, the cluster it goes through (if any), and the cluster the client started and must close. */
export interface OpenedSession {
  readonly session: Session;
  readonly cluster: ClusterHandle | undefined;
  readonly ownedCluster: ClusterHandle | undefined;
}

/**
 * Opens the session `Client.connect(target, maybeOptions)` asks for (see its documentation).
 * @throws TimeoutError when no scheduler answers at the address within `timeoutMs`.
 */
export async function openSession(target: string | ClusterHandle | ConnectOptions | undefined, maybeOptions: ConnectOptions, listener: SessionListener): Promise<OpenedSession> {
  const options: ConnectOptions = typeof target === 'object' && target !== null && !isClusterHandle(target) ? target : maybeOptions;
  const timeoutMs = options.timeoutMs ?? 10_000;
  // A `timeoutMs` the caller gave covers the cluster's start too; without one, the cluster's own bounds
  // apply (it fails when its workers cannot start, or do not join within a minute).
  const started = Date.now();
  const untilReady = (cluster: ClusterHandle) => options.timeoutMs === undefined ? cluster.ready : withinTimeout(cluster, options.timeoutMs);
  const remaining = () => options.timeoutMs === undefined ? timeoutMs : Math.max(1, options.timeoutMs - (Date.now() - started));
  if (typeof target === 'string') {
    return { session: await RemoteSession.connect(target, listener, { timeoutMs, security: addressSecurity(options) }), cluster: undefined, ownedCluster: undefined };
  }
  if (isClusterHandle(target)) {
    await untilReady(target);
    const session = await RemoteSession.connect(target.schedulerAddress, listener, { timeoutMs: remaining(), security: target.security, local: target.openLocalLink?.bind(target) });
    return { session, cluster: target, ownedCluster: undefined };
  }
  if (process.env.FLOTILLA_SCHEDULER_ADDRESS) {
    const session = await RemoteSession.connect(process.env.FLOTILLA_SCHEDULER_ADDRESS, listener, { timeoutMs, security: addressSecurity(options) });
    return { session, cluster: undefined, ownedCluster: undefined };
  }
  const mode = resolveMode(options.mode);
  if (mode === 'sync') return { session: new SyncSession(listener), cluster: undefined, ownedCluster: undefined };
  const { LocalCluster } = await import('../cluster/local-cluster.js');
  const cluster = new LocalCluster({ ...options, processes: mode === 'processes' });
  let session: Session;
  try {
    await untilReady(cluster);
    session = await RemoteSession.connect(cluster.schedulerAddress, listener, { timeoutMs: remaining(), security: cluster.security, local: cluster.openLocalLink.bind(cluster) });
  } catch (error) {
    await cluster.close();
    throw error;
  }
  return { session, cluster, ownedCluster: cluster };
}

/** The cluster's `ready`, or a TimeoutError saying how far it got once `ms` pass. */
function withinTimeout(cluster: ClusterHandle, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const state = cluster.describeWorkers?.() ?? 'it is still starting';
      reject(new TimeoutError(`Client.connect: the cluster was not ready within timeoutMs (${ms} ms): ${state}. Give a larger timeoutMs, or look at the workers' output for why they do not join.`));
    }, ms);
  });
  return Promise.race([cluster.ready, timeout]).finally(() => clearTimeout(timer));
}

/** The keys for a scheduler given by address: `security`, else FLOTILLA_SECURITY_FILE's, else none. */
function addressSecurity(options: ConnectOptions): CurveCredentials | undefined {
  const security = options.security ?? process.env.FLOTILLA_SECURITY_FILE?.trim() ?? false;
  if (security === false || security === '') return undefined;
  return typeof security === 'string' ? readCredentialsFile(security) : security;
}

function isClusterHandle(value: unknown): value is ClusterHandle {
  return typeof value === 'object' && value !== null && 'ready' in value && 'close' in value && typeof (value as ClusterHandle).close === 'function';
}
