/**
 * The scheduler's `transition` event: the state's transitions forwarded while someone listens, and
 * not observed at all otherwise (the engine then pays one field check per transition).
 */
import type { EventEmitter } from 'node:events';
import type { SchedulerEvents, TransitionEvent } from './events.js';
import type { SchedulerState } from './state/scheduler-state.js';

/** Turns the state's transition observer on with the first `transition` listener of `events`, off with the last. */
export function forwardTransitions(events: EventEmitter<SchedulerEvents>, state: Pick<SchedulerState, 'observeTransitions'>): void {
  // `newListener` and `removeListener` are not in SchedulerEvents: every EventEmitter emits them.
  const plain = events as unknown as EventEmitter;
  const forward = (event: TransitionEvent): void => {
    events.emit('transition', event);
  };
  plain.on('newListener', (name: string | symbol) => {
    if (name === 'transition') state.observeTransitions(forward);
  });
  plain.on('removeListener', (name: string | symbol) => {
    if (name === 'transition' && events.listenerCount('transition') === 0) state.observeTransitions(undefined);
  });
}
