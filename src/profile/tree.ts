/**
 * The profile a client sees: the samples of many workers merged into one call tree, each node a frame
 * (function, file, line) with how many samples were taken in it (`count`, its callees included) and
 * in it alone (`self`). Like Dask's `Client.profile` tree, in our own shape.
 */
import type { ProfileData } from '../protocol/messages.js';

/** One frame of the merged call tree. */
export interface ProfileNode {
  /** The function's name (`(anonymous)` when it has none; `(program)`, `(garbage collector)` for V8's own work). */
  name: string;
  /** The script's URL or path ('' for V8's own work). */
  file: string;
  /** Where the function starts in `file`, 1-based. */
  line: number;
  column: number;
  /** Samples taken in this frame or anything it called. */
  count: number;
  /** Samples taken in this frame itself. */
  self: number;
  /** The frames it called, most samples first. */
  children: ProfileNode[];
}

/** What `client.profile` returns: the root of the merged tree (`name` '(root)') and where the samples came from. */
export interface ProfileTree extends ProfileNode {
  /** The time span of the samples, in ms since the epoch (0 when there are none). */
  start: number;
  stop: number;
  /** Time between two samples of a thread, in milliseconds (the largest of the workers'). */
  intervalMs: number;
  /** Workers whose samples are in the tree. */
  workers: string[];
  /** Workers that sent none, with the reason (profiling off, no answer). */
  missing: Record<string, string>;
}

/** One function's share of the samples, summed over every place it appears in the tree. */
export interface FunctionShare {
  name: string;
  file: string;
  line: number;
  /** Samples in the function itself. */
  self: number;
  /** Samples in the function or its callees (a recursive function counted once per sample). */
  total: number;
}

const frameId = (name: string, file: string, line: number, column: number) => `${name}\u0000${file}\u0000${line}\u0000${column}`;

function newNode(name: string, file: string, line: number, column: number): ProfileNode {
  return { name, file, line, column, count: 0, self: 0, children: [] };
}

/**
 * Merges workers' samples into one tree. Returns the tree and, per worker, the merged node of each of
 * its node indices (for writing a `.cpuprofile`).
 */
export function mergeProfiles(byWorker: Record<string, ProfileData>, missing: Record<string, string> = {}): { tree: ProfileTree; nodesOf: Map<string, ProfileNode[]> } {
  const tree: ProfileTree = { ...newNode('(root)', '', 0, 0), start: 0, stop: 0, intervalMs: 0, workers: Object.keys(byWorker).sort(), missing };
  const childIndex = new Map<ProfileNode, Map<string, ProfileNode>>();
  const nodesOf = new Map<string, ProfileNode[]>();
  let start = Infinity;
  let stop = -Infinity;
  for (const [worker, data] of Object.entries(byWorker)) {
    tree.intervalMs = Math.max(tree.intervalMs, data.intervalMs);
    const mine: ProfileNode[] = [];
    for (let i = 0; i < data.nodes.parent.length; i++) {
      const parentIndex = data.nodes.parent[i]!;
      // Nodes come after their parents (packed so on the worker); a bad index hangs the node on the root.
      const parent = parentIndex >= 0 && parentIndex < i ? mine[parentIndex]! : tree;
      const f = data.nodes.frame[i]!;
      const name = data.frames.name[f] ?? '(unknown)';
      const file = data.frames.url[f] ?? '';
      const line = data.frames.line[f] ?? 0;
      const column = data.frames.column[f] ?? 0;
      let index = childIndex.get(parent);
      if (!index) childIndex.set(parent, (index = new Map()));
      const id = frameId(name, file, line, column);
      let node = index.get(id);
      if (!node) {
        node = newNode(name, file, line, column);
        index.set(id, node);
        parent.children.push(node);
      }
      node.self += data.nodes.self[i] ?? 0;
      mine.push(node);
    }
    nodesOf.set(worker, mine);
    if (data.stop > 0) {
      start = Math.min(start, data.start);
      stop = Math.max(stop, data.stop);
    }
  }
  if (Number.isFinite(start)) {
    tree.start = start;
    tree.stop = stop;
  }
  total(tree);
  return { tree, nodesOf };
}

/** Fills in `count` bottom-up and sorts children by it. */
function total(root: ProfileNode): void {
  const order: ProfileNode[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    order.push(node);
    for (const child of node.children) stack.push(child);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i]!;
    node.count = node.self;
    for (const child of node.children) node.count += child.count;
    node.children.sort((a, b) => b.count - a.count);
  }
}

/**
 * The functions that took the most samples, summed over the whole tree, sorted by `self` (then `total`).
 * @example topFunctions(await client.profile(), 5)[0].name   // the hottest function
 */
export function topFunctions(tree: ProfileNode, limit = 10): FunctionShare[] {
  const shares = new Map<string, FunctionShare>();
  const walk = (node: ProfileNode, onPath: Set<string>) => {
    for (const child of node.children) {
      const id = `${child.name}\u0000${child.file}\u0000${child.line}`;
      let share = shares.get(id);
      if (!share) shares.set(id, (share = { name: child.name, file: child.file, line: child.line, self: 0, total: 0 }));
      share.self += child.self;
      const recursive = onPath.has(id);
      if (!recursive) share.total += child.count;
      onPath.add(id);
      walk(child, onPath);
      if (!recursive) onPath.delete(id);
    }
  };
  walk(tree, new Set());
  return [...shares.values()].sort((a, b) => b.self - a.self || b.total - a.total).slice(0, limit);
}
