/** The fields a Future prints (`console.log(future)`, a notebook cell): key, status, and its result's type or its error. */
import type { FutureState } from './future-state.js';

export function futureFields(state: FutureState, released: boolean): Record<string, unknown> {
  return {
    key: state.key,
    status: released ? `${state.status}, released` : state.status,
    type: state.hasValue ? typeName(state.value) : undefined,
    error: state.error ? `${state.error.name}: ${firstLine(state.error.message)}` : undefined,
  };
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  if (Array.isArray(value)) return `Array(${value.length})`;
  return typeof name === 'string' && name !== '' ? name : 'Object';
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}
