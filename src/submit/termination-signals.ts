/**
 * Turns SIGINT, SIGTERM and SIGHUP into an aborted `AbortSignal`, so that the code stopping what it started
 * runs instead of Node.js's default of exiting at once.
 */
import { InterruptedError } from './errors.js';

/** A watch over the process's termination signals. */
export interface TerminationWatch {
  /** Aborted, with an {@link InterruptedError} naming the signal as its reason, on the first signal. */
  readonly signal: AbortSignal;
  /** Removes the handlers: the default behaviour (exit) applies again. */
  dispose(): void;
}

/** The signals that ask flotilla to stop: Ctrl-C, `kill`/`scancel`, and a closed terminal. */
export const TERMINATION_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Installs handlers for {@link TERMINATION_SIGNALS}. Later signals, while stopping, are only reported:
 * the teardown already under way is bounded by its grace periods.
 */
export function watchTerminationSignals(log: (line: string) => void): TerminationWatch {
  const controller = new AbortController();
  const handler = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      log(`received ${signal} while stopping; still stopping`);
      return;
    }
    log(`received ${signal}: stopping`);
    controller.abort(new InterruptedError(signal));
  };
  for (const name of TERMINATION_SIGNALS) process.on(name, handler);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const name of TERMINATION_SIGNALS) process.off(name, handler);
    },
  };
}

/** The signal named by an abort reason when it is an {@link InterruptedError}, else `undefined`. */
export function interruptingSignal(reason: unknown): NodeJS.Signals | undefined {
  return reason instanceof InterruptedError ? reason.signal : undefined;
}

/** A promise resolved with `'aborted'` when `signal` aborts, and a `dispose` that removes its listener. */
export function whenAborted(signal: AbortSignal): { promise: Promise<'aborted'>; dispose: () => void } {
  let listener: (() => void) | undefined;
  const promise = new Promise<'aborted'>((resolve) => {
    if (signal.aborted) {
      resolve('aborted');
      return;
    }
    listener = () => resolve('aborted');
    signal.addEventListener('abort', listener, { once: true });
  });
  return {
    promise,
    dispose: () => {
      if (listener !== undefined) signal.removeEventListener('abort', listener);
    },
  };
}
