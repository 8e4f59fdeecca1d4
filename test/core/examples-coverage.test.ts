/**
 * Every public class and function is shown in examples/ (the brief's rule), checked with the
 * TypeScript compiler: the package root's exports (as the examples import them, `from 'flotilla'`) are
 * walked, with each class's public members (not those marked `@internal`), and each must be referenced
 * somewhere in examples/*.ts — a reference the type checker resolves to that class's member, so
 * `.close()` of one class does not count for another's. (Names are compared as `Class.member`, since
 * some examples import the sources.) Each of them must also carry a TSDoc comment.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const examplesDir = join(root, 'examples');

/**
 * Names known to be unshown, to be shown and struck off: the test fails when a name not listed here is
 * unshown, and when a listed one is shown (so the list only shrinks). Empty since every name is shown.
 */
const NOT_YET_SHOWN = new Set<string>([]);

/** Whether some declaration of `symbol` (an overload, say) carries a TSDoc comment. */
function documented(symbol: ts.Symbol): boolean {
  return (symbol.declarations ?? []).some((declaration) => ts.getJSDocCommentsAndTags(declaration).length > 0);
}

/**
 * The public classes, functions and class members of the package root: those the examples do not
 * reference (`missing`), and those without TSDoc (`undocumented`).
 */
function survey(): { missing: string[]; undocumented: string[]; checked: number } {
  const files = readdirSync(examplesDir).filter((f) => /\.c?ts$/.test(f) && !f.endsWith('.d.ts')).map((f) => join(examplesDir, f));
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!config) throw new Error('tsconfig.json could not be read');
  const program = ts.createProgram(files, { ...config.options, noEmit: true });
  const checker = program.getTypeChecker();
  const resolve = (symbol: ts.Symbol): ts.Symbol => (symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);

  // What the examples reference, as `name` or `Class.member`.
  const used = new Set<string>();
  const keyOf = (symbol: ts.Symbol): string => {
    const parent = (symbol as { parent?: ts.Symbol }).parent;
    return parent && parent.flags & ts.SymbolFlags.Class ? `${parent.getName()}.${symbol.getName()}` : symbol.getName();
  };
  const use = (symbol: ts.Symbol): void => {
    used.add(keyOf(symbol));
    used.add(keyOf(resolve(symbol)));
  };
  for (const file of files) {
    const source = program.getSourceFile(file)!;
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node) || ts.isPrivateIdentifier(node)) {
        const symbol = checker.getSymbolAtLocation(node);
        if (symbol) use(symbol);
        // `const { a } = x`: the property `a` of x as well as the local `a`.
        if (ts.isBindingElement(node.parent) && (node.parent.propertyName ?? node.parent.name) === node) {
          const property = checker.getTypeAtLocation(node.parent.parent).getProperty(node.text);
          if (property) use(property);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }

  // The package root, as the examples resolve it.
  const resolved = ts.resolveModuleName('flotilla', files[0]!, program.getCompilerOptions(), ts.sys).resolvedModule;
  if (!resolved) throw new Error("'flotilla' does not resolve from examples/: build first (npm run build)");
  const entry = program.getSourceFile(resolved.resolvedFileName)!;
  const moduleSymbol = checker.getSymbolAtLocation(entry)!;

  const missing: string[] = [];
  const undocumented: string[] = [];
  let checked = 0;
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = resolve(exported);
    const name = exported.getName();
    const isClass = (symbol.flags & ts.SymbolFlags.Class) !== 0;
    const isFunction = (symbol.flags & ts.SymbolFlags.Function) !== 0;
    if (!isClass && !isFunction) continue;
    checked++;
    if (!used.has(name)) missing.push(name);
    if (!documented(symbol)) undocumented.push(name);
    if (!isClass) continue;
    const declaration = symbol.declarations?.find(ts.isClassDeclaration);
    for (const member of declaration?.members ?? []) {
      if (ts.isConstructorDeclaration(member) || !member.name || ts.isPrivateIdentifier(member.name)) continue;
      const modifiers = ts.getCombinedModifierFlags(member as ts.Declaration);
      if (modifiers & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
      // `@internal` marks plumbing between flotilla's own parts (a cluster's `openLocalLink` for Client.connect): not API.
      if (ts.getJSDocTags(member).some((tag) => tag.tagName.text === 'internal')) continue;
      const memberSymbol = checker.getSymbolAtLocation(member.name);
      if (!memberSymbol) continue;
      const memberName = memberSymbol.getName();
      if (memberName.startsWith('_')) continue;
      checked++;
      if (!used.has(`${name}.${memberName}`)) missing.push(`${name}.${memberName}`);
      if (!documented(memberSymbol)) undocumented.push(`${name}.${memberName}`);
    }
  }
  return { missing: [...new Set(missing)].sort(), undocumented: [...new Set(undocumented)].sort(), checked };
}

describe('the public API is documented and shown in examples', () => {
  it('every exported class and function, and every public member of each class, is used in examples/', () => {
    const { missing, checked } = survey();
    expect(checked).toBeGreaterThan(100);
    const unlisted = missing.filter((name) => !NOT_YET_SHOWN.has(name));
    expect(unlisted, `not shown in examples/*.ts: ${unlisted.join(', ')}`).toEqual([]);
    const nowShown = [...NOT_YET_SHOWN].filter((name) => !missing.includes(name));
    expect(nowShown, `shown now: strike them off NOT_YET_SHOWN: ${nowShown.join(', ')}`).toEqual([]);
  }, 120_000);

  it('every exported class and function, and every public member of each class, has TSDoc', () => {
    const { undocumented } = survey();
    expect(undocumented, `without a TSDoc comment: ${undocumented.join(', ')}`).toEqual([]);
  }, 120_000);
});
