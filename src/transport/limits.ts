/**
 * What one peer may make a process hold at the wire, so no peer, however hostile, can grow its memory
 * without bound.
 *
 * - `maxFrameBytes`: the largest single ZeroMQ frame a socket accepts (ZeroMQ's `maxMessageSize`, which
 *   libzmq applies to each frame). A peer that announces a larger frame is disconnected before the frame
 *   is read. flotilla itself never sends a frame over `STREAM_THRESHOLD_BYTES` (4 MiB): larger ones,
 *   message bodies included, travel as 1 MiB chunks. The default, 64 MiB, is 16 times that.
 * - `maxAssemblyBytes`: how many bytes of streamed frames one peer may have in reassembly at once (the
 *   frames of the message in progress). The default, 4 GiB, is above the largest value a user would
 *   scatter to one worker here; raise it to send larger ones.
 * - `assemblyTimeoutMs`: a peer whose reassembly makes no progress for this long loses it. Reassembly
 *   is also dropped the moment the peer disconnects.
 *
 * Each can be set per scheduler or worker (`limits` option) or for every process started from an
 * environment, through `FLOTILLA_MAX_FRAME_BYTES`, `FLOTILLA_MAX_ASSEMBLY_BYTES` and
 * `FLOTILLA_ASSEMBLY_TIMEOUT_MS` (workers a cluster starts inherit the environment).
 */
import { ConfigurationError } from '../errors/index.js';
import { CHUNK_BYTES, STREAM_THRESHOLD_BYTES } from './chunking.js';

/** Bounds on what one peer may make a socket hold; see the module documentation. */
export interface WireLimits {
  /** The largest frame accepted, in bytes; a peer sending a larger one is disconnected. @defaultValue 67108864 (64 MiB) */
  maxFrameBytes: number;
  /** Bytes of streamed frames one peer may have in reassembly. @defaultValue 4294967296 (4 GiB) */
  maxAssemblyBytes: number;
  /** A reassembly that makes no progress for this long is dropped, in milliseconds. @defaultValue 60000 */
  assemblyTimeoutMs: number;
}

export const DEFAULT_LIMITS: Readonly<WireLimits> = Object.freeze({
  maxFrameBytes: 64 * 1024 * 1024,
  maxAssemblyBytes: 4 * 1024 * 1024 * 1024,
  assemblyTimeoutMs: 60_000,
});

/** The smallest frame limit that still lets flotilla's own messages through (a whole unstreamed frame). */
export const MIN_FRAME_BYTES = STREAM_THRESHOLD_BYTES + CHUNK_BYTES;

const ENV: Record<keyof WireLimits, string> = {
  maxFrameBytes: 'FLOTILLA_MAX_FRAME_BYTES',
  maxAssemblyBytes: 'FLOTILLA_MAX_ASSEMBLY_BYTES',
  assemblyTimeoutMs: 'FLOTILLA_ASSEMBLY_TIMEOUT_MS',
};

/**
 * The limits in force: `given` over the environment over the defaults.
 * @throws ConfigurationError for a value that is not a positive number, or a frame limit too small for
 *   flotilla's own frames.
 */
export function resolveLimits(given: Partial<WireLimits> = {}, env: NodeJS.ProcessEnv = process.env): WireLimits {
  const out = { ...DEFAULT_LIMITS };
  for (const name of Object.keys(ENV) as Array<keyof WireLimits>) {
    const raw = given[name] ?? (env[ENV[name]] !== undefined && env[ENV[name]] !== '' ? Number(env[ENV[name]]) : undefined);
    if (raw === undefined) continue;
    if (!Number.isFinite(raw) || raw <= 0) {
      throw new ConfigurationError(`${name} (${given[name] !== undefined ? 'option' : ENV[name]}) must be a positive number, got ${String(raw)}`);
    }
    out[name] = raw;
  }
  if (out.maxFrameBytes < MIN_FRAME_BYTES) {
    throw new ConfigurationError(`maxFrameBytes must be at least ${MIN_FRAME_BYTES} bytes (the largest frame flotilla sends unstreamed plus a chunk), got ${out.maxFrameBytes}`);
  }
  // libzmq takes an int64; zeromq.js sets it as one.
  out.maxFrameBytes = Math.floor(out.maxFrameBytes);
  return out;
}
