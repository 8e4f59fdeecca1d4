/**
 * Static analysis of a function's source text: what shape it has (an expression, or method
 * shorthand that must be wrapped), which free variables it reads, and whether it depends on `this`,
 * `super` or an outer `arguments` — everything that decides whether the text alone can run on a
 * worker.
 */
import { parse, type Options as AcornOptions } from 'acorn';
import { walk } from 'estree-walker';
import type { Node, Program, Function as FunctionNode, Expression, ClassExpression } from 'estree';
import { analyze } from 'periscopic';

/** The source parsed as a function. */
export interface ParsedFunction {
  /**
   * `expression`: the source is a function expression once parenthesised (arrow, `function`,
   * `async`, generator). `method`: method shorthand (`foo(x) { … }`), valid only inside an object
   * literal.
   */
  shape: 'expression' | 'method' | 'class';
  /** The function (or class) node itself. */
  root: FunctionNode | ClassExpression;
  /** The program that was parsed (the wrapped source), for scope analysis. */
  program: Program;
  /** How many characters the wrapper put before the source: node offsets minus this are offsets in the source. */
  prefixLength: number;
}

/** Why a source could not be used as a function. */
export type ParseFailure =
  | { kind: 'accessor'; accessor: 'get' | 'set' }
  | { kind: 'syntax'; message: string };

/** What the function reads from outside itself. */
export interface FunctionDependencies {
  /** Free variables that are neither declared inside the function nor worker globals, in order of appearance. */
  freeNames: string[];
  /** It uses `this` that is not its own nested function's: its caller's or its receiver's. */
  usesThis: boolean;
  /** It uses `super`, which refers to the object it was defined on. */
  usesSuper: boolean;
  /** It is an arrow function reading `arguments` of the function around it. */
  readsOuterArguments: boolean;
}

const ACORN_OPTIONS: AcornOptions = { ecmaVersion: 'latest', sourceType: 'module' };

/**
 * Names every fresh Node process has as globals, captured when this module loads (before user code
 * has usually added any), plus the value-like names that are not properties in every engine.
 */
const WORKER_GLOBAL_NAMES: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(globalThis),
  'undefined',
  'NaN',
  'Infinity',
  'globalThis',
]);

/** True when `name` is available to a function running on a worker without being passed in. */
export function isWorkerGlobal(name: string): boolean {
  return WORKER_GLOBAL_NAMES.has(name);
}

interface SyntaxErrorWithPosition extends SyntaxError {
  pos?: number;
}

function tryParse(source: string): { program: Program } | { error: SyntaxErrorWithPosition } {
  try {
    // acorn's tree follows ESTree; its own types are a looser copy, so cross over at this one boundary.
    return { program: parse(source, ACORN_OPTIONS) as unknown as Program };
  } catch (error) {
    if (error instanceof SyntaxError) return { error };
    throw error;
  }
}

function isFunctionNode(node: Expression): node is Expression & FunctionNode {
  return node.type === 'ArrowFunctionExpression' || node.type === 'FunctionExpression';
}

function singleExpression(program: Program): Expression | undefined {
  const [statement] = program.body;
  return program.body.length === 1 && statement?.type === 'ExpressionStatement' ? statement.expression : undefined;
}

/**
 * Parses the text of `fn.toString()` as a function.
 *
 * Tries it parenthesised as an expression first; if that fails, as the only member of an object
 * literal (method shorthand). Both parses are strict ES modules, which is how workers run them.
 */
export function parseFunctionSource(source: string): ParsedFunction | ParseFailure {
  // The newline keeps a trailing line comment from swallowing the closing bracket.
  const asExpression = tryParse(`(${source}\n)`);
  if ('program' in asExpression) {
    const expression = singleExpression(asExpression.program);
    if (expression !== undefined && isFunctionNode(expression)) {
      return { shape: 'expression', root: expression, program: asExpression.program, prefixLength: 1 };
    }
  }
  const asMethod = tryParse(`({${source}\n})`);
  if ('program' in asMethod) {
    const expression = singleExpression(asMethod.program);
    const property = expression?.type === 'ObjectExpression' && expression.properties.length === 1 ? expression.properties[0] : undefined;
    if (property?.type === 'Property') {
      if (property.kind === 'get' || property.kind === 'set') return { kind: 'accessor', accessor: property.kind };
      if (property.method && property.value.type === 'FunctionExpression') {
        return { shape: 'method', root: property.value, program: asMethod.program, prefixLength: 2 };
      }
    }
  }
  // Report the parse that got further: it is the one that understood what the text was meant to be.
  const expressionError = 'error' in asExpression ? asExpression.error : undefined;
  const methodError = 'error' in asMethod ? asMethod.error : undefined;
  const chosen =
    methodError !== undefined && (expressionError === undefined || (methodError.pos ?? 0) - 1 > (expressionError.pos ?? 0))
      ? methodError
      : expressionError;
  return { kind: 'syntax', message: chosen?.message ?? 'the text is not a function' };
}

/** Parses the text of a class (`Function.prototype.toString` of a class) as a class expression. */
export function parseClassSource(source: string): ParsedFunction | ParseFailure {
  const parsed = tryParse(`(${source}\n)`);
  if ('error' in parsed) return { kind: 'syntax', message: parsed.error.message };
  const expression = singleExpression(parsed.program);
  if (expression?.type !== 'ClassExpression') return { kind: 'syntax', message: 'the text is not a class' };
  return { shape: 'class', root: expression, program: parsed.program, prefixLength: 1 };
}

/** The `key` under which a child sits in its parent, as estree-walker reports it. */
type ChildKey = string | number | symbol | null | undefined;

/** True for an Identifier that names a variable (not a property name, object key or label). */
function isVariableReference(parent: Node | null, key: ChildKey): boolean {
  if (parent === null) return true;
  switch (parent.type) {
    case 'MemberExpression':
      return key !== 'property' || parent.computed;
    case 'Property':
    case 'MethodDefinition':
    case 'PropertyDefinition':
      return key !== 'key' || parent.computed;
    case 'LabeledStatement':
    case 'BreakStatement':
    case 'ContinueStatement':
    case 'MetaProperty':
      return false;
    default:
      return true;
  }
}

/**
 * Names periscopic reports that are not variables to look up: `arguments` (checked separately) and
 * the keywords of `import.meta` and `new.target`, which its reference test counts.
 */
const NOT_VARIABLES: ReadonlySet<string> = new Set(['arguments', 'import', 'new']);

/**
 * Finds what `parsed` reads from outside itself.
 *
 * Free variables come from periscopic's scope analysis; `this`, `super` and `arguments` need to know
 * which function they belong to, which a walk that tracks the nearest non-arrow function answers.
 */
export function findDependencies(parsed: ParsedFunction): FunctionDependencies {
  const { globals } = analyze(parsed.program);
  const classExpressionNames = new Set<string>();
  let usesThis = false;
  let usesSuper = false;
  let readsOuterArguments = false;
  // Frames that give `this` its own meaning: non-arrow functions, and class field initialisers and
  // static blocks. The root function counts only when it is not an arrow.
  const thisScopes: Node[] = [];
  const root = parsed.root;
  walk(root, {
    enter(node, parent, key) {
      switch (node.type) {
        case 'FunctionExpression':
        case 'FunctionDeclaration':
          thisScopes.push(node);
          break;
        case 'PropertyDefinition':
        case 'StaticBlock':
          thisScopes.push(node);
          break;
        case 'ClassExpression':
          // periscopic does not declare a class expression's own name inside its body.
          if (node.id) classExpressionNames.add(node.id.name);
          break;
        case 'ThisExpression':
          if (thisScopes.length === 0 || thisScopes[thisScopes.length - 1] === root) usesThis = true;
          break;
        case 'Super':
          if (thisScopes.length === 0 || thisScopes[thisScopes.length - 1] === root) usesSuper = true;
          break;
        case 'Identifier':
          // In strict code `arguments` cannot be declared, so every reference is the implicit one.
          if (node.name === 'arguments' && thisScopes.length === 0 && isVariableReference(parent, key)) {
            readsOuterArguments = true;
          }
          break;
      }
    },
    leave(node) {
      if (thisScopes[thisScopes.length - 1] === node) thisScopes.pop();
    },
  });
  const free: { name: string; position: number }[] = [];
  for (const [name, firstReference] of globals) {
    if (NOT_VARIABLES.has(name) || isWorkerGlobal(name) || classExpressionNames.has(name)) continue;
    // acorn records source offsets on every node; periscopic keeps the first reference of each name.
    free.push({ name, position: (firstReference as { start?: number }).start ?? 0 });
  }
  const freeNames = free.sort((a, b) => a.position - b.position).map((entry) => entry.name);
  return { freeNames, usesThis, usesSuper, readsOuterArguments };
}

/**
 * What vite's SSR transform (used by vitest) writes in place of module syntax that a function may
 * legitimately contain, and the syntax it stands for. Undoing it is exact: the worker runs the
 * function as an ES module, where `import()` and `import.meta` are real.
 */
const TEST_RUNNER_REWRITES: ReadonlyMap<string, string> = new Map([
  ['__vite_ssr_dynamic_import__', 'import'],
  ['__vite_ssr_import_meta__', 'import.meta'],
]);

/**
 * Returns `source` with vite/vitest's rewrites of `import()` and `import.meta` turned back into the
 * originals, or undefined when the function contains none. Only free references are touched, so a
 * function that declares such a name itself keeps it.
 */
export function undoTestRunnerRewrites(parsed: ParsedFunction, source: string): string | undefined {
  const { globals } = analyze(parsed.program);
  if (![...TEST_RUNNER_REWRITES.keys()].some((name) => globals.has(name))) return undefined;
  const edits: { start: number; end: number; replacement: string }[] = [];
  walk(parsed.root, {
    enter(node, parent, key) {
      if (node.type !== 'Identifier' || !globals.has(node.name) || !isVariableReference(parent, key)) return;
      const replacement = TEST_RUNNER_REWRITES.get(node.name);
      if (replacement === undefined) return;
      const { start, end } = node as unknown as { start: number; end: number };
      edits.push({ start: start - parsed.prefixLength, end: end - parsed.prefixLength, replacement });
    },
  });
  let rewritten = source;
  for (const edit of edits.sort((a, b) => b.start - a.start)) {
    rewritten = rewritten.slice(0, edit.start) + edit.replacement + rewritten.slice(edit.end);
  }
  return rewritten;
}

/**
 * Names that Node.js's own library code reads (its "primordials" and internal helpers). A function
 * reading them is not user code but a Node built-in written in JavaScript, such as `setTimeout`.
 */
const NODE_INTERNAL_NAME = /^([A-Z][A-Za-z0-9]*Prototype[A-Z]\w*|Safe(Map|Set|WeakMap|WeakSet|Promise\w*|ArrayIterator|StringIterator|WeakRef|FinalizationRegistry)|ReflectApply|ObjectDefineProperty|ObjectDefineProperties|ObjectKeys|ObjectFreeze|ObjectSetPrototypeOf|primordials|internalBinding)$/;

/** True when the free names say the function is part of Node.js itself. */
export function looksLikeNodeInternals(freeNames: readonly string[]): boolean {
  return freeNames.some((name) => NODE_INTERNAL_NAME.test(name));
}

/** Narrowing helper for callers. */
export function isParseFailure(result: ParsedFunction | ParseFailure): result is ParseFailure {
  return 'kind' in result;
}
