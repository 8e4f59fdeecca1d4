/**
 * Arguments are encoded first without names (no message is put together per task); a refused argument
 * is encoded again with its call named, so the error still says which call and which argument.
 */
import { describe, expect, it } from 'vitest';
import { Client, FlotillaError, SerializationError } from '../../src/index.js';

describe('errors about the arguments of submit and map', () => {
  it('name the map element and the argument: a value that cannot be sent, a released future, a future of another client', async () => {
    const client = await Client.connect({ mode: 'sync' });
    const other = await Client.connect({ mode: 'sync' });
    try {
      const id = (x: unknown) => x;
      const unsendable = (): string => 'a function';
      expect(() => client.map(id, [1, 2, unsendable])).toThrow(SerializationError);
      expect(() => client.map(id, [1, 2, unsendable])).toThrow(/argument 1 of map \(element 2\) cannot be sent/);

      const kept = client.submit(id, 'kept');
      const released = client.submit(id, 'released');
      await released;
      released.release();
      const error = (() => {
        try {
          client.map(id, [kept, kept, released]);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(FlotillaError);
      expect((error as Error).message).toContain(`argument of map (element 2) holds future ${released.key}, which was released`);

      const foreign = other.submit(id, 'foreign');
      expect(() => client.submit(id, foreign)).toThrow(`argument of submit holds future ${foreign.key} of another client`);

      // Good arguments, futures of this client among them, still go through.
      expect(await client.gather(client.map((x: unknown) => x, [kept, 7]))).toEqual(['kept', 7]);
    } finally {
      await other.close();
      await client.close();
    }
  });
});
