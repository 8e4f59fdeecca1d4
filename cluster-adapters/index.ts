/**
 * The batch-system adapters that come with flotilla, by name: the registry that the cluster classes,
 * the config file's sections and the `FLOTILLA_JOBQUEUE__<SYSTEM>__…` variables are checked against.
 */
import type { BatchSystem } from '../src/jobqueue/index.js';
import { htcondor } from './htcondor.js';
import { local } from './local.js';
import { lsf } from './lsf.js';
import { moab } from './moab.js';
import { oar } from './oar.js';
import { pbs } from './pbs.js';
import { sge } from './sge.js';
import { slurm } from './slurm.js';

export { htcondor, local, lsf, moab, oar, pbs, sge, slurm };
export type { HTCondorJobOptions } from './htcondor.js';
export type { LocalJobOptions } from './local.js';
export type { LSFJobOptions } from './lsf.js';
export type { MoabJobOptions } from './moab.js';
export type { OARJobOptions } from './oar.js';
export type { PBSJobOptions } from './pbs.js';
export type { SGEJobOptions } from './sge.js';
export type { SLURMJobOptions } from './slurm.js';

/** Every built-in adapter, keyed by its system name, in the order they are listed in messages. */
export const batchSystems = { slurm, sge, pbs, lsf, htcondor, oar, moab, local } as const;

/** The name of a built-in batch system: `'slurm' | 'sge' | 'pbs' | 'lsf' | 'htcondor' | 'oar' | 'moab' | 'local'`. */
export type SystemName = keyof typeof batchSystems;

/** Every built-in system name, in the order of {@link batchSystems}. */
export const SYSTEM_NAMES = Object.keys(batchSystems) as readonly SystemName[];

/** The built-in adapters as a list, for `ResolveContext.systems`. */
export const BUILT_IN_SYSTEMS: readonly BatchSystem[] = Object.values(batchSystems);
