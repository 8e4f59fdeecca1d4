/**
 * The call stacks a worker's samples ended in, stored once each: frames (function, script, line,
 * column) are interned, and a stack is a node of a tree whose path from the root is its frames,
 * outermost first. Bounded: past `maxNodes` distinct stacks (generated code, `eval` in a loop) new
 * stacks count under one `(too many distinct stacks)` node, so no workload grows it without end.
 */

/** Node 0 is the root; its frame is -1. */
export const ROOT = 0;

export class StackTrie {
  readonly frameName: string[] = [];
  readonly frameUrl: string[] = [];
  readonly frameLine: number[] = [];
  readonly frameColumn: number[] = [];
  readonly #frames = new Map<string, number>();
  /** Parent node and frame of every node; the root's are -1. */
  readonly parent: number[] = [-1];
  readonly frame: number[] = [-1];
  readonly #children = new Map<string, number>();
  #overflow: number | undefined;

  constructor(private readonly maxNodes = 50_000) {}

  get size(): number {
    return this.parent.length;
  }

  /** The frame's index; line and column 1-based. */
  internFrame(name: string, url: string, line: number, column: number): number {
    const id = `${name}\u0000${url}\u0000${line}\u0000${column}`;
    let index = this.#frames.get(id);
    if (index === undefined) {
      index = this.frameName.length;
      this.frameName.push(name);
      this.frameUrl.push(url);
      this.frameLine.push(line);
      this.frameColumn.push(column);
      this.#frames.set(id, index);
    }
    return index;
  }

  /** The node for `frame` called from node `parent`, created if new (or the overflow node when full). */
  child(parent: number, frame: number): number {
    const id = `${parent},${frame}`;
    const known = this.#children.get(id);
    if (known !== undefined) return known;
    if (this.parent.length >= this.maxNodes) return this.#overflowNode();
    const node = this.parent.length;
    this.parent.push(parent);
    this.frame.push(frame);
    this.#children.set(id, node);
    return node;
  }

  #overflowNode(): number {
    if (this.#overflow === undefined) {
      this.#overflow = this.parent.length;
      this.parent.push(ROOT);
      this.frame.push(this.internFrame('(too many distinct stacks)', '', 0, 0));
    }
    return this.#overflow;
  }
}
