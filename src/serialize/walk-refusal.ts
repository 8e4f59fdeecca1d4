/**
 * A value the walk over a value refused (value-walk.ts), and the path to it inside the value: the path
 * is collected segment by segment while the refusal travels back up through the containers.
 */

/** Paths longer than this many segments are shown with their middle elided. */
const MAX_SHOWN_SEGMENTS = 64;

/** A value the walk refused, with the path collected while the error travels back up. */
export class Refusal extends Error {
  /** Path segments from the refused value up to the root (reversed). */
  readonly reversedPath: string[] = [];
  constructor(
    /** Why, as a sentence fragment that follows the path: "is a function; …". */
    readonly reason: string,
    /** For cycles: how many segments of the path lead to the object that is referred back to. */
    public cycleTargetDepth?: number,
  ) {
    super(reason);
  }

  /**
   * For a value that is a list of arguments: removes the leading `[i]` segment and returns `i`, so
   * the message can say "argument i+1" and start its path at that argument. Undefined (and nothing
   * removed) when the refusal is not inside one argument.
   */
  detachArgumentIndex(): number | undefined {
    const root = this.reversedPath[this.reversedPath.length - 1];
    const match = root === undefined ? null : /^\[(\d+)\]$/.exec(root);
    if (match === null || this.cycleTargetDepth === 0) return undefined;
    this.reversedPath.pop();
    if (this.cycleTargetDepth !== undefined) this.cycleTargetDepth--;
    return Number(match[1]);
  }

  /** The path from the root, e.g. `value.options.callback` (a very long one with its middle elided). */
  path(): string {
    return `value${shownPath(this.reversedPath.slice().reverse())}`;
  }

  /** The whole description: path, then reason (and the cycle's other end). */
  describe(): string {
    if (this.cycleTargetDepth === undefined) return `${this.path()} ${this.reason}`;
    const segments = this.reversedPath.slice().reverse();
    const target = `value${shownPath(segments.slice(0, this.cycleTargetDepth))}`;
    return `${this.path()} refers back to ${target}, so the value is cyclic. ${this.reason}`;
  }
}

function shownPath(segments: string[]): string {
  if (segments.length <= MAX_SHOWN_SEGMENTS) return segments.join('');
  const head = segments.slice(0, MAX_SHOWN_SEGMENTS / 2).join('');
  const tail = segments.slice(-MAX_SHOWN_SEGMENTS / 2).join('');
  return `${head}…(${segments.length - MAX_SHOWN_SEGMENTS} more levels)…${tail}`;
}

/**
 * Adds one path segment to a refusal passing through a container; other errors pass untouched. The
 * segment is made only for a refusal: this runs on the way out of every level of a failed walk, where
 * the stack may be nearly exhausted, and making a segment can run a regular expression.
 */
export function annotate<K>(error: unknown, segment: (key: K) => string, key: K): void {
  if (error instanceof Refusal) error.reversedPath.push(segment(key));
}
