/**
 * Issue 3's object-store figure: the 800 MB broadcast workload's peak RSS per worker. (Scatter and
 * gather are the bench's `scatterGather` workload, next to raw zeromq.js moving the same bytes.)
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** Runs examples/object-store.js (800 MB broadcast to 2 workers × 2 threads) and reads its figures. */
export async function benchObjectStore(options: { megabytes?: number } = {}): Promise<Record<string, number>> {
  const megabytes = options.megabytes ?? 800;
  const example = fileURLToPath(new URL('../examples/object-store.js', import.meta.url));
  const child = spawn(process.execPath, [example, String(megabytes)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`object-store example exited with ${code}: ${output}`);
  const ratios = [...output.matchAll(/peak RSS (\d+) MB = ([\d.]+) ×/g)].map((m) => Number(m[2]));
  const broadcast = /broadcast to 2 workers in ([\d.]+) s/.exec(output);
  if (ratios.length !== 2) throw new Error(`could not read two peak RSS figures from: ${output}`);
  return { megabytes, peakRssRatioMax: Math.max(...ratios), peakRssRatioMin: Math.min(...ratios), broadcastSeconds: Number(broadcast?.[1] ?? NaN) };
}
