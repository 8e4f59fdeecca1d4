/** The batch-system adapters, by name. */
import type { BatchSystem, SystemName } from '../src/jobqueue/index.js';
import { local } from './local.js';
import { lsf } from './lsf.js';
import { pbs } from './pbs.js';
import { sge } from './sge.js';
import { slurm } from './slurm.js';

export { local, lsf, pbs, sge, slurm };

/** Every adapter, keyed by its system name. */
export const batchSystems: Readonly<Record<SystemName, BatchSystem>> = { slurm, sge, pbs, lsf, local };
