/**
 * The wrappers of fixtures/flotilla-wrappers.cjs, typed: they import the package by name
 * (`await import('flotilla')`), as a user's wrapper would, so they run in worker processes and batch
 * jobs alike.
 */
import { createRequire } from 'node:module';
import type { Wrapper } from '../../../src/index.js';

export interface PackageGridKwargs {
  uuidSeed: string;
  ni: number;
  delayMs?: number;
  throwMessage?: string;
  markStart?: boolean;
}

export const { gridTask } = createRequire(import.meta.url)('../fixtures/flotilla-wrappers.cjs') as { gridTask: Wrapper<PackageGridKwargs> };
