/**
 * What the scheduler does with each message a client sends, as one handler table typed over the
 * client→scheduler union, so a new client message without a handler does not compile. Apart from the
 * server because the table is protocol, while the server is the socket and the timers around it.
 */
import type { ClientToScheduler, HandlerTable } from '../protocol/messages.js';
import type { SchedulerContext } from './context.js';
import { valuesBytes } from '../protocol/wire-size.js';
import { recordTransfers, transferRecord } from './transfers.js';
import type { ClientRecord } from './state/types.js';

export function clientHandlers(core: SchedulerContext, client: ClientRecord): HandlerTable<ClientToScheduler> {
  const { requests } = core;
  return {
    hello: () => core.send(client.peer, core.welcome()),
    functions: (m) => core.state.registerFunctions(m.fns),
    submit: (m) => core.state.submit(client, m.tasks),
    release: (m) => core.state.release(client, m.keys),
    retry: (m) => core.state.retry(client, m.keys),
    cancel: (m) => core.state.cancel(client, m.keys, m.force === true),
    'who-has': (m) => core.send(client.peer, { op: 'who-has-reply', id: m.id, holders: core.state.whoHas(m.keys) }),
    'gather-proxy': (m) => requests.gatherProxy(client, m.id, m.keys, (holder, values, start) => {
      if (core.events.listenerCount('task-run') === 0) return;
      const keys = Object.keys(values);
      if (keys.length > 0) core.events.emit('task-run', transferRecord(keys, holder.id, `client ${client.id}`, holder.id, start, Date.now(), valuesBytes(values)));
    }),
    run: (m) => requests.runOn(client, m.id, requests.targets(m.workers), m.fn, (id) => ({ op: 'run', id, fn: m.fn, args: m.args, timeoutMs: m.timeoutMs }), m.timeoutMs),
    'register-setup': (m) => requests.registerSetup(client, m),
    'unregister-setup': (m) => requests.unregisterSetup(client, m),
    'worker-logs': (m) => requests.collectLogs(client, m.id, m.tail, m.workers),
    scatter: (m) => requests.scatter(client, m),
    'upload-file': (m) => requests.upload(client, m.id, m.name, m.data),
    info: (m) => core.send(client.peer, {
      op: 'info-reply', id: m.id, workers: core.workerSummaries(), tasks: core.state.countsByState(),
    }),
    'task-stream': (m) => {
      core.taskStream.start();
      core.send(client.peer, { op: 'task-stream-reply', id: m.id, runs: core.taskStream.since(m.since) });
    },
    heartbeat: () => {},
    'actor-done': (m) => {
      const worker = core.state.directCallsFinished(m.worker, m.reports);
      if (!worker || core.events.listenerCount('task-run') === 0) return;
      for (const r of m.reports) {
        core.events.emit('task-run', {
          key: r.key, group: core.state.tasks.get(r.key)?.group ?? 'unknown', worker: worker.id, thread: r.thread,
          start: r.start, stop: r.start + r.duration / 1000, status: 'memory', nbytes: r.nbytes, transfer: r.transfer,
        });
      }
    },
    'actor-erred': (m) => core.state.directCallErred(m.worker, m.key, m.error),
    goodbye: () => core.removeClient(client, 'it said goodbye'),
    'fire-and-forget': (m) => core.holders.fireAndForget(m.keys),
    restart: (m) => core.control.restart(core, client, m),
    'retire-workers': (m) => void core.control.retire(core, client, m),
    replicate: (m) => void core.control.replicate(core, client, m),
    rebalance: (m) => void core.control.rebalance(core, client, m),
    coordinate: (m) => core.coordination.handle(client, m.id, m.request),
    'want-keys': (m) => core.state.wantKeys(client, m.keys),
    transfers: (m) => recordTransfers(core, m.transfers, `client ${client.id}`, false),
    profile: (m) => void core.profiles.collect(requests.targets(m.workers), m.query).then((collected) => {
      core.send(client.peer, { op: 'profile-reply', id: m.id, ...collected });
      core.flush();
    }),
  };
}
