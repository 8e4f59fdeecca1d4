/**
 * The shape of a V8 CPU profile, as `Profiler.stop` returns it and as `.cpuprofile` files hold it
 * (Chrome DevTools, speedscope). Times are microseconds on V8's monotonic clock.
 */

/** Where a node's code is: 0-based line and column of the function in its script. */
export interface CpuCallFrame {
  functionName: string;
  scriptId: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

/** One node of the call tree; `children` are node ids. */
export interface CpuProfileNode {
  id: number;
  callFrame: CpuCallFrame;
  hitCount?: number;
  children?: number[];
}

/** A whole profile: the call tree, then one node id per sample and the time since the previous sample. */
export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}
