import { describe, expect, it } from 'vitest';
import { withCluster } from '../support/with-cluster.js';

describe('a future nobody holds but an await', () => {
  it('is not released by the garbage collector while the caller waits for it', async () => {
    const v8 = await import('node:v8');
    const vm = await import('node:vm');
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    await withCluster({ nWorkers: 1 }, async ({ client }) => {
      const collecting = setInterval(gc, 5);
      try {
        // No variable holds the future: only the await does.
        const value = await client.submit(async (ms: number) => {
          await new Promise((r) => setTimeout(r, ms));
          return 'still wanted';
        }, 300);
        expect(value).toBe('still wanted');
      } finally {
        clearInterval(collecting);
      }
    });
  });
});
