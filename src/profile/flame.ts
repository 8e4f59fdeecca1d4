/**
 * A profile tree as a flame graph's data: a bounded, flat, JSON-friendly list of boxes. The dashboard
 * serves it and the performance report embeds it, so however many distinct stacks the workers saw,
 * the page gets at most `maxNodes` boxes: the heaviest stacks are kept, and the callees left out of a
 * kept frame are summed into one `(other)` box under it (widths stay true: a box's samples are still
 * its callees' plus its own).
 */
import type { ProfileNode, ProfileTree } from './tree.js';

/** The flame graph of a profile, as the pages read it. Node 0 is the root (`(all)`). */
export interface FlameGraph {
  /** The time span of the samples, in ms since the epoch (0 when there are none). */
  start: number;
  stop: number;
  /** Time between two samples of a thread, in milliseconds. */
  intervalMs: number;
  /** Samples in the whole profile (the root's count). */
  total: number;
  /** Workers whose samples are in it, and those that sent none with the reason. */
  workers: string[];
  missing: Record<string, string>;
  /** Frames of the profile that are not boxes of their own (summed into `(other)` boxes). */
  merged: number;
  /** One entry per box, parents before their children, children heaviest first. */
  nodes: {
    name: string[];
    /** Script path or URL ('' for V8's own work and for `(other)`). */
    file: string[];
    line: number[];
    /** Samples in the frame and its callees (the box's width). */
    count: number[];
    /** Samples in the frame itself. */
    self: number[];
    /** Index of the parent box; -1 for the root. */
    parent: number[];
  };
}

/** The most boxes a flame graph has unless told otherwise. */
export const DEFAULT_FLAME_NODES = 2_000;
/** Longer names and paths are cut (a generated function may have a name of any length). */
const MAX_TEXT = 240;

/** The name of a box that stands for the callees left out. */
export const OTHER = '(other)';

const cut = (text: string) => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}\u2026` : text);

/**
 * The flame graph of `tree`, at most `maxNodes` boxes (at least 2). Frames are taken heaviest first
 * (a frame is never heavier than its caller, so what is kept is the top of the profile); each kept
 * frame whose callees were not all kept gets one `(other)` box for the rest.
 */
export function flameGraph(tree: ProfileTree, maxNodes = DEFAULT_FLAME_NODES): FlameGraph {
  const limit = Math.max(2, Math.floor(maxNodes));
  // Half the boxes for frames, the other half for the (other) boxes the kept frames may need.
  const frameLimit = Math.max(1, Math.floor(limit / 2));
  const kept = new Set<ProfileNode>([tree]);
  // Frontier of candidate frames, heaviest first: children are sorted by count, so a frontier of
  // "next child of each kept node" is enough (a binary heap over those cursors).
  const heap: Array<{ parent: ProfileNode; index: number }> = [];
  const weight = (entry: { parent: ProfileNode; index: number }) => entry.parent.children[entry.index]!.count;
  const push = (entry: { parent: ProfileNode; index: number }) => {
    heap.push(entry);
    for (let i = heap.length - 1; i > 0;) {
      const up = (i - 1) >> 1;
      if (weight(heap[up]!) >= weight(heap[i]!)) break;
      [heap[up], heap[i]] = [heap[i]!, heap[up]!];
      i = up;
    }
  };
  const pop = () => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1, r = l + 1;
        let big = i;
        if (l < heap.length && weight(heap[l]!) > weight(heap[big]!)) big = l;
        if (r < heap.length && weight(heap[r]!) > weight(heap[big]!)) big = r;
        if (big === i) break;
        [heap[big], heap[i]] = [heap[i]!, heap[big]!];
        i = big;
      }
    }
    return top;
  };
  if (tree.children.length > 0) push({ parent: tree, index: 0 });
  while (heap.length > 0 && kept.size < frameLimit) {
    const entry = pop();
    const node = entry.parent.children[entry.index]!;
    if (node.count <= 0) break;
    kept.add(node);
    if (entry.index + 1 < entry.parent.children.length) push({ parent: entry.parent, index: entry.index + 1 });
    if (node.children.length > 0) push({ parent: node, index: 0 });
  }

  const nodes: FlameGraph['nodes'] = { name: [], file: [], line: [], count: [], self: [], parent: [] };
  const add = (name: string, file: string, line: number, count: number, self: number, parent: number) => {
    nodes.name.push(cut(name));
    nodes.file.push(cut(file));
    nodes.line.push(line);
    nodes.count.push(count);
    nodes.self.push(self);
    nodes.parent.push(parent);
    return nodes.name.length - 1;
  };
  let merged = 0;
  const stack: Array<{ node: ProfileNode; parent: number }> = [{ node: tree, parent: -1 }];
  while (stack.length > 0) {
    const { node, parent } = stack.pop()!;
    const index = node === tree ? add('(all)', '', 0, node.count, node.self, -1) : add(node.name, node.file, node.line, node.count, node.self, parent);
    let rest = 0;
    const children: ProfileNode[] = [];
    for (const child of node.children) {
      if (kept.has(child)) children.push(child);
      else if (child.count > 0) {
        rest += child.count;
        merged += countFrames(child);
      }
    }
    // Pushed in reverse so that boxes come out heaviest first; the (other) box goes last.
    if (rest > 0) stack.push({ node: { name: OTHER, file: '', line: 0, column: 0, count: rest, self: rest, children: [] }, parent: index });
    for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i]!, parent: index });
  }
  return {
    start: tree.start, stop: tree.stop, intervalMs: tree.intervalMs, total: tree.count,
    workers: tree.workers, missing: tree.missing, merged, nodes,
  };
}

function countFrames(root: ProfileNode): number {
  let n = 0;
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    n++;
    for (const child of node.children) stack.push(child);
  }
  return n;
}
