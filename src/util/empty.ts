/**
 * One frozen empty array for every per-task list that is usually empty (a task's inputs, a value's
 * binary frames): nothing is allocated for it, and freezing makes an accidental push throw instead of
 * leaking into every other task.
 */
const EMPTY: readonly never[] = Object.freeze([]);

/** The shared frozen empty array, typed for a list that is only read. */
export function emptyList<T>(): T[] {
  return EMPTY as unknown as T[];
}
