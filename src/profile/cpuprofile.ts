/**
 * Writes merged samples as a `.cpuprofile` (the format of Chrome DevTools' Performance panel, also
 * read by speedscope): the call tree as `nodes` with ids, then one node id per sample in time order
 * with the microseconds since the previous one.
 */
import type { ProfileData } from '../protocol/messages.js';
import type { ProfileNode, ProfileTree } from './tree.js';
import type { CpuProfile, CpuProfileNode } from './v8-profile.js';

/** The `.cpuprofile` of a merged tree; `byWorker` must hold each worker's samples (`timeline`). */
export function toCpuProfile(tree: ProfileTree, byWorker: Record<string, ProfileData>, nodesOf: Map<string, ProfileNode[]>): CpuProfile {
  const ids = new Map<ProfileNode, number>();
  const scripts = new Map<string, string>([['', '0']]);
  const nodes: CpuProfileNode[] = [];
  const stack: ProfileNode[] = [tree];
  while (stack.length > 0) {
    const node = stack.pop()!;
    ids.set(node, nodes.length + 1);
    let scriptId = scripts.get(node.file);
    if (scriptId === undefined) scripts.set(node.file, (scriptId = String(scripts.size)));
    nodes.push({
      id: nodes.length + 1,
      callFrame: { functionName: node === tree ? '(root)' : node.name, scriptId, url: node.file, lineNumber: Math.max(0, node.line - 1), columnNumber: Math.max(0, node.column - 1) },
      hitCount: node === tree ? 0 : node.self,
      children: [],
    });
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  const byId = new Map(nodes.map((n) => [n.id, n]));
  for (const [node, id] of ids) byId.get(id)!.children = node.children.map((child) => ids.get(child)!);

  const timeline: Array<[number, number]> = [];
  for (const [worker, data] of Object.entries(byWorker)) {
    const mine = nodesOf.get(worker) ?? [];
    const samples = data.samples;
    if (!samples) continue;
    for (let i = 0; i < samples.time.length; i++) {
      const node = mine[samples.node[i]!];
      if (node) timeline.push([samples.time[i]!, ids.get(node)!]);
    }
  }
  timeline.sort((a, b) => a[0] - b[0]);
  const startTime = Math.round((timeline[0]?.[0] ?? tree.start) * 1000);
  const times = timeline.map(([t]) => Math.round(t * 1000));
  const timeDeltas = times.map((t, i) => t - (i === 0 ? startTime : times[i - 1]!));
  const endTime = Math.max(startTime, Math.round(tree.stop * 1000), times[times.length - 1] ?? startTime);
  return { nodes, startTime, endTime, samples: timeline.map(([, id]) => id), timeDeltas };
}
