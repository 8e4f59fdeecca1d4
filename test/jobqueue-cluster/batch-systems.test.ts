/**
 * The conformance suite on the testbed's real SLURM, then PBS through the Torque wrappers over the same
 * SLURM (one file, so the two never compete for the node's two CPUs). Skipped with the reason when the
 * testbed is not up; a failure under CI=true.
 */
import { PBSCluster, SLURMCluster } from '../../src/jobqueue-cluster/index.js';
import { TORQUE_BIN, slurmStatus, torqueStatus } from '../hpc/testbed.js';
import { clusterConformance } from './conformance.js';
import { run } from './helpers.js';

clusterConformance('SLURM', (options, context) => new SLURMCluster(options, context), slurmStatus(), {
  refused: { options: { memory: '100 GB' }, output: /Requested node configuration is not available/ },
  // Without -t all, squeue lists only jobs that are pending, running or completing.
  listActiveJobIds: () => run('squeue', ['-h', '-o', '%i']).split('\n').map((line) => line.trim()).filter(Boolean),
  outputFilesExact: true,
});

const torqueEnv = { ...process.env, PATH: `${TORQUE_BIN}:${process.env.PATH ?? ''}` };

clusterConformance('PBS (Torque wrappers over SLURM)', (options, context) => new PBSCluster(options, context), torqueStatus(), {
  baseOptions: { commandPath: TORQUE_BIN },
  // The wrappers do not set PBS_JOBID (slurm-torque's spank_pbs plugin is off on the testbed, as it
  // would affect every SLURM job): stand in for it so workers register with their job id.
  prologue: ['export PBS_JOBID="${PBS_JOBID:-$SLURM_JOB_ID}"'],
  refused: { options: { queue: 'no-such-queue' }, output: /invalid partition specified: no-such-queue/ },
  // Torque's qstat: "Job id  Name  Username  Time Use  S  Queue"; C (completed) stays listed for a while.
  listActiveJobIds: () =>
    run('qstat', [], torqueEnv)
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((columns) => /^\d/.test(columns[0] ?? '') && columns[4] !== 'C')
      .map((columns) => columns[0]!),
  // The wrappers pass their own -o/-e (named after the script file), overriding #PBS -o/-e.
  outputFilesExact: false,
});
