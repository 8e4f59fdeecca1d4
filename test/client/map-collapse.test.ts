/**
 * A map whose calls repeat their arguments says once how many collapsed, and its advice
 * (`pure: false`) runs every call.
 */
import { describe, expect, it } from 'vitest';
import { Client } from '../../src/index.js';
import { hintLog } from '../../src/client/collapse-hint.js';

describe('map over identical arguments', () => {
  it('logs once how many calls collapsed; with pure: false every call runs', async () => {
    const lines: string[] = [];
    hintLog.addSink((line) => lines.push(line));
    const client = await Client.connect({ mode: 'threads', nWorkers: 1, threadsPerWorker: 2 });
    try {
      const simulate = (seed: number) => seed + Math.random();
      const pure = await client.gather(client.map(simulate, Array(10).fill(1)));
      expect(new Set(pure).size).toBe(1);
      const hints = lines.filter((l) => l.includes('map(simulate'));
      expect(hints).toHaveLength(1);
      expect(hints[0]).toContain('map(simulate, …): 9 of 10 calls have the same arguments as an earlier call and share its key, so only 1 task runs');
      expect(hints[0]).toContain('use client.with({ pure: false }).map(simulate, …)');
      // Once per function: a second collapsing map says nothing more.
      await client.gather(client.map(simulate, Array(4).fill(2)));
      expect(lines.filter((l) => l.includes('map(simulate'))).toHaveLength(1);
      // The advice, run as written.
      const each = await client.gather(client.with({ pure: false }).map(simulate, Array(10).fill(1)));
      expect(new Set(each).size).toBe(10);
      // Distinct arguments say nothing.
      await client.gather(client.map((x: number) => x * 2, [1, 2, 3]));
      expect(lines).toHaveLength(1);
    } finally {
      await client.close();
    }
  }, 60_000);
});
