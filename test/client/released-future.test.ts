/** Reading the result of a released future: a ReleasedFutureError naming the key and the fix, and the fix works. */
import { describe, expect, it } from 'vitest';
import { Client, FlotillaError, ReleasedFutureError } from '../../src/index.js';

describe('Future.result() on a released handle', () => {
  it('rejects with ReleasedFutureError naming the key; a new submit of the same task gives a readable future', async () => {
    const client = await Client.connect({ mode: 'sync' });
    try {
      const double = (x: number) => x * 2;
      const future = client.submit(double, 21);
      expect(await future).toBe(42);
      future.release();
      const error = await future.result().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(ReleasedFutureError);
      expect(error).toBeInstanceOf(FlotillaError);
      const released = error as ReleasedFutureError;
      expect(released.code).toBe('RELEASED_FUTURE');
      expect(released.key).toBe(future.key);
      expect(released.message).toContain(future.key);
      expect(released.message).toContain('submit the task again');
      await expect(future).rejects.toBeInstanceOf(ReleasedFutureError);
      // The fix the message gives: submit again for a new future.
      const again = client.submit(double, 21);
      expect(await again).toBe(42);
    } finally {
      await client.close();
    }
  });
});
