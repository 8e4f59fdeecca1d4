/**
 * What one walk over a value (value-walk.ts) keeps while it goes: the containers it is inside (to refuse
 * cycles and too deep nesting), the out-of-band frames and the external references it moved out.
 */
import { frameOf, type BinaryKind } from './binary-kinds.js';
import { Refusal } from './walk-refusal.js';

/**
 * Values nested deeper than this are refused with a SerializationError before anything is packed. The
 * walk, msgpackr's encoder and its decoder all recurse once per level; past a few thousand levels the
 * stack runs out, and V8 can die outright (not throw) if it has to compile a regular expression with
 * the stack nearly exhausted. 1,000 levels is far above any real data and far below the stack of a
 * task thread.
 */
export const MAX_NESTING_DEPTH = 1000;

/** Ancestor lists longer than this switch from a linear scan to a Set for cycle checks. */
const LINEAR_CYCLE_SCAN_DEPTH = 32;

/** The state of one walk: ancestors, frames and references so far. */
export class WalkState {
  readonly frames: Uint8Array[] = [];
  readonly refs: string[] = [];
  needsVariableMapSize = false;
  private frameIndexByValue: Map<object, number> | undefined;
  private refSet: Set<string> | undefined;
  private readonly ancestors: object[] = [];
  private ancestorSet: Set<object> | undefined;

  constructor(
    readonly externalRef: ((value: object) => string | undefined) | undefined,
    readonly frameThresholdBytes: number,
  ) {}

  /** Marks `container` as being walked; refuses it if it is already an ancestor (a cycle). */
  enter(container: object): void {
    const ancestors = this.ancestors;
    if (ancestors.length >= MAX_NESTING_DEPTH) throw tooDeep();
    if (ancestors.length < LINEAR_CYCLE_SCAN_DEPTH) {
      const at = ancestors.indexOf(container);
      if (at !== -1) throw cycle(at);
    } else {
      if (this.ancestorSet === undefined) this.ancestorSet = new Set(ancestors);
      if (this.ancestorSet.has(container)) throw cycle(ancestors.indexOf(container));
      this.ancestorSet.add(container);
    }
    ancestors.push(container);
  }

  leave(): void {
    const left = this.ancestors.pop()!;
    this.ancestorSet?.delete(left);
  }

  addRef(key: string): void {
    const refSet = (this.refSet ??= new Set());
    if (!refSet.has(key)) {
      refSet.add(key);
      this.refs.push(key);
    }
  }

  /** The frame index for a binary value; the same object twice shares one frame. */
  addFrame(kind: BinaryKind, value: ArrayBufferView | ArrayBufferLike): number {
    const indexByValue = (this.frameIndexByValue ??= new Map());
    let index = indexByValue.get(value);
    if (index === undefined) {
      index = this.frames.push(frameOf(kind, value)) - 1;
      indexByValue.set(value, index);
    }
    return index;
  }
}

function cycle(targetDepth: number): Refusal {
  return new Refusal(
    'msgpack cannot represent cycles; break the cycle (for example send ids instead of back-references) or send the parts separately.',
    targetDepth,
  );
}

function tooDeep(): Refusal {
  return new Refusal(
    `is nested more than ${MAX_NESTING_DEPTH} levels deep, deeper than flotilla sends. Flatten the structure (for example a list of rows, or a tree as an array of nodes with parent indices).`,
  );
}
