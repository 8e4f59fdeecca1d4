/**
 * The wording of every "this function cannot be shipped" error, at submit time and when a worker
 * reports a ReferenceError, so both say the same thing: which name, why it is missing, what to do.
 */
import { excerpt } from './describe.js';

/** "The function `foo`", or "The anonymous function `(x) => x + off…`". */
export function functionSubject(name: string, source?: string): string {
  if (name !== 'anonymous' && name !== '') return `The function \`${name}\``;
  return source === undefined ? 'The anonymous function' : `The anonymous function \`${excerpt(source)}\``;
}

/** How to refer to the function in a `client.submit(…)` example. */
function callName(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'anonymous' ? name : 'fn';
}

function quoteList(names: readonly string[]): string {
  const quoted = names.map((name) => `\`${name}\``);
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`;
}

const COMMONJS_NAMES = new Set(['require', 'module', 'exports', '__dirname', '__filename']);
const TEST_RUNNER_NAME = /^(__vi_import_\d+__|__vite_ssr_\w+__|__vi_\w+__)$/;
const KEEP_NAMES_HELPER = '__name';
const TYPESCRIPT_HELPER =
  /^__(awaiter|generator|assign|rest|spread|spreadArray|spreadArrays|read|values|await|asyncValues|asyncGenerator|asyncDelegator|extends|decorate|param|metadata|importDefault|importStar|createBinding|exportStar|classPrivateField\w*|esDecorate|runInitializers|makeTemplateObject|addDisposableResource|disposeResources|setFunctionName|propKey)$/;
const COVERAGE_COUNTER = /^cov_\w+$/;

type NameGroup = 'caller' | 'commonjs' | 'testRunner' | 'keepNames' | 'typescript' | 'coverage';

function groupOf(name: string): NameGroup {
  if (COMMONJS_NAMES.has(name)) return 'commonjs';
  if (TEST_RUNNER_NAME.test(name)) return 'testRunner';
  if (name === KEEP_NAMES_HELPER) return 'keepNames';
  if (TYPESCRIPT_HELPER.test(name)) return 'typescript';
  if (COVERAGE_COUNTER.test(name)) return 'coverage';
  return 'caller';
}

/**
 * Explains names a function reads that will not exist on a worker.
 *
 * @param subject - Who reads them, e.g. "The function `foo`" (or "It" after a first sentence).
 * @param probably - True when guessing from a worker's ReferenceError rather than from analysis.
 */
export function explainMissingNames(subject: string, functionName: string, names: readonly string[], probably = false): string {
  const groups = new Map<NameGroup, string[]>();
  for (const name of names) {
    const group = groupOf(name);
    groups.set(group, [...(groups.get(group) ?? []), name]);
  }
  const sentences: string[] = [];
  const caller = groups.get('caller');
  if (caller !== undefined) {
    const one = caller.length === 1;
    const list = quoteList(caller);
    const it = one ? 'it' : 'them';
    const asArguments = `pass ${list} as ${one ? 'an argument' : 'arguments'} (client.submit(${callName(functionName)}, ${caller.join(', ')}))`;
    sentences.push(
      probably
        ? `${subject} probably reads ${list}, which ${one ? 'is' : 'are'} not defined on the worker. ${asArguments[0]!.toUpperCase()}${asArguments.slice(1)}, ` +
            `or create ${it} in a worker setup (client.registerWorkerSetup) and read ${one ? `\`globalThis.${caller[0]}\`` : 'them from `globalThis`'}.`
        : `${subject} reads ${list}, which ${one ? 'is' : 'are'} not defined where it was submitted (in none of its scopes, nor a global of this process), so nothing can travel for ${it}. ` +
            `Declare ${it} before submitting, ${asArguments}, or, for a value a worker setup creates, read ${one ? `\`globalThis.${caller[0]}\`` : 'it from `globalThis`'}.`,
    );
  }
  const commonjs = groups.get('commonjs');
  if (commonjs !== undefined) {
    sentences.push(
      `${subject} uses ${quoteList(commonjs)} from CommonJS, which workers do not have: they run each function as an ES module. ` +
        "Use `await import('…')` inside the function instead of `require`, and `import.meta.url` or `import.meta.dirname` instead of `__dirname` and `__filename`.",
    );
  }
  const testRunner = groups.get('testRunner');
  if (testRunner !== undefined) {
    sentences.push(
      `${subject} refers to ${quoteList(testRunner)}, a name your code does not contain: a test runner or bundler (vitest/vite) rewrote an import the function uses. ` +
        "Import the module inside the function by the URL of its built JavaScript, kept in a constant (which travels): `const m = await import(moduleUrl)`; or define the function in a module the test runner does not transform.",
    );
  }
  if (groups.has('keepNames')) {
    sentences.push(
      `${subject} calls \`__name\`, a helper that esbuild's keepNames option (used by tsx and some test runners) inserts and that exists only in the caller's module. ` +
        'Compile the function with plain tsc, or turn keepNames off.',
    );
  }
  const typescript = groups.get('typescript');
  if (typescript !== undefined) {
    sentences.push(
      `${subject} uses ${quoteList(typescript)}, TypeScript's down-level helpers, which exist only in the caller's module. ` +
        'Compile with target ES2022 or later (and without importHelpers) so async functions, generators and spreads stay native.',
    );
  }
  const coverage = groups.get('coverage');
  if (coverage !== undefined) {
    sentences.push(
      `${subject} refers to ${quoteList(coverage)}, a counter that code-coverage instrumentation inserted. ` +
        'Run without coverage, or put the function in a module uploaded with client.uploadFile.',
    );
  }
  return sentences.join(' ');
}

/** What `prepareFunction` says for each kind of function that cannot travel as text. */
export const shippingMessages = {
  notAFunction: (what: string, received: string): string =>
    `\`${what}\` expects a function as its first argument, got ${received}. Pass the function first and its arguments after it: client.${what}(fn, ...args).`,
  aClass: (what: string, name: string): string =>
    `\`${what}\` got the class \`${name}\`, but a class cannot be a task function; pass a function that uses it, for example \`(...args) => new ${name}(...args).run()\` (the class travels with the function).`,
  native: (what: string, name: string): string =>
    `\`${what}\` got the native function \`${name || 'anonymous'}\`, which has no JavaScript source to send. Wrap it in a function that calls it, e.g. \`(...args) => Math.max(...args)\` (a global, or an import of the module, travels with the wrapper).`,
  nodeBuiltin: (what: string, name: string): string =>
    `\`${what}\` got \`${name}\`, a function from Node.js's own library: its source text reads Node internals that a task module cannot reach. Wrap it in a function that calls it, e.g. \`(...args) => ${name === 'anonymous' ? 'fn' : name}(...args)\` (a global, or an import of the module, travels with the wrapper).`,
  bound: (what: string, name: string): string =>
    `\`${what}\` got a bound function (\`${name.trim()}\`); the \`this\` and arguments that bind() fixed are not part of its source text. ` +
    `Pass the original function with the arguments bind() fixed in front: client.${what}(fn, a, b, ...rest); if it reads \`this\`, make what it reads parameters.`,
  accessor: (subject: string, accessor: 'get' | 'set'): string =>
    `${subject} is a ${accessor === 'get' ? 'getter' : 'setter'}; accessors cannot be task functions. Pass a regular function or an arrow function.`,
  syntax: (subject: string, message: string, source: string): string =>
    `${subject} cannot be shipped: its source text (\`${excerpt(source, 60)}\`) does not parse as a function in a strict-mode ES module, which is how workers run it (${message}). ` +
    'Make it a plain arrow function, function expression or method that is valid strict-mode JavaScript.',
  usesThis: (subject: string, isArrow: boolean): string =>
    isArrow
      ? `${subject} uses \`this\` from the caller's scope (an arrow function's \`this\` is that of its surroundings), which does not travel with it; bind the values as arguments instead.`
      : `${subject} uses \`this\`; on a worker it is called without a receiver, so bind the values as arguments instead (take what it reads from \`this\` as parameters and pass them to submit).`,
  usesSuper: (subject: string): string =>
    `${subject} uses \`super\`, which refers to the object or class it was defined on and does not travel with it. Call the needed code through an import, or pass the values as arguments.`,
  readsOuterArguments: (subject: string): string =>
    `${subject} is an arrow function that reads \`arguments\` of the function around it, which does not travel with it. Use a rest parameter instead: \`(...args) => …\`.`,
};
