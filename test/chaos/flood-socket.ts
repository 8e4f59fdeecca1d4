/** Sending a flood: a fresh DEALER that sends every message and closes (its queue dropped at once). */
import * as zmq from 'zeromq';
import type { Frames } from './floods.js';

/** Sends every message of `messages` from a fresh DEALER connected to `address`, then closes it; returns the count sent. */
export async function flood(address: string, messages: Iterable<Frames>): Promise<number> {
  const vandal = new zmq.Dealer({ linger: 0, sendTimeout: 5_000 });
  vandal.connect(address);
  let sent = 0;
  try {
    for (const frames of messages) {
      await vandal.send(frames.length === 0 ? [new Uint8Array(0)] : frames);
      sent++;
    }
  } finally {
    vandal.close();
  }
  return sent;
}

/** `count` messages from `next`. */
export function* generate(count: number, next: () => Frames): Generator<Frames> {
  for (let i = 0; i < count; i++) yield next();
}
