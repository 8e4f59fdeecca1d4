/** Messages between a worker's main thread and its task threads (postMessage, structured clone). */
import type { WireError } from '../protocol/messages.js';

/** A value as held on a worker: msgpack body plus raw binary frames (SharedArrayBuffer-backed when scattered). */
export interface StoredValue {
  body: Uint8Array;
  frames: Uint8Array[];
}

export interface ThreadTask {
  id: number;
  key: string;
  /** file: URL of the function's module. */
  fnUrl: string;
  args: StoredValue;
  deps: Array<[string, StoredValue]>;
}

export type MainToThread =
  | { t: 'tasks'; tasks: ThreadTask[] }
  | { t: 'drop'; ids: number[] }
  | { t: 'run'; id: number; fnUrl: string; args: StoredValue };

export type ThreadResult =
  | { id: number; ok: true; value: StoredValue; nbytes: number; duration: number; start: number; thread: number }
  | { id: number; ok: false; error: WireError; duration: number; start: number; thread: number };

export type ThreadToMain =
  | { t: 'ready' }
  | { t: 'results'; results: ThreadResult[] }
  | { t: 'run-result'; id: number; ok: boolean; value?: StoredValue; error?: WireError }
  | { t: 'log'; level: 'log' | 'info' | 'warn' | 'error' | 'debug'; text: string; key?: string };
