/**
 * Requests the scheduler sends to workers for a client and answers once: run a function, collect logs,
 * scatter, upload a file, proxy a gather, and copy results off a retiring worker. Kept out of the
 * server because each is bookkeeping of its own (request ids, who still has to answer, the reply),
 * untouched by the task messages the server handles per task.
 */
import { FlotillaError, TimeoutError } from '../errors/index.js';
import type { ClientToScheduler, SchedulerMessage, SchedulerToWorker, WireError, WireValue } from '../protocol/messages.js';
import { OutOfBand } from '../protocol/out-of-band.js';
import { toWireError } from '../protocol/wire-error.js';
import { FanOut } from './requests.js';
import type { SchedulerState } from './state/scheduler-state.js';
import type { ClientRecord, WorkerRecord } from './state/types.js';

/** How requests reach peers: the server's send, and its flush of what the state queued. */
export interface RequestIo {
  send(peer: string, message: SchedulerMessage): void;
  flush(): void;
}

/** A worker setup (registerWorkerSetup), run on every worker that joins before its first task. */
export interface WorkerSetup { fn: string; args: WireValue }

type ClientMessage<Op extends ClientToScheduler['op']> = Extract<ClientToScheduler, { op: Op }>;

export interface RunAnswer { value?: WireValue; error?: WireError }
export interface StoredAnswer { keys: string[]; nbytes: number[] }

export class WorkerRequests {
  #nextRequest = 1;
  #runs = new Map<number, FanOut<RunAnswer>>();
  #stores = new Map<number, FanOut<StoredAnswer>>();
  #uploadsInFlight = new Map<number, FanOut<WireError | undefined>>();
  #logRequests = new Map<number, FanOut<string[]>>();
  #dataRequests = new Map<number, (values: Record<string, WireValue>, missing: string[]) => void>();

  /** Worker setups by name, run on every worker that joins before its first task. */
  readonly #setups = new Map<string, WorkerSetup>();
  /** Uploaded files, re-sent to every worker that joins later. */
  readonly #uploads = new Map<string, Uint8Array>();

  constructor(
    private readonly state: SchedulerState,
    private readonly io: RequestIo,
  ) {}

  /** A worker joined: it is sent every uploaded file and runs every worker setup, before its first task. */
  workerJoined(worker: WorkerRecord): void {
    for (const [name, data] of this.#uploads) {
      this.io.send(worker.peer, { op: 'upload-file', id: 0, name, data: new OutOfBand(data) });
    }
    for (const [name, setup] of this.#setups) {
      this.ensureFunction(worker, setup.fn);
      this.io.send(worker.peer, { op: 'setup', id: 0, name, fn: setup.fn, args: setup.args });
    }
  }

  /** Registers a worker setup and runs it on every running worker; workers that join later run it too. */
  registerSetup(client: ClientRecord, m: ClientMessage<'register-setup'>): void {
    this.#setups.set(m.name, { fn: m.fn, args: m.args });
    this.runOn(client, m.id, this.targets(undefined), m.fn, (id) => ({ op: 'setup', id, name: m.name, fn: m.fn, args: m.args }), m.timeoutMs);
  }

  /** Forgets a worker setup and tells every running worker to drop it; an unknown name is an error in the reply. */
  unregisterSetup(client: ClientRecord, m: ClientMessage<'unregister-setup'>): void {
    const existed = this.#setups.delete(m.name);
    for (const worker of this.targets(undefined)) this.io.send(worker.peer, { op: 'remove-setup', name: m.name });
    const errors: Record<string, WireError> = existed ? {} : { scheduler: toWireError(new FlotillaError(`no worker setup is registered under the name ${JSON.stringify(m.name)}`)) };
    this.io.send(client.peer, { op: 'run-reply', id: m.id, results: {}, errors });
  }

  /** Running workers, all of them or those named (by id, address or host); an empty list names none. */
  targets(names: string[] | undefined): WorkerRecord[] {
    const all = [...this.state.workers.values()].filter((w) => w.status === 'running');
    if (!names) return all;
    return all.filter((w) => names.some((n) => n === w.id || n === w.info.address || n === w.info.host));
  }

  /** Sends the source of function `hash` to a worker that has not seen it. */
  ensureFunction(worker: WorkerRecord, hash: string): void {
    if (worker.knownFunctions.has(hash)) return;
    const fn = this.state.functions.get(hash);
    if (fn) this.io.send(worker.peer, { op: 'functions', fns: [fn] });
    worker.knownFunctions.add(hash);
  }

  /** Runs a function on workers (run or setup) and answers the client once, with per-worker results and errors. */
  runOn(client: ClientRecord, replyId: number, targets: WorkerRecord[], fn: string, message: (id: number) => SchedulerToWorker, timeoutMs: number): void {
    const id = this.#nextRequest++;
    const byPeer = new Map(targets.map((w) => [w.peer, w.id]));
    this.#runs.set(id, new FanOut<RunAnswer>(byPeer.keys(), (answers, missing) => {
      this.#runs.delete(id);
      const results: Record<string, WireValue> = {};
      const errors: Record<string, WireError> = {};
      for (const [peer, answer] of answers) {
        const name = byPeer.get(peer)!;
        if (answer.error) errors[name] = answer.error;
        else if (answer.value) results[name] = answer.value;
      }
      for (const peer of missing) {
        const name = byPeer.get(peer)!;
        const gone = !this.state.workers.has(peer);
        errors[name] = toWireError(new TimeoutError(gone
          ? `worker ${name} left before it finished`
          : `worker ${name} did not finish within ${timeoutMs} ms`));
      }
      this.io.send(client.peer, { op: 'run-reply', id: replyId, results, errors });
      this.io.flush();
    }, timeoutMs));
    for (const worker of targets) {
      this.ensureFunction(worker, fn);
      this.io.send(worker.peer, message(id));
    }
  }

  collectLogs(client: ClientRecord, replyId: number, tail: number, names: string[] | undefined): void {
    const targets = this.targets(names);
    const id = this.#nextRequest++;
    const byPeer = new Map(targets.map((w) => [w.peer, w.id]));
    this.#logRequests.set(id, new FanOut<string[]>(byPeer.keys(), (answers, missing) => {
      this.#logRequests.delete(id);
      const logs: Record<string, string[]> = {};
      for (const [peer, lines] of answers) logs[byPeer.get(peer)!] = lines;
      for (const peer of missing) logs[byPeer.get(peer)!] = ['(no answer from this worker)'];
      this.io.send(client.peer, { op: 'worker-logs-reply', id: replyId, logs });
      this.io.flush();
    }, 10_000));
    for (const worker of targets) this.io.send(worker.peer, { op: 'get-logs', id, tail });
  }

  scatter(client: ClientRecord, m: Extract<ClientToScheduler, { op: 'scatter' }>): void {
    const targets = this.targets(m.workers?.length ? m.workers : undefined);
    if (targets.length === 0) {
      this.io.send(client.peer, {
        op: 'scatter-reply', id: m.id,
        error: toWireError(new TimeoutError('scatter needs at least one worker and none is connected; call client.waitForWorkers(1) first')),
      });
      return;
    }
    const id = this.#nextRequest++;
    const plan = new Map<string, number[]>();
    m.keys.forEach((_, i) => {
      const chosen = m.broadcast ? targets : [targets[(this.#nextRequest + i) % targets.length]!];
      for (const w of chosen) plan.set(w.peer, [...(plan.get(w.peer) ?? []), i]);
    });
    this.#stores.set(id, new FanOut(plan.keys(), (answers, missing) => {
      this.#stores.delete(id);
      for (const [peer, answer] of answers) {
        const holder = this.state.workers.get(peer);
        if (holder) this.state.addData(client, answer.keys, answer.nbytes, [holder]);
      }
      const error = missing.length === plan.size
        ? toWireError(new TimeoutError('every worker chosen for scatter left before storing the data'))
        : undefined;
      this.io.send(client.peer, { op: 'scatter-reply', id: m.id, ...(error ? { error } : {}) });
      this.io.flush();
    }));
    for (const [peer, indices] of plan) {
      this.io.send(peer, { op: 'store-data', id, keys: indices.map((i) => m.keys[i]!), values: indices.map((i) => m.values[i]!) });
    }
  }

  upload(client: ClientRecord, requestId: number, name: string, data: OutOfBand): void {
    const bytes = Uint8Array.from(data.bytes);
    this.#uploads.set(name, bytes);
    const targets = this.targets(undefined);
    const id = this.#nextRequest++;
    const byPeer = new Map(targets.map((w) => [w.peer, w.id]));
    this.#uploadsInFlight.set(id, new FanOut<WireError | undefined>(byPeer.keys(), (answers, missing) => {
      this.#uploadsInFlight.delete(id);
      const errors: Record<string, WireError> = {};
      const workers: string[] = [];
      for (const [peer, error] of answers) {
        if (error) errors[byPeer.get(peer)!] = error;
        else workers.push(byPeer.get(peer)!);
      }
      for (const peer of missing) errors[byPeer.get(peer)!] = toWireError(new TimeoutError('worker left during the upload'));
      this.io.send(client.peer, { op: 'upload-reply', id: requestId, workers, errors });
      this.io.flush();
    }, 60_000));
    for (const worker of targets) this.io.send(worker.peer, { op: 'upload-file', id, name, data: new OutOfBand(bytes) });
  }

  /** Relays results to a client; `moved` hears of each worker's part (for the task stream). */
  gatherProxy(client: ClientRecord, requestId: number, keys: string[], moved?: (holder: WorkerRecord, values: Record<string, WireValue>, start: number) => void): void {
    const byHolder = new Map<WorkerRecord, string[]>();
    const missing: string[] = [];
    for (const key of keys) {
      const holder = this.state.tasks.get(key)?.holders.values().next().value as WorkerRecord | undefined;
      if (!holder) missing.push(key);
      else byHolder.set(holder, [...(byHolder.get(holder) ?? []), key]);
    }
    const values: Record<string, WireValue> = {};
    let pending = byHolder.size;
    const finish = () => {
      this.io.send(client.peer, { op: 'gather-reply', id: requestId, values, missing });
      this.io.flush();
    };
    if (pending === 0) return finish();
    for (const [holder, subset] of byHolder) {
      const id = this.#nextRequest++;
      const start = Date.now();
      this.#dataRequests.set(id, (got, notThere) => {
        moved?.(holder, got, start);
        Object.assign(values, got);
        missing.push(...notThere);
        if (--pending === 0) finish();
      });
      this.io.send(holder.peer, { op: 'get-data', id, keys: subset });
    }
  }

  /**
   * Has each worker in `plan` fetch its keys from `source` and records the copies. Resolves when all
   * stored them, left, or a minute passed.
   */
  copyFrom(source: WorkerRecord, plan: Map<WorkerRecord, string[]>): Promise<void> {
    const id = this.#nextRequest++;
    return new Promise<void>((resolve) => {
      this.#stores.set(id, new FanOut([...plan.keys()].map((w) => w.peer), (answers) => {
        this.#stores.delete(id);
        for (const [peer, answer] of answers) {
          const holder = this.state.workers.get(peer);
          if (holder) this.state.addReplicas(holder, answer.keys);
        }
        resolve();
      }, 60_000));
      for (const [target, subset] of plan) this.io.send(target.peer, { op: 'fetch-data', id, keys: subset, from: source.info.address });
      this.io.flush();
    });
  }

  runAnswered(id: number, peer: string, answer: RunAnswer): void {
    this.#runs.get(id)?.answer(peer, answer);
  }

  dataStored(id: number, peer: string, answer: StoredAnswer): void {
    this.#stores.get(id)?.answer(peer, answer);
  }

  uploadDone(id: number, peer: string, error: WireError | undefined): void {
    this.#uploadsInFlight.get(id)?.answer(peer, error);
  }

  logsArrived(id: number, peer: string, lines: string[]): void {
    this.#logRequests.get(id)?.answer(peer, lines);
  }

  dataArrived(id: number, values: Record<string, WireValue>, missing: string[]): void {
    const done = this.#dataRequests.get(id);
    this.#dataRequests.delete(id);
    done?.(values, missing);
  }

  /** A worker left: no request waits for it any longer. */
  workerLeft(peer: string): void {
    for (const fan of this.#runs.values()) fan.drop(peer);
    for (const fan of this.#stores.values()) fan.drop(peer);
    for (const fan of this.#uploadsInFlight.values()) fan.drop(peer);
    for (const fan of this.#logRequests.values()) fan.drop(peer);
  }
}
