/**
 * Writes a capture as one ES module whose default export is the root function (or class). Each
 * piece is created inside its own arrow, where its free names are bound (values from the snapshot,
 * other pieces, imports, globals), so two pieces that read different variables of the same name
 * each see their own. Pieces are written dependencies first; a piece that is reached again while it
 * is being written (recursion between functions) is bound once all pieces exist.
 *
 * The module also exports `origins`: for each piece, where its text sits in this module and where
 * it came from, so a worker can point a stack at the caller's file and line.
 */
import { encodeValue } from './value-codec.js';
import type { Binding, Capture, Piece } from './function-capture.js';
import { IMPORT_NAME, META_NAME } from './source-rewrites.js';

/** The global under which a worker thread installs what shipped modules need (see worker/function-runtime). */
export const RUNTIME_KEY = 'flotilla.function-runtime';

/** One row of `origins`: [first module line (1-based), line count, caller url, caller line (1-based), caller column (1-based)]. */
export type OriginRow = [number, number, string, number, number];

function pieceName(index: number): string {
  return `__flotilla_p${index}`;
}

function bindingExpression(binding: Binding, piece: Piece): string {
  switch (binding.kind) {
    case 'value':
      return `__flotilla_v[${binding.index}]`;
    case 'piece':
      return pieceName(binding.index);
    case 'import': {
      const module = `__flotilla_m[${binding.index}]`;
      if (binding.wrapDefault) return `({ default: ${module} })`;
      return binding.property === undefined ? module : `${module}[${JSON.stringify(binding.property)}]`;
    }
    case 'require':
      return `__flotilla.require(${JSON.stringify(piece.url)})`;
    case 'global':
      return `globalThis${binding.path.split('.').map((key) => `[${JSON.stringify(key)}]`).join('')}`;
    case 'exports': {
      // Getters: a member that is a piece may be written after this one.
      const members = [...binding.members].map(([name, member]) => `get ${JSON.stringify(name)}() { return ${bindingExpression(member, piece)}; }`);
      return `{ ${members.join(', ')} }`;
    }
  }
}

function piecesReadBy(binding: Binding): number[] {
  if (binding.kind === 'piece') return [binding.index];
  if (binding.kind === 'exports') return [...binding.members.values()].flatMap(piecesReadBy);
  return [];
}

class ModuleWriter {
  readonly #lines: string[] = [];
  readonly origins: OriginRow[] = [];

  line(text: string): void {
    this.#lines.push(text);
  }

  /** Adds a piece's text on lines of its own and records where it came from. */
  text(source: string, piece: Piece): void {
    const first = this.#lines.length + 1;
    const lines = source.split('\n');
    this.#lines.push(...lines);
    this.origins.push([first, lines.length, piece.url, piece.line + 1, piece.column + 1]);
  }

  toString(): string {
    return `${this.#lines.join('\n')}\n`;
  }
}

function writePiece(writer: ModuleWriter, capture: Capture, index: number, lazy: Set<string>): void {
  const piece = capture.pieces[index]!;
  writer.line(`// ${piece.name}${piece.url ? ` from ${piece.url}:${piece.line + 1}` : ''}`);
  writer.line(`const ${pieceName(index)} = (() => {`);
  for (const [name, binding] of piece.bindings) {
    const lateKey = `${index}:${name}`;
    if (lazy.has(lateKey)) {
      writer.line(`let ${name}; __flotilla_link.push(() => { ${name} = ${bindingExpression(binding, piece)}; });`);
    } else {
      writer.line(`const ${name} = ${bindingExpression(binding, piece)};`);
    }
  }
  if (piece.usesMeta) writer.line(`const ${META_NAME} = __flotilla.meta(${JSON.stringify(piece.url)});`);
  if (piece.usesImport) {
    writer.line(`const ${IMPORT_NAME} = (specifier, options) => __flotilla.dynamicImport(specifier, options, ${JSON.stringify(piece.url)}, __flotilla_import, import.meta.url, ${JSON.stringify(piece.name)});`);
  }
  if (piece.shape === 'method') {
    writer.line('return ((holder) => holder[Reflect.ownKeys(holder)[0]])({');
    writer.text(piece.source, piece);
    writer.line('});');
  } else {
    writer.line('return (');
    writer.text(piece.source, piece);
    writer.line(');');
  }
  writer.line('})();');
}

/** The module text of a capture. */
export function writeModule(capture: Capture): string {
  const writer = new ModuleWriter();
  const needsRuntime = capture.values.length > 0 || capture.imports.length > 0 || capture.pieces.some((p) => p.usesMeta || p.usesImport || [...p.bindings.values()].some((b) => b.kind === 'require'));
  if (needsRuntime) {
    writer.line(`const __flotilla = globalThis[Symbol.for(${JSON.stringify(RUNTIME_KEY)})];`);
    // Imports resolved from this module's own folder, as a plain import() in it would be.
    writer.line('const __flotilla_import = (specifier, options) => import(specifier, options);');
  }
  if (capture.values.length > 0) {
    const body = encodeValue(capture.values, { label: 'the captured values', frameThresholdBytes: Number.POSITIVE_INFINITY }).body;
    writer.line(`const __flotilla_v = __flotilla.values(${JSON.stringify(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64'))});`);
  }
  if (capture.imports.length > 0) {
    const list = capture.imports.map((i) => [i.how, i.specifier, i.from]);
    writer.line(`const __flotilla_m = await __flotilla.imports(${JSON.stringify(list)}, ${JSON.stringify(capture.pieces[0]?.name ?? 'anonymous')}, __flotilla_import, import.meta.url);`);
  }
  writer.line('const __flotilla_link = [];');

  // Depth first, dependencies before dependents; an edge back to a piece still being written is late-bound.
  const state = new Map<number, 'writing' | 'written'>();
  const lazy = new Set<string>();
  const order: number[] = [];
  const visit = (index: number): void => {
    state.set(index, 'writing');
    for (const [name, binding] of capture.pieces[index]!.bindings) {
      for (const target of piecesReadBy(binding)) {
        const seen = state.get(target);
        if (seen === 'writing') lazy.add(`${index}:${name}`);
        else if (seen === undefined) visit(target);
      }
    }
    state.set(index, 'written');
    order.push(index);
  };
  visit(0);
  for (const index of order) writePiece(writer, capture, index, lazy);
  writer.line('for (const link of __flotilla_link) link();');
  writer.line(`export default ${pieceName(0)};`);
  writer.line(`export const origins = ${JSON.stringify(writer.origins)};`);
  return writer.toString();
}
