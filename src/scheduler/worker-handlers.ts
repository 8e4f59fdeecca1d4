/**
 * What the scheduler does with each message a worker sends, as one handler table typed over the
 * worker→scheduler union. Task reports go straight to the state; answers to fanned-out requests go to
 * the request they answer. Apart from the server because the table is protocol, while the server is
 * the socket and the timers around it.
 */
import type { HandlerTable, WorkerToScheduler } from '../protocol/messages.js';
import { retireWorker } from './retirement.js';
import type { ServerInternals } from './server.js';
import type { WorkerRecord } from './state/types.js';

export function workerHandlers(core: ServerInternals, worker: WorkerRecord): HandlerTable<WorkerToScheduler> {
  const { server, requests } = core;
  return {
    register: (m) => core.registerWorker(worker.peer, m.worker, Date.now()),
    heartbeat: (m) => {
      server.state.heartbeat(worker, m.executing, m.memory, Date.now());
      core.send(worker.peer, { op: 'heartbeat-ack' });
    },
    'task-finished': (m) => {
      if (server.listenerCount('task-run') > 0) {
        for (const r of m.reports) {
          server.emit('task-run', {
            key: r.key, group: server.state.tasks.get(r.key)?.group ?? 'unknown', worker: worker.id, thread: r.thread,
            start: r.start, stop: r.start + r.duration / 1000, status: 'memory', nbytes: r.nbytes, transfer: r.transfer,
          });
        }
      }
      server.state.taskFinished(worker, m.reports);
    },
    'task-erred': (m) => {
      if (server.listenerCount('task-run') > 0) {
        server.emit('task-run', {
          key: m.key, group: server.state.tasks.get(m.key)?.group ?? 'unknown', worker: worker.id, thread: m.thread,
          start: m.start, stop: m.start + m.duration / 1000, status: 'erred', nbytes: 0, transfer: 0,
        });
      }
      server.state.taskErred(worker, m.key, m.error, m.duration);
    },
    started: (m) => server.state.started(worker, m.keys),
    'missing-data': (m) => server.state.missingData(worker, m.key, m.missing),
    'data-stored': (m) => requests.dataStored(m.id, worker.peer, { keys: m.keys, nbytes: m.nbytes }),
    'run-result': (m) => {
      if (m.id === 0 && m.error) server.log.warn(`a worker setup failed on ${worker.id} as it joined: ${m.error.name}: ${m.error.message}`);
      requests.runAnswered(m.id, worker.peer, { value: m.value, error: m.error });
    },
    logs: (m) => requests.logsArrived(m.id, worker.peer, m.lines),
    'data-reply': (m) => requests.dataArrived(m.id, m.values, m.missing),
    'upload-done': (m) => requests.uploadDone(m.id, worker.peer, m.error),
    unregister: (m) => core.removeWorker(worker.peer, m.reason, true),
    'retire-me': (m) => void retireWorker(core, worker, m.reason),
    'long-running': (m) => server.state.longRunning(worker, m.keys),
    restarted: (m) => core.control.restarted(m.id, worker.peer),
  };
}
