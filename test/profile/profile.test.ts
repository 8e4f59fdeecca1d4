import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { topFunctions, type ProfileNode } from '../../src/index.js';
import { withCluster } from '../support/with-cluster.js';

/** Spends about `n` loop turns in `spinHot`, a function that calls nothing. */
function hotTask(n: number): number {
  function spinHot(count: number): number {
    let x = 0;
    for (let i = 0; i < count; i++) x = (x + i * 7) % 1_000_003;
    return x;
  }
  return spinHot(n);
}

/** The same work in a function of another name. */
function otherTask(n: number): number {
  function spinOther(count: number): number {
    let x = 0;
    for (let i = 0; i < count; i++) x = (x + i * 5) % 1_000_033;
    return x;
  }
  return spinOther(n);
}

const TURNS = 60_000_000;
const dir = mkdtempSync(join(tmpdir(), 'flotilla-profile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function find(node: ProfileNode, name: string): ProfileNode | undefined {
  if (node.name === name) return node;
  for (const child of node.children) {
    const hit = find(child, name);
    if (hit) return hit;
  }
  return undefined;
}

describe('client.profile', () => {
  it('a task that spends its time in one function makes it dominate; key and group filter by task', async () => {
    await withCluster({ nWorkers: 2, threadsPerWorker: 1 }, async ({ client }) => {
      const hot = client.map(hotTask, [TURNS, TURNS + 1, TURNS + 2]);
      const other = client.submit(otherTask, TURNS);
      await client.gather([...hot, other]);

      const all = await client.profile();
      expect(all.workers.length).toBe(2);
      expect(all.count).toBeGreaterThan(0);
      const top = topFunctions(all, 3);
      expect(top[0]!.name).toBe('spinHot');
      // Three hot tasks against one other: spinHot has more than twice the samples of anything else.
      expect(top[0]!.self).toBeGreaterThan(2 * top[1]!.self);
      expect(find(all, 'spinHot')!.file).toMatch(/profile\.test\.ts$/);

      const hotOnly = await client.profile({ group: 'hotTask' });
      expect(topFunctions(hotOnly, 1)[0]!.name).toBe('spinHot');
      expect(topFunctions(hotOnly, 1)[0]!.self / hotOnly.count).toBeGreaterThan(0.5);
      expect(find(hotOnly, 'spinOther')).toBeUndefined();

      const otherOnly = await client.profile({ key: other });
      expect(topFunctions(otherOnly, 1)[0]!.name).toBe('spinOther');
      expect(find(otherOnly, 'spinHot')).toBeUndefined();

      const before = await client.profile({ stop: all.start - 1 });
      expect(before.count).toBe(0);
    });
  }, 90_000);

  it('filename writes a .cpuprofile with the structure DevTools and speedscope read', async () => {
    await withCluster({ nWorkers: 1, threadsPerWorker: 2 }, async ({ client }) => {
      await client.gather(client.map(hotTask, [TURNS / 2, TURNS / 2 + 1]));
      const file = join(dir, 'nested', 'run.cpuprofile');
      const tree = await client.profile({ filename: file });
      expect(existsSync(file)).toBe(true);
      const profile = JSON.parse(readFileSync(file, 'utf8')) as {
        nodes: Array<{ id: number; callFrame: { functionName: string; scriptId: string; url: string; lineNumber: number; columnNumber: number }; hitCount: number; children: number[] }>;
        startTime: number; endTime: number; samples: number[]; timeDeltas: number[];
      };
      expect(Object.keys(profile).sort()).toEqual(['endTime', 'nodes', 'samples', 'startTime', 'timeDeltas']);
      const ids = new Set(profile.nodes.map((n) => n.id));
      expect(ids.size).toBe(profile.nodes.length);
      expect(profile.nodes[0]!.callFrame.functionName).toBe('(root)');
      const parents = new Map<number, number>();
      for (const node of profile.nodes) {
        expect(Number.isInteger(node.id) && node.id > 0).toBe(true);
        expect(typeof node.callFrame.scriptId).toBe('string');
        expect(node.callFrame.lineNumber).toBeGreaterThanOrEqual(0);
        for (const child of node.children) {
          expect(ids.has(child)).toBe(true);
          expect(parents.has(child)).toBe(false);
          parents.set(child, node.id);
        }
      }
      // A tree: every node but the root has exactly one parent.
      expect(parents.size).toBe(profile.nodes.length - 1);
      expect(profile.samples.length).toBe(tree.count);
      expect(profile.timeDeltas.length).toBe(profile.samples.length);
      for (const id of profile.samples) expect(ids.has(id)).toBe(true);
      for (const delta of profile.timeDeltas) expect(delta).toBeGreaterThanOrEqual(0);
      expect(profile.nodes.reduce((n, node) => n + node.hitCount, 0)).toBe(profile.samples.length);
      const last = profile.startTime + profile.timeDeltas.reduce((a, b) => a + b, 0);
      expect(profile.endTime).toBeGreaterThanOrEqual(last);
      const hottest = profile.nodes.reduce((a, b) => (b.hitCount > a.hitCount ? b : a));
      expect(hottest.callFrame.functionName).toBe('spinHot');
    });
  }, 90_000);
});
