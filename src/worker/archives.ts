/**
 * Unpacks uploaded folders: `.tar.gz`/`.tgz` with the system's `tar`, `.zip` with a small reader of our
 * own (stored and deflated entries, which is what zip tools write). Entries that would land outside the
 * target folder (absolute paths, `..`) are refused.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { createRequire } from 'node:module';
import { FlotillaError } from '../errors/index.js';

// child_process and zlib are loaded on the first archive: a worker that never receives one starts without them.
const load = createRequire(import.meta.url);
/** Runs `tar` with `args` and returns its output. */
const tar = (args: string[]): string => (load('node:child_process') as typeof import('node:child_process')).execFileSync('tar', args, { encoding: 'utf8' });
const inflateRawSync = (data: Buffer): Buffer => (load('node:zlib') as typeof import('node:zlib')).inflateRawSync(data);

export function isArchive(name: string): boolean {
  return /\.(zip|tar\.gz|tgz)$/.test(name);
}

function safeTarget(root: string, entry: string): string {
  const clean = normalize(entry);
  if (isAbsolute(clean) || clean === '..' || clean.startsWith(`..${sep}`)) {
    throw new FlotillaError(`archive entry ${JSON.stringify(entry)} would be written outside the worker's directory; pack the folder with relative paths`);
  }
  return join(root, clean);
}

/** Extracts `archive` (already written at `path`) into `root`. */
export function unpackArchive(path: string, name: string, data: Uint8Array, root: string): void {
  if (name.endsWith('.zip')) return unzip(Buffer.from(data.buffer, data.byteOffset, data.byteLength), root);
  const listing = tar(['-tzf', path]);
  for (const entry of listing.split('\n').filter(Boolean)) safeTarget(root, entry);
  tar(['-xzf', path, '-C', root]);
}

function unzip(zip: Buffer, root: string): void {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new FlotillaError('not a zip file: no end-of-central-directory record');
  const entries = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < entries; i++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new FlotillaError('corrupt zip file: bad central directory entry');
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const localOffset = zip.readUInt32LE(offset + 42);
    const entryName = zip.subarray(offset + 46, offset + 46 + nameLength).toString('utf8');
    offset += 46 + nameLength + extraLength + commentLength;
    const target = safeTarget(root, entryName);
    if (entryName.endsWith('/')) {
      mkdirSync(target, { recursive: true });
      continue;
    }
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const raw = zip.subarray(dataStart, dataStart + compressedSize);
    let content: Buffer;
    if (method === 0) content = raw;
    else if (method === 8) content = inflateRawSync(raw);
    else throw new FlotillaError(`zip entry ${entryName} uses compression method ${method}; only stored (0) and deflate (8) are supported`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
}
