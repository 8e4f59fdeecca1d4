/** Messages between the `--scale` bench (scale.ts) and its scheduler process (host.ts), over the IPC channel. */
import type { SliceSummary } from '../../src/scheduler/state/slice-stats.js';

export type HostRequest = { op: 'heap' } | { op: 'delay-reset' } | { op: 'delay' } | { op: 'tasks' } | { op: 'counts' } | { op: 'close' };

export type HostReply =
  | { op: 'ready'; address: string; workerPids: number[] }
  | { op: 'heap'; heapUsed: number; gcExposed: boolean }
  | { op: 'delay-reset' }
  | { op: 'delay'; maxMs: number; longestGcMs: number; gcByKind: Record<string, number>; slices: SliceSummary }
  | { op: 'tasks'; tasks: number; idle: boolean }
  | { op: 'counts'; counts: Record<string, number> };
