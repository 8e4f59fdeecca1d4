/**
 * Which top-level names of a script are imported, and from where: `import` declarations (named,
 * default, namespace), and the forms compilers and loaders turn them into (`require('x')`,
 * `const { a } = require('x')`, `await import('x')`, TypeScript's `__importStar(require('x'))` and
 * `__importDefault(require('x'))`, vite's `await __vite_ssr_import__('x')`). A captured name bound
 * this way travels as "import it again on the worker", never as a copy of the module.
 */
import { parse } from 'acorn';
import type { Expression, Node, Pattern, Program, Statement } from 'estree';

/** How a worker gets the value of an imported name back. */
export interface ImportBinding {
  /** `import`: an ES module import (the namespace); `require`: CommonJS `require` from the caller's file. */
  how: 'import' | 'require';
  /** The specifier as written in the caller's script. */
  specifier: string;
  /** A property of the namespace or `module.exports` (`'default'` for a default import); none for the whole. */
  property?: string;
  /** TypeScript's `__importDefault(require(x))`: the value is `{ default: require(x) }`. */
  wrapDefault?: boolean;
}

const MAX_CACHED = 200;
const byScript = new Map<string, Map<string, ImportBinding>>();

function stringArgument(node: Node | undefined): string | undefined {
  return node?.type === 'Literal' && typeof node.value === 'string' ? node.value : undefined;
}

function calleeName(node: Expression): string | undefined {
  if (node.type !== 'CallExpression') return undefined;
  return node.callee.type === 'Identifier' ? node.callee.name : undefined;
}

/** The module an initialiser loads, when it is one of the import forms. */
function importSource(init: Expression | null | undefined): Omit<ImportBinding, 'property'> | undefined {
  if (!init) return undefined;
  let node: Expression = init.type === 'AwaitExpression' ? init.argument : init;
  if (node.type === 'ImportExpression') {
    const specifier = stringArgument(node.source);
    return specifier === undefined ? undefined : { how: 'import', specifier };
  }
  if (node.type !== 'CallExpression') return undefined;
  const name = calleeName(node);
  if (name === '__vite_ssr_import__' || name === '__vite_ssr_dynamic_import__') {
    const specifier = stringArgument(node.arguments[0] as Node);
    return specifier === undefined ? undefined : { how: 'import', specifier };
  }
  let wrapDefault = false;
  if ((name === '__importStar' || name === '__importDefault') && node.arguments[0]?.type === 'CallExpression') {
    wrapDefault = name === '__importDefault';
    node = node.arguments[0];
  }
  if (calleeName(node) === 'require' && node.type === 'CallExpression') {
    const specifier = stringArgument(node.arguments[0] as Node);
    return specifier === undefined ? undefined : { how: 'require', specifier, ...(wrapDefault ? { wrapDefault } : {}) };
  }
  return undefined;
}

function addPattern(pattern: Pattern, init: Expression | null | undefined, into: Map<string, ImportBinding>): void {
  if (pattern.type === 'Identifier') {
    const source = importSource(init);
    if (source) into.set(pattern.name, source);
    // `const x = require('m').x`
    if (!source && init?.type === 'MemberExpression' && !init.computed && init.property.type === 'Identifier') {
      const inner = importSource(init.object as Expression);
      if (inner && !inner.wrapDefault) into.set(pattern.name, { ...inner, property: init.property.name });
    }
    return;
  }
  if (pattern.type !== 'ObjectPattern') return;
  const source = importSource(init);
  if (!source || source.wrapDefault) return;
  for (const property of pattern.properties) {
    if (property.type !== 'Property' || property.computed || property.value.type !== 'Identifier') continue;
    const key = property.key.type === 'Identifier' ? property.key.name : stringArgument(property.key);
    if (key !== undefined) into.set(property.value.name, { ...source, property: key });
  }
}

function addStatements(statements: readonly Node[], into: Map<string, ImportBinding>): void {
  for (const statement of statements) {
    if (statement.type === 'ImportDeclaration') {
      const specifier = String(statement.source.value);
      for (const s of statement.specifiers) {
        if (s.type === 'ImportNamespaceSpecifier') into.set(s.local.name, { how: 'import', specifier });
        else if (s.type === 'ImportDefaultSpecifier') into.set(s.local.name, { how: 'import', specifier, property: 'default' });
        else {
          const imported = s.imported.type === 'Identifier' ? s.imported.name : String(s.imported.value);
          into.set(s.local.name, { how: 'import', specifier, property: imported });
        }
      }
    } else if (statement.type === 'VariableDeclaration') {
      for (const declarator of statement.declarations) addPattern(declarator.id, declarator.init, into);
    } else if (statement.type === 'BlockStatement') {
      addStatements(statement.body, into);
    } else if (statement.type === 'ExpressionStatement') {
      // A module wrapped in one function by a loader (vite's SSR transform): its body is the top level.
      // …or wrapped in a function that is called at once (tslab's `(function (exports, require) { … })(…)`).
      const expression = statement.expression.type === 'CallExpression' ? statement.expression.callee : statement.expression;
      if ((expression.type === 'ArrowFunctionExpression' || expression.type === 'FunctionExpression') && expression.body.type === 'BlockStatement') {
        addStatements(expression.body.body as Statement[], into);
      }
    }
  }
}

function parseLoosely(source: string): Program | undefined {
  for (const sourceType of ['module', 'script'] as const) {
    try {
      return parse(source, { ecmaVersion: 'latest', sourceType, allowHashBang: true, allowReturnOutsideFunction: true, allowAwaitOutsideFunction: true }) as unknown as Program;
    } catch {
      // try the next way of reading it
    }
  }
  return undefined;
}

/** The imported top-level names of a script (cached by script id), by local name. */
export function importedNames(scriptId: string, source: () => string): Map<string, ImportBinding> {
  const cached = byScript.get(scriptId);
  if (cached !== undefined) return cached;
  const found = new Map<string, ImportBinding>();
  const program = parseLoosely(source());
  if (program) addStatements(program.body, found);
  if (byScript.size >= MAX_CACHED) byScript.delete(byScript.keys().next().value!);
  byScript.set(scriptId, found);
  return found;
}
