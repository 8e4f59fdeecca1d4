import { describe, expect, it } from 'vitest';
import type { ProfileData } from '../../src/protocol/messages.js';
import { OTHER, flameGraph } from '../../src/profile/flame.js';
import { mergeProfiles } from '../../src/profile/tree.js';

/** A worker's samples: `wide` distinct leaf functions under one caller, each with `i + 1` samples, and one hot one. */
function samples(wide: number, hot: number): ProfileData {
  const frames = { name: ['task', 'hot'], url: ['a.js', 'a.js'], line: [1, 2], column: [1, 1] };
  const nodes = { parent: [-1, 0], frame: [0, 1], self: [0, hot] };
  for (let i = 0; i < wide; i++) {
    frames.name.push(`leaf${i}${i === 7 ? 'x'.repeat(10_000) : ''}`);
    frames.url.push('b.js');
    frames.line.push(i + 1);
    frames.column.push(1);
    nodes.parent.push(0);
    nodes.frame.push(frames.name.length - 1);
    nodes.self.push(1 + (i % 5));
  }
  return { intervalMs: 10, start: 1, stop: 2, frames, nodes };
}

function checkWidths(graph: ReturnType<typeof flameGraph>): void {
  const { nodes } = graph;
  const below = new Array<number>(nodes.name.length).fill(0);
  for (let i = 1; i < nodes.name.length; i++) {
    expect(nodes.parent[i]!).toBeLessThan(i);
    below[nodes.parent[i]!] += nodes.count[i]!;
  }
  // A box is exactly as wide as its own samples plus its callees' boxes: nothing is lost in merging.
  for (let i = 0; i < nodes.name.length; i++) expect(below[i]! + nodes.self[i]!).toBe(nodes.count[i]);
}

describe('flameGraph', () => {
  it('keeps a huge profile to the box limit, heaviest frames first, the rest summed into (other)', () => {
    const { tree } = mergeProfiles({ a: samples(30_000, 5_000), b: samples(20_000, 4_000) });
    const graph = flameGraph(tree, 500);
    expect(graph.nodes.name.length).toBeLessThanOrEqual(500);
    expect(graph.total).toBe(tree.count);
    expect(graph.nodes.name[0]).toBe('(all)');
    expect(graph.nodes.count[0]).toBe(tree.count);
    // task, then hot (the heaviest callee), then the leaves; the leaves left out are one (other) box.
    expect(graph.nodes.name.slice(1, 3)).toEqual(['task', 'hot']);
    expect(graph.nodes.count[2]).toBe(9_000);
    const others = graph.nodes.name.map((n, i) => [n, i] as const).filter(([n]) => n === OTHER);
    expect(others).toHaveLength(1);
    expect(graph.nodes.parent[others[0]![1]]).toBe(1);
    expect(graph.merged).toBe(30_000 - (graph.nodes.name.length - 4));
    // The kept leaves are the heaviest ones (5 samples each: 1 + 4 on both workers).
    const kept = graph.nodes.name.map((n, i) => i).filter((i) => graph.nodes.name[i]!.startsWith('leaf'));
    for (const i of kept) expect(graph.nodes.count[i]).toBe(10);
    checkWidths(graph);
    // No name grows the answer without bound.
    expect(Math.max(...graph.nodes.name.map((n) => n.length))).toBeLessThanOrEqual(240);
    expect(JSON.stringify(graph).length).toBeLessThan(100_000);
  });

  it('keeps every frame of a small profile, and gives an empty one only its root', () => {
    const { tree } = mergeProfiles({ a: samples(10, 50) });
    const graph = flameGraph(tree);
    expect(graph.nodes.name).toHaveLength(13);
    expect(graph.merged).toBe(0);
    expect(graph.nodes.name).not.toContain(OTHER);
    checkWidths(graph);
    const empty = flameGraph(mergeProfiles({}).tree);
    expect(empty.nodes.name).toEqual(['(all)']);
    expect(empty.total).toBe(0);
  });
});
