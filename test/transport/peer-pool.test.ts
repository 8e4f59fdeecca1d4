import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PeerPool } from '../../src/transport/peer-pool.js';
import { Logger } from '../../src/util/logger.js';

describe('peer pool', () => {
  it('fails the fetches from a worker the scheduler reported gone at once, not at their 30 s time-out, and only those', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peer-pool-'));
    const pool = new PeerPool(new Logger('peer-pool-test', false));
    try {
      // Nobody listens at either address: a worker killed before (or while) it answered.
      const gone = `ipc://${join(dir, 'gone')}`;
      const other = `ipc://${join(dir, 'other')}`;
      const started = performance.now();
      const fromGone = pool.getData(gone, ['x', 'y'], 30_000);
      const fromOther = pool.getData(other, ['z'], 30_000);
      const otherOutcome = fromOther.then(() => 'answered', (error: Error) => error.message);
      pool.abandon(gone, 'exit code 137');
      await expect(fromGone).rejects.toThrow(`worker ${gone} is gone: exit code 137`);
      expect(performance.now() - started).toBeLessThan(30_000);
      expect(await Promise.race([otherOutcome, Promise.resolve('still waiting')])).toBe('still waiting');
      // A later fetch from the same address connects afresh and waits for its own answer.
      const again = pool.getData(gone, ['x'], 30_000).catch((error: Error) => error.message);
      await pool.close();
      expect(await otherOutcome).toBe('peer pool closed');
      expect(await again).toBe('peer pool closed');
    } finally {
      await pool.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
