/**
 * Actors: latency of one method call at a time on one actor (`actor.add(x)` → result), after untimed
 * warm-up calls, and calls per second to one actor with many calls in flight. Each call's future is
 * released at once; the actor is released at the end.
 *
 * Every round makes a new actor, so a new thread whose code V8 compiles afresh: its first thousands of
 * calls are slower (measured: medians of 460, 360, 320, 300, 275, 250, 230 µs over successive blocks of
 * 500 calls at load 13). Each actor gets ACTOR_WARMUP_CALLS untimed calls of its own before the timed
 * ones (the client's warm-up is the workload's `warmup`, in its first round only), so the figure is the
 * steady-state call, as for the task round trip.
 */
import type { ActorHandle, Client } from '../../src/index.js';
import { sampleLatencies } from '../latency-sampler.js';
import { remainingMs, type RepetitionLimits } from '../limits.js';
import { elapsedMs } from '../stats.js';
import type { Measurement } from '../workload-types.js';

/** Untimed calls on each new actor before its timed ones. */
export const ACTOR_WARMUP_CALLS = 3_000;
/** Calls in flight at once for the calls-per-second figure. */
export const PIPELINED_CALLS = 2_000;
/** Timed batches of pipelined calls; the best is kept. */
const PIPELINED_BATCHES = 3;

/** The actor: keeps a running sum, answers each call with its input plus one. */
class BenchCounter {
  total = 0;
  add(x: number): number {
    this.total += x;
    return x + 1;
  }
}

async function callOnce(actor: ActorHandle<BenchCounter>, input: number, deadlineMs: number): Promise<void> {
  const future = actor.add(input);
  try {
    const value = await future.result({ timeoutMs: remainingMs(deadlineMs) });
    if (value !== input + 1) throw new Error(`actor.add(${input}) returned ${String(value)}`);
  } finally {
    future.release();
  }
}

/** Calls per second with `PIPELINED_CALLS` calls made at once, then gathered. */
async function pipelined(client: Client, actor: ActorHandle<BenchCounter>, first: number, deadlineMs: number): Promise<number> {
  const start = performance.now();
  const futures = Array.from({ length: PIPELINED_CALLS }, (_, i) => actor.add(first + i));
  try {
    const values = await client.gather(futures, { timeoutMs: remainingMs(deadlineMs) });
    const seconds = elapsedMs(start) / 1000;
    const wrong = values.findIndex((v, i) => v !== first + i + 1);
    if (wrong !== -1) throw new Error(`pipelined call ${wrong} returned ${String(values[wrong])}`);
    return PIPELINED_CALLS / seconds;
  } finally {
    for (const future of futures) future.release();
  }
}

export async function measureActorRoundTrip(client: Client, warmup: number, limits: RepetitionLimits, deadlineMs: number): Promise<Measurement> {
  const actor = client.submitActor(BenchCounter);
  try {
    await actor.constructed.result({ timeoutMs: remainingMs(deadlineMs) });
    for (let i = 0; i < ACTOR_WARMUP_CALLS; i++) await callOnce(actor, -1 - i, deadlineMs);
    const latency = await sampleLatencies(warmup, limits, (sequence) => callOnce(actor, sequence, deadlineMs));
    let best = 0;
    for (let batch = 0; batch < PIPELINED_BATCHES; batch++) best = Math.max(best, await pipelined(client, actor, 1e9 + batch * PIPELINED_CALLS, deadlineMs));
    return {
      ...latency,
      metrics: { ...latency.metrics, callsPerSecond: best },
      detail: { ...latency.detail, pipelinedCalls: PIPELINED_CALLS, pipelinedBatches: PIPELINED_BATCHES },
    };
  } finally {
    actor.release();
  }
}
