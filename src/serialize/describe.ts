/**
 * Short, human-readable descriptions of arbitrary values, for error messages.
 *
 * Messages must say what was received without dumping a huge value into a log line, so every
 * description is bounded in length.
 */

const MAX_EXCERPT_CHARS = 40;

/** Cuts `text` to a short single-line excerpt ending in `…` when it was longer. */
export function excerpt(text: string, maxChars: number = MAX_EXCERPT_CHARS): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= maxChars ? oneLine : `${oneLine.slice(0, maxChars - 1)}…`;
}

/**
 * The class name of an object that is not a plain object, or undefined when it has none
 * (for example an object whose prototype was made with `Object.create`).
 */
export function className(value: object): string | undefined {
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype === null || typeof prototype !== 'object') return undefined;
  const constructor: unknown = Object.getOwnPropertyDescriptor(prototype, 'constructor')?.value;
  return typeof constructor === 'function' && constructor.name !== '' ? constructor.name : undefined;
}

/** Describes any value in a few words: `the number 42`, `a string ("abc")`, `an instance of class Foo`. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'number':
      return `the number ${Object.is(value, -0) ? '-0' : String(value)}`;
    case 'bigint':
      return `the bigint ${excerpt(String(value))}n`;
    case 'boolean':
      return `the boolean ${String(value)}`;
    case 'string':
      return `a string (${JSON.stringify(excerpt(value))})`;
    case 'symbol':
      return `a symbol (${excerpt(value.toString())})`;
    case 'function':
      return `a function (${excerpt(Function.prototype.toString.call(value))})`;
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `an array of length ${value.length}`;
      const prototype: unknown = Object.getPrototypeOf(value);
      if (prototype === Object.prototype || prototype === null) {
        const keys = Object.keys(value);
        const shown = keys.slice(0, 4).join(', ');
        return `a plain object ({${shown}${keys.length > 4 ? ', …' : ''}})`;
      }
      const name = className(value);
      return name === undefined ? 'an object with a custom prototype' : `an instance of ${name}`;
    }
  }
}

/** Renders one step of a property path: `.name` for identifier-like keys, `["odd key"]` otherwise. */
export function propertySegment(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}
