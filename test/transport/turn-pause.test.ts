/**
 * TurnPause counts work, not time: a receive loop that waited for each message never pauses, and one
 * working through a backlog pauses once it has worked WORK_BETWEEN_PAUSES_MS without a break.
 * The clock is vitest's fake one, so the test does not depend on how busy the machine is.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TurnPause } from '../../src/transport/turn-pause.js';

describe('TurnPause', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['performance', 'setImmediate'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('never pauses a loop that waits for every message, however long it has been running', () => {
    const pause = new TurnPause();
    for (let message = 0; message < 100; message++) {
      vi.advanceTimersByTime(5); // waiting for the next message
      expect(pause.now()).toBeUndefined();
      vi.advanceTimersByTime(0.2); // handling it
      pause.handled();
    }
  });

  it('pauses a loop working through a backlog after about 10 ms of work, then lets it go on', async () => {
    const pause = new TurnPause();
    let handledBeforePause = 0;
    let paused: Promise<void> | undefined;
    for (let message = 0; message < 100 && !paused; message++) {
      paused = pause.now();
      if (paused) break;
      vi.advanceTimersByTime(0.5); // handling; the next message is already there
      pause.handled();
      handledBeforePause++;
    }
    expect(paused).toBeInstanceOf(Promise);
    expect(handledBeforePause).toBe(20);
    let resumed = false;
    void paused!.then(() => (resumed = true));
    await vi.runAllTimersAsync();
    expect(resumed).toBe(true);
    // A fresh stretch of work starts after the pause.
    expect(pause.now()).toBeUndefined();
  });
});
