/**
 * Edits of a function's text before it travels, each undoing what a compiler did to module syntax
 * or giving module syntax the caller's meaning:
 * - tslab (and TypeScript compiling to CommonJS) writes `await import('x')` as
 *   `Promise.resolve().then(() => __importStar(require('x')))`: turned back into `import('x')`;
 * - `import.meta` is renamed to {@link META_NAME}, which the shipped module binds to the caller's
 *   module (its url, filename, dirname and resolve), so `new URL('./x.mjs', import.meta.url)` means
 *   the caller's file on a worker too. The new name has the same length: columns stay right.
 * - `import(…)` becomes {@link IMPORT_NAME}`(…)`, so a package is found from the caller's file.
 * It also reads how a function uses a free `exports` (tslab's cross-cell names are `exports.name`).
 */
import { walk } from 'estree-walker';
import type { CallExpression, Node } from 'estree';
import { analyze } from 'periscopic';
import type { ParsedFunction } from './function-analysis.js';

/** What `import.meta` becomes in shipped text: as long as `import.meta`, so positions after it do not move. */
export const META_NAME = '__flo_meta_';

/**
 * What the `import` of `import(…)` becomes: a function the shipped module binds to an import that
 * finds packages from the caller's file (relative specifiers still resolve next to the shipped
 * module, where uploads go). As long as `import`.
 */
export const IMPORT_NAME = '__fimp';

interface Edit {
  start: number;
  end: number;
  replacement: string;
}

interface Positioned {
  start: number;
  end: number;
}

function span(node: Node): Positioned {
  return node as unknown as Positioned;
}

function isIdentifier(node: Node | null | undefined, name: string): boolean {
  return node?.type === 'Identifier' && node.name === name;
}

/** `Promise.resolve().then(() => __importStar(require(X)))`: the node X, else undefined. */
function tslabImportArgument(node: CallExpression): Node | undefined {
  const callee = node.callee;
  if (callee.type !== 'MemberExpression' || callee.computed || !isIdentifier(callee.property, 'then')) return undefined;
  const receiver = callee.object;
  if (receiver.type !== 'CallExpression' || receiver.arguments.length !== 0) return undefined;
  const resolve = receiver.callee;
  if (resolve.type !== 'MemberExpression' || !isIdentifier(resolve.object, 'Promise') || !isIdentifier(resolve.property, 'resolve')) return undefined;
  const [arrow] = node.arguments;
  if (node.arguments.length !== 1 || arrow?.type !== 'ArrowFunctionExpression' || arrow.params.length !== 0) return undefined;
  const star = arrow.body;
  if (star.type !== 'CallExpression' || !(isIdentifier(star.callee, '__importStar') || isIdentifier(star.callee, '__importDefault')) || star.arguments.length !== 1) return undefined;
  const required = star.arguments[0]!;
  if (required.type !== 'CallExpression' || !isIdentifier(required.callee, 'require') || required.arguments.length !== 1) return undefined;
  return required.arguments[0] as Node;
}

/**
 * Returns `source` with tslab's import rewrite undone, `import.meta` and `import()` renamed, or
 * undefined when none occurs.
 */
export function rewriteModuleSyntax(parsed: ParsedFunction, source: string): string | undefined {
  const edits: Edit[] = [];
  const offset = parsed.prefixLength;
  walk(parsed.root as Node, {
    enter(node) {
      if (node.type === 'MetaProperty' && node.meta.name === 'import' && node.property.name === 'meta') {
        const { start, end } = span(node);
        edits.push({ start: start - offset, end: end - offset, replacement: META_NAME });
        this.skip();
      } else if (node.type === 'ImportExpression') {
        const { start } = span(node);
        edits.push({ start: start - offset, end: start - offset + 'import'.length, replacement: IMPORT_NAME });
      } else if (node.type === 'CallExpression') {
        const argument = tslabImportArgument(node);
        if (argument === undefined) return;
        const { start, end } = span(node);
        const inner = span(argument);
        edits.push({ start: start - offset, end: end - offset, replacement: `${IMPORT_NAME}(${source.slice(inner.start - offset, inner.end - offset)})` });
        this.skip();
      }
    },
  });
  // A method's computed name was evaluated where the object was made; on a worker any name will do.
  const [statement] = parsed.program.body;
  const holder = parsed.shape === 'method' && statement?.type === 'ExpressionStatement' && statement.expression.type === 'ObjectExpression' ? statement.expression.properties[0] : undefined;
  if (holder?.type === 'Property' && holder.computed && holder.key.type !== 'Literal') {
    const { start, end } = span(holder.key);
    edits.push({ start: start - offset, end: end - offset, replacement: '"method"' });
  }
  if (edits.length === 0) return undefined;
  let rewritten = source;
  for (const edit of edits.sort((a, b) => b.start - a.start)) {
    rewritten = rewritten.slice(0, edit.start) + edit.replacement + rewritten.slice(edit.end);
  }
  return rewritten;
}

/**
 * The property names a function reads from a free `exports` when every use is `exports.name`
 * (tslab's way of reaching another cell's top-level names); undefined when `exports` is used any
 * other way (passed along, indexed by a computed key, assigned to).
 */
export function exportsMembers(parsed: ParsedFunction): string[] | undefined {
  const { globals } = analyze(parsed.program);
  if (!globals.has('exports')) return [];
  const names = new Set<string>();
  let other = false;
  walk(parsed.root as Node, {
    enter(node, parent, key) {
      if (node.type !== 'Identifier' || node.name !== 'exports') return;
      if (parent?.type === 'MemberExpression' && key === 'object' && !parent.computed && parent.property.type === 'Identifier') {
        names.add(parent.property.name);
        return;
      }
      // A property key or member name spelled `exports` is not the variable.
      if ((parent?.type === 'MemberExpression' && key === 'property' && !parent.computed) || (parent?.type === 'Property' && key === 'key' && !parent.computed)) return;
      other = true;
    },
  });
  return other ? undefined : [...names];
}
