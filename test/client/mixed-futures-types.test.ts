/**
 * Type tests (checked by `tsc -p tsconfig.test.json`, part of `npm test`): `wait` and `gather` take
 * futures of different result types. The checks live in functions that are never called, so no
 * cluster is needed; the `@ts-expect-error` lines fail the type check if the wrong type is accepted.
 */
import { describe, expectTypeOf, it } from 'vitest';
import { AsCompleted, asCompleted, Client, Future, wait, type WaitResult } from '../../src/index.js';

describe('futures of mixed result types', () => {
  it('wait([futureOfVoid, futureOfNumber]) compiles and keeps the union of results', () => {
    const check = (ofVoid: Future<void>, ofNumber: Future<number>): void => {
      expectTypeOf(wait([ofVoid, ofNumber])).resolves.toEqualTypeOf<WaitResult<void | number>>();
      expectTypeOf(wait([ofNumber])).resolves.toEqualTypeOf<WaitResult<number>>();
      expectTypeOf(wait(new Set([ofNumber]), { returnWhen: 'FIRST_COMPLETED' })).resolves.toEqualTypeOf<WaitResult<number>>();
      // @ts-expect-error the result of mixed futures is not narrowed to one of them
      expectTypeOf(wait([ofVoid, ofNumber])).resolves.toEqualTypeOf<WaitResult<number>>();
      // @ts-expect-error wait takes futures, not plain values
      void wait([1, 2]);
    };
    expectTypeOf(check).toBeFunction();
  });

  it('client.gather of mixed futures keeps each shape', () => {
    const check = (client: Client, ofVoid: Future<void>, ofNumber: Future<number>, ofText: Future<string>): void => {
      expectTypeOf(client.gather([ofVoid, ofNumber])).resolves.toEqualTypeOf<(void | number)[]>();
      expectTypeOf(client.gather({ n: ofNumber, s: ofText, plain: 3 })).resolves.toEqualTypeOf<{ n: number; s: string; plain: number }>();
      expectTypeOf(client.gather(ofText)).resolves.toEqualTypeOf<string>();
      // @ts-expect-error a gathered string is not a number
      expectTypeOf(client.gather(ofText)).resolves.toEqualTypeOf<number>();
    };
    expectTypeOf(check).toBeFunction();
  });
});

describe('asCompleted over futures of mixed result types', () => {
  it('yields each future with the union of their results', () => {
    const check = (ofVoid: Future<void>, ofNumber: Future<number>): void => {
      expectTypeOf(asCompleted([ofVoid, ofNumber])).toEqualTypeOf<AsCompleted<void | number, Future<void> | Future<number>>>();
      expectTypeOf(asCompleted([ofNumber])).toEqualTypeOf<AsCompleted<number, Future<number>>>();
      expectTypeOf(asCompleted([ofVoid, ofNumber], { withResults: true })).toEqualTypeOf<
        AsCompleted<void | number, [Future<void> | Future<number>, void | number | Error]>
      >();
      expectTypeOf(asCompleted([ofNumber], { withResults: true })).toEqualTypeOf<AsCompleted<number, [Future<number>, number | Error]>>();
      // @ts-expect-error the results of mixed futures are not narrowed to one of them
      expectTypeOf(asCompleted([ofVoid, ofNumber], { withResults: true })).toEqualTypeOf<AsCompleted<number, [Future<number>, number | Error]>>();
      // @ts-expect-error asCompleted takes futures, not plain values
      void asCompleted([1, 2]);
    };
    expectTypeOf(check).toBeFunction();
  });
});
