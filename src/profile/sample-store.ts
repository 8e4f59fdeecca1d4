/**
 * A worker's profile samples and the task runs they are attributed to, both bounded rings. A sample is
 * a time (ms since the epoch), a task thread and a stack (see stack-trie.ts). Which task a sample
 * belongs to is decided when someone asks (`query`): the task that ran on that thread at that time,
 * from the runs the thread reported, or the one running there now. Nothing here does I/O.
 */
import type { ProfileData, ProfileQuery } from '../protocol/messages.js';
import { ROOT, StackTrie } from './stack-trie.js';
import type { CpuProfile } from './v8-profile.js';

/** One task run on one thread, in ms since the epoch. */
export interface TaskSpan {
  thread: number;
  start: number;
  stop: number;
  key: string;
  group: string;
}

/** Where a frame's code really comes from (a shipped function's module points at the caller's file). */
export type FrameLocator = (url: string, line: number, column: number) => { url: string; line: number; column: number };

const asIs: FrameLocator = (url, line, column) => ({ url, line, column });

/** What V8 reports when the thread waits for work: not time spent in anything. */
const IDLE = '(idle)';

export class SampleStore {
  readonly #trie: StackTrie;
  readonly #time: Float64Array;
  readonly #node: Uint32Array;
  readonly #thread: Uint16Array;
  #size = 0;
  #next = 0;
  readonly #spans: TaskSpan[] = [];
  #nextSpan = 0;
  readonly #running = new Map<number, { key: string; group: string; since: number }>();

  /**
   * @param intervalMs - the sampling interval, reported with every answer
   * @param locate - maps a frame's script and position to where its code was written
   * @param capacity - samples kept (the oldest go first); 200,000 is about 30 minutes of one busy thread at 10 ms
   * @param spanCapacity - task runs kept for attribution
   */
  constructor(readonly intervalMs: number, private readonly locate: FrameLocator = asIs, readonly capacity = 200_000, readonly spanCapacity = 100_000, maxStacks = 50_000) {
    this.#trie = new StackTrie(maxStacks);
    this.#time = new Float64Array(capacity);
    this.#node = new Uint32Array(capacity);
    this.#thread = new Uint16Array(capacity);
  }

  /** Samples held now. */
  get size(): number {
    return this.#size;
  }

  /**
   * Adds the samples of one V8 profile of task thread `thread`. `offsetMs` turns V8's clock (µs) into
   * ms since the epoch: epoch = µs / 1000 + offsetMs. Samples of an idle thread are not kept.
   */
  ingest(thread: number, profile: CpuProfile, offsetMs: number): void {
    const samples = profile.samples ?? [];
    const deltas = profile.timeDeltas ?? [];
    if (samples.length === 0) return;
    const mapped = this.#mapNodes(profile);
    let t = profile.startTime;
    for (let i = 0; i < samples.length; i++) {
      t += deltas[i] ?? 0;
      const node = mapped.get(samples[i]!);
      if (node === undefined) continue;
      this.#push(t / 1000 + offsetMs, node, thread);
    }
  }

  /** The trie node of every V8 node id, walking from the root; idle nodes (and unknown ids) map to nothing. */
  #mapNodes(profile: CpuProfile): Map<number, number> {
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const mapped = new Map<number, number>();
    const root = profile.nodes[0];
    if (!root) return mapped;
    mapped.set(root.id, ROOT);
    const stack: number[] = [root.id];
    while (stack.length > 0) {
      const id = stack.pop()!;
      const parent = mapped.get(id)!;
      for (const childId of byId.get(id)?.children ?? []) {
        const child = byId.get(childId);
        if (!child || mapped.has(childId)) continue;
        const f = child.callFrame;
        if (f.functionName === IDLE && parent === ROOT) continue;
        const at = this.locate(f.url, f.lineNumber + 1, f.columnNumber + 1);
        const frame = this.#trie.internFrame(f.functionName || '(anonymous)', at.url, at.line, at.column);
        mapped.set(childId, this.#trie.child(parent, frame));
        stack.push(childId);
      }
    }
    return mapped;
  }

  #push(time: number, node: number, thread: number): void {
    this.#time[this.#next] = time;
    this.#node[this.#next] = node;
    this.#thread[this.#next] = thread;
    this.#next = (this.#next + 1) % this.capacity;
    if (this.#size < this.capacity) this.#size++;
  }

  /** A task became the one running on `thread` (ms since the epoch). */
  taskStarted(thread: number, key: string, group: string, now: number): void {
    this.#running.set(thread, { key, group, since: now });
  }

  /** A task's run on `thread` ended; `start`/`stop` in ms since the epoch. */
  taskEnded(span: TaskSpan): void {
    const running = this.#running.get(span.thread);
    if (running?.key === span.key) this.#running.delete(span.thread);
    if (this.#spans.length < this.spanCapacity) this.#spans.push(span);
    else this.#spans[this.#nextSpan] = span;
    this.#nextSpan = (this.#nextSpan + 1) % this.spanCapacity;
  }

  /** The thread ended (crashed, cancelled): nothing runs there now. */
  threadGone(thread: number): void {
    this.#running.delete(thread);
  }

  /** The samples that match `query`, as a tree of the stacks they ended in (and each sample, with `timeline`). */
  query(query: ProfileQuery): ProfileData {
    const from = query.start ?? -Infinity;
    const to = query.stop ?? Infinity;
    const within = this.#spansFor(query);
    const self = new Map<number, number>();
    const times: number[] = [];
    const nodes: number[] = [];
    let first = Infinity;
    let last = -Infinity;
    for (let n = 0; n < this.#size; n++) {
      const i = (this.#next - this.#size + n + this.capacity) % this.capacity;
      const t = this.#time[i]!;
      if (t < from || t > to) continue;
      if (within && !covered(within.get(this.#thread[i]!), t)) continue;
      const node = this.#node[i]!;
      self.set(node, (self.get(node) ?? 0) + 1);
      if (t < first) first = t;
      if (t > last) last = t;
      if (query.timeline) {
        times.push(t);
        nodes.push(node);
      }
    }
    return this.#pack(self, query.timeline ? { times, nodes } : undefined, first, last);
  }

  /** With a key or group filter: per thread, the spans of matching tasks sorted by start (running ones open-ended). */
  #spansFor(query: ProfileQuery): Map<number, TaskSpan[]> | undefined {
    if (query.keys === undefined && query.group === undefined) return undefined;
    const keys = query.keys ? new Set(query.keys) : undefined;
    const matches = (key: string, group: string) => (keys === undefined || keys.has(key)) && (query.group === undefined || query.group === group);
    const byThread = new Map<number, TaskSpan[]>();
    const add = (span: TaskSpan) => {
      let list = byThread.get(span.thread);
      if (!list) byThread.set(span.thread, (list = []));
      list.push(span);
    };
    for (const span of this.#spans) if (matches(span.key, span.group)) add(span);
    for (const [thread, run] of this.#running) {
      // The thread reports a run only when it ends: samples since it began belong to it.
      if (matches(run.key, run.group)) add({ thread, key: run.key, group: run.group, start: run.since, stop: Infinity });
    }
    for (const list of byThread.values()) list.sort((a, b) => a.start - b.start);
    return byThread;
  }

  /** Column form of the nodes that were hit and their ancestors, re-indexed in order of first use. */
  #pack(self: Map<number, number>, timeline: { times: number[]; nodes: number[] } | undefined, first: number, last: number): ProfileData {
    const trie = this.#trie;
    const nodeIndex = new Map<number, number>();
    const frameIndex = new Map<number, number>();
    const out: ProfileData = {
      intervalMs: this.intervalMs,
      start: Number.isFinite(first) ? first : 0,
      stop: Number.isFinite(last) ? last : 0,
      frames: { name: [], url: [], line: [], column: [] },
      nodes: { parent: [], frame: [], self: [] },
    };
    const indexOf = (node: number): number => {
      if (node === ROOT) return -1;
      const known = nodeIndex.get(node);
      if (known !== undefined) return known;
      const parent = indexOf(trie.parent[node]!);
      const f = trie.frame[node]!;
      let frame = frameIndex.get(f);
      if (frame === undefined) {
        frame = out.frames.name.length;
        frameIndex.set(f, frame);
        out.frames.name.push(trie.frameName[f]!);
        out.frames.url.push(trie.frameUrl[f]!);
        out.frames.line.push(trie.frameLine[f]!);
        out.frames.column.push(trie.frameColumn[f]!);
      }
      const index = out.nodes.parent.length;
      out.nodes.parent.push(parent);
      out.nodes.frame.push(frame);
      out.nodes.self.push(0);
      nodeIndex.set(node, index);
      return index;
    };
    for (const [node, count] of self) {
      const index = indexOf(node);
      if (index >= 0) out.nodes.self[index] = count;
    }
    if (timeline) {
      const order = timeline.times.map((_, i) => i).sort((a, b) => timeline.times[a]! - timeline.times[b]!);
      out.samples = { time: order.map((i) => timeline.times[i]!), node: order.map((i) => indexOf(timeline.nodes[i]!)) };
    }
    return out;
  }
}

/** Whether `t` falls in one of the spans (sorted by start). */
function covered(spans: TaskSpan[] | undefined, t: number): boolean {
  if (!spans || spans.length === 0) return false;
  let lo = 0;
  let hi = spans.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid]!.start <= t) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  // Runs on one thread rarely overlap (a seceded task beside the next); look back a few.
  for (let i = at; i >= 0 && i >= at - 8; i--) if (spans[i]!.stop >= t) return true;
  return false;
}
