/**
 * What travels with a function, end to end on a real LocalCluster. The callers are plain Node
 * scripts (fixtures/), as users run them: this file's own code is transformed by the test runner,
 * theirs is not.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { distFile } from '../../src/util/package-paths.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'flotilla-travels-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function runScript(file: string, args: string[] = [], cwd?: string): Promise<{ code: number | null; output: string; results: Map<string, unknown> }> {
  const child = spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd, env: { ...process.env, FLOTILLA_DASHBOARD_ADDRESS: 'false' } });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  const results = new Map<string, unknown>();
  for (const match of output.matchAll(/^RESULT (\S+) (.*)$/gm)) results.set(match[1]!, JSON.parse(match[2]!));
  return { code, output, results };
}

describe('a task function carries what it reads', () => {
  it('constants, helpers, classes, recursion, closures, imports of every kind, import.meta; snapshots; the size limit and its fix; stacks', async () => {
    const { code, output, results } = await runScript(join(fixtures, 'travel-main.mjs'));
    expect(code, output).toBe(0);
    expect(results.get('everything'), output).toEqual({
      classify: 'big', vec: 5, vec3: 7, rows: 3, basename: 'run.txt', yaml: 7, smooth: [0.7], twice: 1.4, stepName: 'steps',
      dynamic: 10, even: true, scaled: 20, triple: 6, largest: 9, meta: true, dirname: true,
    });
    expect(results.get('map')).toEqual(['small', 'big']);
    expect(results.get('run')).toEqual(['big']);
    // The first submit of a function object takes the snapshot; a new function object takes a new one.
    expect(results.get('snapshot')).toEqual([1, 1, 2]);
    const big = results.get('big') as { refused: boolean; message: string };
    expect(big.refused).toBe(true);
    expect(big.message).toMatch(/captures `big` \(2\.3 MB.*more than the 1\.0 MB.*client\.scatter\(\[big\]\)/);
    // …and the advice, run as written, works.
    expect(results.get('bigFixed')).toBe(42);
    expect(results.get('namespace')).toContain("reads the module namespace `lateOs`, but no `import` of it was found at the top of the function's module. Import it there with `import * as lateOs from '…'`, or inside the function with `const lateOs = await import('…')`");
    expect(results.get('namespaceFixed')).toBe('\n');
    const { message, stack } = results.get('stack') as { message: string; stack: string };
    expect(message).toBe('exploded at 3');
    // Remote stacks name the caller's file and the lines of the functions, not the shipped copy.
    expect(stack).toMatch(/at explode \(file:\/\/.*\/fixtures\/travel-main\.mjs:54:9\)/);
    expect(stack).toMatch(/at failDeep \(file:\/\/.*\/fixtures\/travel-main\.mjs:52:31\)/);
    expect(stack).not.toMatch(/fn-failDeep-/);
  }, 60_000);

  it("notebook cells as tslab compiles them: another cell's helper and constant (exports.name), and tslab's import() rewrite", async () => {
    const { code, output, results } = await runScript(join(fixtures, 'travel-cells.mjs'));
    expect(code, output).toBe(0);
    expect(results.get('cells'), output).toEqual(['big', 'function', 0.5, 'b.txt']);
    expect(results.get('sameCell'), output).toBe('y.txt0.5');
    expect(results.get('missing')).toMatch(/reads `exports\.notYetDefined`, which is not defined in the caller.*Define `notYetDefined` first/);
    expect(results.get('definedLater')).toBe(2);
  }, 60_000);

  it('a CommonJS caller: require results (package, built-in, relative, destructured) and __dirname', async () => {
    const { code, output, results } = await runScript(join(fixtures, 'travel-commonjs.cjs'));
    expect(code, output).toBe(0);
    expect(results.get('commonjs'), output).toEqual([7, 'travel-commonjs.cjs', 2, true]);
  }, 60_000);

  it('a package the worker cannot find: the error says where it looked and how to make it find it; doing so works', async () => {
    const project = join(scratch, 'project');
    mkdirSync(join(project, 'node_modules', 'fakepkg'), { recursive: true });
    writeFileSync(join(project, 'node_modules', 'fakepkg', 'package.json'), JSON.stringify({ name: 'fakepkg', version: '1.0.0', type: 'module', exports: './index.js' }));
    writeFileSync(join(project, 'node_modules', 'fakepkg', 'index.js'), 'export const answer = () => 42;\n');
    writeFileSync(join(project, 'main.mjs'), `
import { renameSync } from 'node:fs';
import { answer } from 'fakepkg';
import { Client, LocalCluster } from ${JSON.stringify(pathToFileURL(distFile('src/index.js')).href)};
// Simulates workers that do not see the caller's packages.
if (process.argv[2] === 'hide') renameSync(new URL('./node_modules', import.meta.url), new URL('./node_modules.hidden', import.meta.url));
const cluster = new LocalCluster({ nWorkers: 1, threadsPerWorker: 1 });
const client = await Client.connect(cluster);
try {
  console.log('RESULT answer ' + JSON.stringify(await client.submit(() => answer()).result()));
} catch (error) {
  console.log('RESULT error ' + JSON.stringify({ name: error.name, message: error.message }));
}
try {
  // import() inside the task finds packages the same way.
  console.log('RESULT dynamic ' + JSON.stringify(await client.submit(async () => (await import('fakepkg')).answer()).result()));
} catch (error) {
  console.log('RESULT dynamicError ' + JSON.stringify({ name: error.name, message: error.message }));
} finally {
  await client.close();
  await cluster.close();
}
`);
    const hidden = await runScript(join(project, 'main.mjs'), ['hide'], project);
    expect(hidden.code, hidden.output).toBe(0);
    const error = hidden.results.get('error') as { name: string; message: string };
    expect(error.name, hidden.output).toBe('FunctionShippingError');
    expect(error.message).toContain(`imports 'fakepkg' (in ${join(project, 'main.mjs')}), which the worker on`);
    expect(error.message).toContain(`It looked in ${join(project, 'node_modules')}`);
    expect(error.message).toContain(`Install it where those paths reach (cd ${project} && npm install fakepkg)`);
    const dynamicError = hidden.results.get('dynamicError') as { name: string; message: string };
    expect(dynamicError.name, hidden.output).toBe('FunctionShippingError');
    expect(dynamicError.message).toContain(`It looked in ${join(project, 'node_modules')}`);
    // The fix: the package installed where the worker looks.
    renameSync(join(project, 'node_modules.hidden'), join(project, 'node_modules'));
    const fixed = await runScript(join(project, 'main.mjs'), [], project);
    expect(fixed.code, fixed.output).toBe(0);
    expect(fixed.results.get('answer'), fixed.output).toBe(42);
    expect(fixed.results.get('dynamic'), fixed.output).toBe(42);
  }, 60_000);
});
