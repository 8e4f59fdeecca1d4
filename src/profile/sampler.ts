/**
 * Samples a worker's task threads from its main thread, through the inspector: the main thread's
 * session attaches to each task thread (`NodeWorker` domain) and runs V8's sampling CPU profiler there.
 * Every `cycleMs` (and before answering a query) each thread's profile is stopped, restarted at once,
 * and its samples go into the worker's {@link SampleStore}. Inspector messages interrupt a busy
 * thread, so a task that never yields is still sampled and harvested; the task thread's code has no
 * part in it.
 */
import { createRequire } from 'node:module';
import type { Session as InspectorSession } from 'node:inspector';
import type { ProfileData, ProfileQuery } from '../protocol/messages.js';
import { SampleStore, type FrameLocator, type TaskSpan } from './sample-store.js';
import type { CpuProfile } from './v8-profile.js';

/** Options of a worker's profiler. */
export interface SamplerOptions {
  /** Time between samples of one thread, in milliseconds. */
  intervalMs: number;
  /**
   * How often samples are collected from the threads when nobody asks, in milliseconds (a query
   * collects them first anyway). Long, because each collection restarts V8's profiler, and code the
   * optimizer compiles after a restart is counted without its inlined callees until the next one (a
   * V8 behaviour): a helper inlined into its caller then shows as the caller. @defaultValue 30000
   */
  cycleMs?: number;
  /** The index of the task thread with this `threadId`, or undefined for a thread that is not one. */
  threadIndex(threadId: number): number | undefined;
  /** Maps a frame's script and position to where its code was written. */
  locate?: FrameLocator;
  /** Says why sampling could not start or stopped on a thread. */
  warn(line: string): void;
}

interface Attached {
  sessionId: string;
  thread: number;
  /** Set once the profiler runs there. */
  started: boolean;
}

interface InspectorReply {
  id?: number;
  result?: { profile?: CpuProfile };
  error?: { message: string };
}

const DEFAULT_CYCLE_MS = 30_000;
/** How long a harvest waits for a thread's profile before going on without it. */
const HARVEST_TIMEOUT_MS = 5_000;

export class ThreadSampler {
  readonly store: SampleStore;
  readonly #session: InspectorSession;
  readonly #attached = new Map<string, Attached>();
  readonly #waiting = new Map<number, (reply: InspectorReply) => void>();
  #nextId = 1;
  #timer: NodeJS.Timeout | undefined;
  #harvesting: Promise<void> | undefined;
  #closed = false;
  /** epoch ms = V8 µs / 1000 + offset (V8's clock is the process's monotonic clock). */
  readonly #offsetMs = performance.timeOrigin + performance.now() - Number(process.hrtime.bigint()) / 1e6;

  private constructor(private readonly options: SamplerOptions, session: InspectorSession) {
    this.store = new SampleStore(options.intervalMs, options.locate);
    this.#session = session;
    session.on('NodeWorker.attachedToWorker', (event: { params: { sessionId: string; workerInfo: { workerId: string } } }) =>
      void this.#attach(event.params.sessionId, Number(event.params.workerInfo.workerId)));
    session.on('NodeWorker.detachedFromWorker', (event: { params: { sessionId: string } }) => this.#detached(event.params.sessionId));
    session.on('NodeWorker.receivedMessageFromWorker', (event: { params: { sessionId: string; message: string } }) => this.#received(event.params.message));
  }

  /**
   * Starts sampling every task thread, now and as they start; undefined (after a warning) when this
   * Node has no inspector.
   */
  static start(options: SamplerOptions): ThreadSampler | undefined {
    let session: InspectorSession;
    try {
      // Loaded on demand: a Node built without the inspector throws here, and then nothing is sampled.
      const { Session } = createRequire(import.meta.url)('node:inspector') as typeof import('node:inspector');
      session = new Session();
      session.connect();
    } catch (error) {
      options.warn(`profiling is off: this Node has no inspector (${(error as Error).message})`);
      return undefined;
    }
    const sampler = new ThreadSampler(options, session);
    session.post('NodeWorker.enable', { waitForDebuggerOnStart: false }, (error) => {
      if (error) options.warn(`profiling is off: the inspector refused to attach to task threads (${error.message})`);
    });
    sampler.#timer = setInterval(() => void sampler.harvest(), options.cycleMs ?? DEFAULT_CYCLE_MS);
    sampler.#timer.unref();
    return sampler;
  }

  async #attach(sessionId: string, threadId: number): Promise<void> {
    const thread = this.options.threadIndex(threadId);
    if (thread === undefined || this.#closed) {
      this.#session.post('NodeWorker.detach', { sessionId });
      return;
    }
    const attached: Attached = { sessionId, thread, started: false };
    this.#attached.set(sessionId, attached);
    const steps: Array<[string, object]> = [
      ['Profiler.enable', {}],
      ['Profiler.setSamplingInterval', { interval: Math.max(100, Math.round(this.options.intervalMs * 1000)) }],
      ['Profiler.start', {}],
    ];
    for (const [method, params] of steps) {
      const reply = await this.#send(attached, method, params);
      if (reply.error) {
        this.options.warn(`profiling task thread ${thread} failed at ${method}: ${reply.error.message}`);
        return;
      }
    }
    attached.started = true;
  }

  #detached(sessionId: string): void {
    const attached = this.#attached.get(sessionId);
    this.#attached.delete(sessionId);
    if (attached) this.store.threadGone(attached.thread);
  }

  #received(message: string): void {
    let reply: InspectorReply;
    try {
      reply = JSON.parse(message) as InspectorReply;
    } catch {
      return; // not JSON: not an answer of ours
    }
    if (typeof reply.id !== 'number') return;
    const done = this.#waiting.get(reply.id);
    this.#waiting.delete(reply.id);
    done?.(reply);
  }

  #send(attached: Attached, method: string, params: object): Promise<InspectorReply> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        resolve({ id, error: { message: `no answer within ${HARVEST_TIMEOUT_MS} ms` } });
      }, HARVEST_TIMEOUT_MS);
      timer.unref();
      this.#waiting.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.#session.post('NodeWorker.sendMessageToWorker', { sessionId: attached.sessionId, message: JSON.stringify({ id, method, params }) }, (error) => {
        if (error) this.#waiting.get(id)?.({ id, error: { message: error.message } });
      });
    });
  }

  /** Collects the samples every thread took since the last harvest (one harvest at a time). */
  harvest(): Promise<void> {
    this.#harvesting ??= this.#harvestAll().finally(() => (this.#harvesting = undefined));
    return this.#harvesting;
  }

  async #harvestAll(): Promise<void> {
    await Promise.all([...this.#attached.values()].filter((a) => a.started).map(async (attached) => {
      // Sent together: the thread restarts its profiler right after handing over the profile.
      const [stopped] = await Promise.all([this.#send(attached, 'Profiler.stop', {}), this.#send(attached, 'Profiler.start', {})]);
      const profile = stopped.result?.profile;
      if (profile) this.store.ingest(attached.thread, profile, this.#offsetMs);
    }));
  }

  /** A task became the one running on `thread`. */
  taskStarted(thread: number, key: string, group: string): void {
    this.store.taskStarted(thread, key, group, Date.now());
  }

  /** A task ended on a thread: its samples are attributed to it. */
  taskEnded(span: TaskSpan): void {
    this.store.taskEnded(span);
  }

  /** The samples matching `query`, including those taken up to now. */
  async query(query: ProfileQuery): Promise<ProfileData> {
    await this.harvest();
    return this.store.query(query);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    for (const done of this.#waiting.values()) done({ error: { message: 'the profiler closed' } });
    this.#waiting.clear();
    this.#session.disconnect();
  }
}
