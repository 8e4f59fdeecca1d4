/**
 * What the scheduler does with each message a worker sends, as one handler table typed over the
 * worker→scheduler union. Task reports go straight to the state; answers to fanned-out requests go to
 * the request they answer. Apart from the server because the table is protocol, while the server is
 * the socket and the timers around it.
 */
import type { HandlerTable, WorkerToScheduler } from '../protocol/messages.js';
import { retireWorker } from './retirement.js';
import type { SchedulerContext } from './context.js';
import { recordInlineResults, recordTransfers } from './transfers.js';
import type { WorkerRecord } from './state/types.js';

export function workerHandlers(core: SchedulerContext, worker: WorkerRecord): HandlerTable<WorkerToScheduler> {
  const { requests } = core;
  return {
    register: (m) => core.registerWorker(worker.peer, m.worker, Date.now()),
    heartbeat: (m) => {
      core.state.heartbeat(worker, m.executing, m.memory, Date.now());
      core.send(worker.peer, { op: 'heartbeat-ack' });
    },
    'task-finished': (m) => {
      if (core.events.listenerCount('task-run') > 0) {
        for (const r of m.reports) {
          core.events.emit('task-run', {
            key: r.key, group: core.state.tasks.get(r.key)?.group ?? 'unknown', worker: worker.id, thread: r.thread,
            start: r.start, stop: r.start + r.duration / 1000, status: 'memory', nbytes: r.nbytes, transfer: r.transfer,
          });
        }
        recordInlineResults(core, worker, m.reports);
      }
      core.state.taskFinished(worker, m.reports);
    },
    'task-erred': (m) => {
      if (core.events.listenerCount('task-run') > 0) {
        core.events.emit('task-run', {
          key: m.key, group: core.state.tasks.get(m.key)?.group ?? 'unknown', worker: worker.id, thread: m.thread,
          start: m.start, stop: m.start + m.duration / 1000, status: 'erred', nbytes: 0, transfer: 0,
        });
      }
      core.state.taskErred(worker, m.key, m.error, m.duration);
    },
    started: (m) => core.state.started(worker, m.keys),
    'missing-data': (m) => core.state.missingData(worker, m.key, m.missing),
    'data-stored': (m) => requests.dataStored(m.id, worker.peer, { keys: m.keys, nbytes: m.nbytes }),
    'run-result': (m) => {
      if (m.id === 0 && m.error) core.log.warn(`a worker setup failed on ${worker.id} as it joined: ${m.error.name}: ${m.error.message}`);
      requests.runAnswered(m.id, worker.peer, { value: m.value, error: m.error });
    },
    logs: (m) => requests.logsArrived(m.id, worker.peer, m.lines),
    'data-reply': (m) => requests.dataArrived(m.id, m.values, m.missing),
    'upload-done': (m) => requests.uploadDone(m.id, worker.peer, m.error),
    unregister: (m) => core.removeWorker(worker.peer, m.reason, true),
    'retire-me': (m) => void retireWorker(core, worker, m.reason),
    'long-running': (m) => core.state.longRunning(worker, m.keys),
    restarted: (m) => core.control.restarted(m.id, worker.peer),
    'actor-lost': (m) => core.state.actorLost(worker, m.key, m.reason),
    transfers: (m) => recordTransfers(core, m.transfers, worker.id, true),
    'profile-data': (m) => core.profiles.answered(m.id, worker.peer, { profile: m.profile, error: m.error }),
  };
}
