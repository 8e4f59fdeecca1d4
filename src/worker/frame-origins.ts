/**
 * Where a profiled frame's code was written. A shipped function runs from a module in the worker's
 * own directory (`…/local-0-ab12/v0/fn-simulate-<hash>.mjs`), whose `origins` export says where each
 * piece came from in the caller's files; frames are pointed there, so samples of the same code on
 * different workers merge. A piece without a known origin keeps the module's file name alone.
 */
import type { OriginRow } from '../serialize/function-module.js';
import type { FrameLocator } from '../profile/sample-store.js';
import type { LocalFiles } from './local-files.js';

const MODULE_URL = /\/(fn-[^/]*?-([0-9a-f]+)\.mjs)$/;
const ORIGINS_LINE = /^export const origins = (.*);$/m;

export function frameLocator(files: LocalFiles): FrameLocator {
  const cache = new Map<string, { name: string; rows: OriginRow[] } | null>();
  const originsOf = (url: string) => {
    let known = cache.get(url);
    if (known !== undefined) return known;
    const match = MODULE_URL.exec(url);
    const source = match ? files.functionSource(match[2]!)?.source : undefined;
    known = null;
    if (match) {
      let rows: OriginRow[] = [];
      try {
        const text = source === undefined ? undefined : ORIGINS_LINE.exec(source)?.[1];
        if (text !== undefined) rows = JSON.parse(text) as OriginRow[];
      } catch {
        rows = []; // a module without readable origins keeps its own positions
      }
      known = { name: match[1]!, rows: Array.isArray(rows) ? rows : [] };
    }
    if (cache.size > 1_000) cache.clear();
    cache.set(url, known);
    return known;
  };
  return (url, line, column) => {
    if (!url.includes('/fn-')) return { url, line, column };
    const module = originsOf(url);
    if (!module) return { url, line, column };
    const row = module.rows.find(([first, count]) => line >= first && line < first + count);
    if (!row || row[2] === '') return { url: module.name, line, column };
    const [first, , origin, originLine, originColumn] = row;
    return { url: origin, line: originLine + line - first, column: line === first ? column + originColumn - 1 : column };
  };
}
