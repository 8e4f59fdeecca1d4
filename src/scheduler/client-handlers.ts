/**
 * What the scheduler does with each message a client sends, as one handler table typed over the
 * client→scheduler union, so a new client message without a handler does not compile. Apart from the
 * server because the table is protocol, while the server is the socket and the timers around it.
 */
import { FlotillaError } from '../errors/index.js';
import type { ClientToScheduler, HandlerTable, WireError } from '../protocol/messages.js';
import { toWireError } from '../protocol/wire-error.js';
import type { ServerInternals } from './server.js';
import type { ClientRecord } from './state/types.js';

export function clientHandlers(core: ServerInternals, client: ClientRecord): HandlerTable<ClientToScheduler> {
  const { server, requests } = core;
  return {
    hello: () => core.send(client.peer, server.welcome()),
    functions: (m) => server.state.registerFunctions(m.fns),
    submit: (m) => server.state.submit(client, m.tasks),
    release: (m) => server.state.release(client, m.keys),
    retry: (m) => server.state.retry(client, m.keys),
    cancel: (m) => server.state.cancel(client, m.keys, m.force === true),
    'who-has': (m) => core.send(client.peer, { op: 'who-has-reply', id: m.id, holders: server.state.whoHas(m.keys) }),
    'gather-proxy': (m) => requests.gatherProxy(client, m.id, m.keys),
    run: (m) => requests.runOn(client, m.id, requests.targets(m.workers), m.fn, (id) => ({ op: 'run', id, fn: m.fn, args: m.args, timeoutMs: m.timeoutMs }), m.timeoutMs),
    'register-setup': (m) => {
      server.setups.set(m.name, { fn: m.fn, args: m.args });
      requests.runOn(client, m.id, requests.targets(undefined), m.fn, (id) => ({ op: 'setup', id, name: m.name, fn: m.fn, args: m.args }), m.timeoutMs);
    },
    'unregister-setup': (m) => {
      const existed = server.setups.delete(m.name);
      for (const worker of requests.targets(undefined)) core.send(worker.peer, { op: 'remove-setup', name: m.name });
      const errors: Record<string, WireError> = existed ? {} : { scheduler: toWireError(new FlotillaError(`no worker setup is registered under the name ${JSON.stringify(m.name)}`)) };
      core.send(client.peer, { op: 'run-reply', id: m.id, results: {}, errors });
    },
    'worker-logs': (m) => requests.collectLogs(client, m.id, m.tail, m.workers),
    scatter: (m) => requests.scatter(client, m),
    'upload-file': (m) => requests.upload(client, m.id, m.name, m.data),
    info: (m) => core.send(client.peer, {
      op: 'info-reply', id: m.id, workers: server.workerSummaries(), tasks: server.state.countsByState(),
    }),
    'task-stream': (m) => {
      server.taskStream.start();
      core.send(client.peer, { op: 'task-stream-reply', id: m.id, runs: server.taskStream.since(m.since) });
    },
    heartbeat: () => {},
    goodbye: () => {
      server.coordination.clientLeft(client);
      server.state.removeClient(client.peer);
    },
    'fire-and-forget': (m) => server.holders.fireAndForget(m.keys),
    restart: (m) => core.control.restart(core, client, m),
    'retire-workers': (m) => void core.control.retire(core, client, m),
    replicate: (m) => void core.control.replicate(core, client, m),
    rebalance: (m) => void core.control.rebalance(core, client, m),
    coordinate: (m) => server.coordination.handle(client, m.id, m.request),
    'want-keys': (m) => server.state.wantKeys(client, m.keys),
  };
}
