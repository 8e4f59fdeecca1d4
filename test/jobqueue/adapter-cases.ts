/**
 * The cases of the adapter conformance suite: shared option scenarios, and for each adapter the
 * whole scripts they must produce, sample command outputs and what they must parse to.
 */
import { htcondor, local, lsf, moab, oar, pbs, sge, slurm } from '../../cluster-adapters/index.js';
import type { BatchSystem, JobOutputFiles, JobState } from '../../src/jobqueue/index.js';
import { WORKER_CLI as CLI } from './helpers.js';

export const NODE = '/opt/node/bin/node';
export const LOG = '/scratch/u/logs';
export const ADDRESS = 'tcp://10.0.0.1:8786';

export const BASIC = { cores: 8, memory: '16 GB', nodeExecutable: NODE, logDirectory: LOG };
export const FULL = {
  cores: 6,
  processes: 2,
  memory: '28GB',
  walltime: '01:00:00',
  queue: 'debug',
  jobName: 'analysis',
  name: 'nightly',
  jobScriptPrologue: ['module load nodejs/20', 'export OMP_NUM_THREADS=1'],
  jobScriptEpilogue: ['echo "worker exited with $?"'],
  workerExtraArgs: ['--resources', 'GPU=1', '--note', "it's a test"],
  localDirectory: '$TMPDIR/flotilla',
  deathTimeout: 120,
  nodeExecutable: ['/opt/node 20/bin/node', '--max-old-space-size=4096'],
  logDirectory: LOG,
};
export const FULL_PARAMETERS = { securityFile: '/shared/keys/cluster-1.json' };
export const SKIPS = { cores: 4, memory: '8GiB', nodeExecutable: NODE, logDirectory: LOG };
export const TEMPLATE = [
  '{{shebang}}',
  '# {{jobName}} for {{name}}: {{cores}} cores in {{processes}} x {{threads}} threads, {{memory}} ({{memoryBytes}} bytes), walltime {{walltime}}',
  '{{header}}',
  '{{ prologue }}',
  'cd "$HOME" && {{workerCommand}}',
  '{{epilogue}}',
  "# job id in ${{jobIdVariable}} = {{jobId}}, logs in {{logDirectory}}, queue '{{queue}}'",
  '',
].join('\n');

const fullCommand = (idVariable: string, lifetime = '--lifetime 3300 --lifetime-stagger 150 ') =>
  `'/opt/node 20/bin/node' --max-old-space-size=4096 ${CLI} ${ADDRESS} --name "nightly-$${idVariable}" --nthreads 3 ` +
  `--memory-limit 14000000000 --nworkers 2 --death-timeout 120 --local-directory "$TMPDIR/flotilla" ${lifetime}` +
  `--job-id "$${idVariable}" --security-file /shared/keys/cluster-1.json --resources GPU=1 --note 'it'\\''s a test'`;
const skipsCommand = (idVariable: string, lifetime = '--lifetime 1620 --lifetime-stagger 90 ') =>
  `${NODE} ${CLI} ${ADDRESS} --name custom-worker --nthreads 4 --memory-limit 8589934592 --nworkers 1 ` +
  `--death-timeout 60 ${lifetime}--job-id "$${idVariable}"`;
const templateCommand = (name: string, idVariable: string, lifetime = '--lifetime 1620 --lifetime-stagger 90 ') =>
  `${NODE} ${CLI} ${ADDRESS} --name "${name}-$${idVariable}" --nthreads 2 --memory-limit 4000000000 --nworkers 1 ` +
  `--death-timeout 60 ${lifetime}--job-id "$${idVariable}"`;

export interface AdapterCase {
  readonly system: BatchSystem;
  /** Options only this system has, added to the FULL scenario. */
  readonly systemOptions: Record<string, unknown>;
  readonly skip: string[];
  readonly extra: string[];
  readonly expected: { basic: string; full: string; skipsAndExtras: string; template: string };
  /** Real (or documented) submit outputs and the id each holds. */
  readonly submitOutputs: Array<[string, string]>;
  readonly statusSample: string;
  readonly statusExpected: Record<string, [JobState, string]>;
  readonly outputFilesOf123: JobOutputFiles;
}

const PBS_CASE: AdapterCase = {
    system: pbs,
    systemOptions: { account: 'proj42' },
    skip: ['-l select', '-e'],
    extra: ['-l nodes=1:ppn=4', '-j oe'],
    expected: {
      basic: `#!/usr/bin/env bash

#PBS -N flotilla-worker
#PBS -l select=1:ncpus=8:mem=15GB
#PBS -l walltime=00:30:00
#PBS -o ${LOG}/
#PBS -e ${LOG}/

${NODE} ${CLI} ${ADDRESS} --name "PBSCluster-$PBS_JOBID" --nthreads 8 --memory-limit 16000000000 --nworkers 1 --death-timeout 60 --lifetime 1620 --lifetime-stagger 90 --job-id "$PBS_JOBID"
`,
      full: `#!/usr/bin/env bash

#PBS -N analysis
#PBS -q debug
#PBS -A proj42
#PBS -l select=1:ncpus=6:mem=27GB
#PBS -l walltime=01:00:00
#PBS -o ${LOG}/
#PBS -e ${LOG}/

module load nodejs/20
export OMP_NUM_THREADS=1
${fullCommand('PBS_JOBID')}
echo "worker exited with $?"
`,
      skipsAndExtras: `#!/usr/bin/env bash

#PBS -N flotilla-worker
#PBS -l walltime=00:30:00
#PBS -o ${LOG}/
#PBS -l nodes=1:ppn=4
#PBS -j oe

${skipsCommand('PBS_JOBID')}
`,
      template: `#!/usr/bin/env bash
# flotilla-worker for PBSCluster: 2 cores in 1 x 2 threads, 3815MB (4000000000 bytes), walltime 00:30:00
#PBS -N flotilla-worker
#PBS -l select=1:ncpus=2:mem=3815MB
#PBS -l walltime=00:30:00
#PBS -o ${LOG}/
#PBS -e ${LOG}/
cd "$HOME" && ${templateCommand('PBSCluster', 'PBS_JOBID')}
# job id in $PBS_JOBID = $PBS_JOBID, logs in ${LOG}, queue ''
`,
    },
    submitOutputs: [
      ['1234.pbsserver\n', '1234.pbsserver'],
      ['3\n', '3'],
      ['42.head.cluster.example.org\n', '42.head.cluster.example.org'],
    ],
    // Torque-style `qstat` (as printed by the slurm-torque wrappers), plus a truncated PBS Pro id.
    statusSample: `Job id              Name             Username        Time Use S Queue
------------------- ---------------- --------------- -------- - ---------------
3                   pbsjob           root            00:00:00 Q debug
4                   pbsjob           root            00:00:07 R debug
5                   pbsjob           root            00:00:09 C debug
1234.pbs-serv*      flotilla-worker  alice           00:01:02 R workq
`,
    statusExpected: {
      3: ['pending', 'Q'],
      4: ['running', 'R'],
      5: ['finished', 'C'],
      '1234.pbs-serv*': ['running', 'R'],
    },
    outputFilesOf123: { stdout: `${LOG}/flotilla-worker.o123`, stderr: `${LOG}/flotilla-worker.e123` },
  };

export const CASES: AdapterCase[] = [
  {
    system: slurm,
    systemOptions: { account: 'proj42' },
    skip: ['--mem', '-t', '--cpus', '#SBATCH -N 1'],
    extra: ['--mem-per-cpu=2G', '-t 00:10:00', '#SBATCH --exclusive'],
    expected: {
      basic: `#!/usr/bin/env bash

#SBATCH -J flotilla-worker
#SBATCH -e ${LOG}/flotilla-worker-%j.err
#SBATCH -o ${LOG}/flotilla-worker-%j.out
#SBATCH -n 1
#SBATCH -N 1
#SBATCH --cpus-per-task=8
#SBATCH --mem=15G
#SBATCH -t 00:30:00

${NODE} ${CLI} ${ADDRESS} --name "SLURMCluster-$SLURM_JOB_ID" --nthreads 8 --memory-limit 16000000000 --nworkers 1 --death-timeout 60 --lifetime 1620 --lifetime-stagger 90 --job-id "$SLURM_JOB_ID"
`,
      full: `#!/usr/bin/env bash

#SBATCH -J analysis
#SBATCH -e ${LOG}/analysis-%j.err
#SBATCH -o ${LOG}/analysis-%j.out
#SBATCH -p debug
#SBATCH -A proj42
#SBATCH -n 1
#SBATCH -N 1
#SBATCH --cpus-per-task=6
#SBATCH --mem=27G
#SBATCH -t 01:00:00

module load nodejs/20
export OMP_NUM_THREADS=1
${fullCommand('SLURM_JOB_ID')}
echo "worker exited with $?"
`,
      skipsAndExtras: `#!/usr/bin/env bash

#SBATCH -J flotilla-worker
#SBATCH -e ${LOG}/flotilla-worker-%j.err
#SBATCH -o ${LOG}/flotilla-worker-%j.out
#SBATCH -n 1
#SBATCH --cpus-per-task=4
#SBATCH --mem-per-cpu=2G
#SBATCH -t 00:10:00
#SBATCH --exclusive

${skipsCommand('SLURM_JOB_ID')}
`,
      template: `#!/usr/bin/env bash
# flotilla-worker for SLURMCluster: 2 cores in 1 x 2 threads, 4G (4000000000 bytes), walltime 00:30:00
#SBATCH -J flotilla-worker
#SBATCH -e ${LOG}/flotilla-worker-%j.err
#SBATCH -o ${LOG}/flotilla-worker-%j.out
#SBATCH -n 1
#SBATCH -N 1
#SBATCH --cpus-per-task=2
#SBATCH --mem=4G
#SBATCH -t 00:30:00
cd "$HOME" && ${templateCommand('SLURMCluster', 'SLURM_JOB_ID')}
# job id in $SLURM_JOB_ID = $SLURM_JOB_ID, logs in ${LOG}, queue ''
`,
    },
    submitOutputs: [
      ['17\n', '17'],
      ['17;localcluster\n', '17'],
      ['Submitted batch job 1\n', '1'],
    ],
    // Lines as printed by `squeue -h -t all -o '%i|%T'` on the testbed.
    statusSample: '10|COMPLETED\n12|RUNNING\n13|PENDING\n15|FAILED\n2|CANCELLED\n16|COMPLETING\n',
    statusExpected: {
      10: ['finished', 'COMPLETED'],
      12: ['running', 'RUNNING'],
      13: ['pending', 'PENDING'],
      15: ['failed', 'FAILED'],
      2: ['failed', 'CANCELLED'],
      16: ['running', 'COMPLETING'],
    },
    outputFilesOf123: { stdout: `${LOG}/flotilla-worker-123.out`, stderr: `${LOG}/flotilla-worker-123.err` },
  },
  {
    system: sge,
    systemOptions: { project: 'proj42', resourceSpec: 'h_vmem=6G,mem_free=4G' },
    skip: ['-l h_rt', '-cwd', '-S'],
    extra: ['-pe smp 4', '-l h_vmem=3G', '-l h_rt=00:10:00'],
    expected: {
      basic: `#!/usr/bin/env bash

#$ -N flotilla-worker
#$ -l h_rt=00:30:00
#$ -o ${LOG}/flotilla-worker-$JOB_ID.out
#$ -e ${LOG}/flotilla-worker-$JOB_ID.err
#$ -cwd
#$ -S /bin/bash

${NODE} ${CLI} ${ADDRESS} --name "SGECluster-$JOB_ID" --nthreads 8 --memory-limit 16000000000 --nworkers 1 --death-timeout 60 --lifetime 1620 --lifetime-stagger 90 --job-id "$JOB_ID"
`,
      full: `#!/usr/bin/env bash

#$ -N analysis
#$ -q debug
#$ -P proj42
#$ -l h_vmem=6G,mem_free=4G
#$ -l h_rt=01:00:00
#$ -o ${LOG}/analysis-$JOB_ID.out
#$ -e ${LOG}/analysis-$JOB_ID.err
#$ -cwd
#$ -S /bin/bash

module load nodejs/20
export OMP_NUM_THREADS=1
${fullCommand('JOB_ID')}
echo "worker exited with $?"
`,
      skipsAndExtras: `#!/usr/bin/env bash

#$ -N flotilla-worker
#$ -o ${LOG}/flotilla-worker-$JOB_ID.out
#$ -e ${LOG}/flotilla-worker-$JOB_ID.err
#$ -pe smp 4
#$ -l h_vmem=3G
#$ -l h_rt=00:10:00

${skipsCommand('JOB_ID')}
`,
      template: `#!/usr/bin/env bash
# flotilla-worker for SGECluster: 2 cores in 1 x 2 threads, 3815M (4000000000 bytes), walltime 00:30:00
#$ -N flotilla-worker
#$ -l h_rt=00:30:00
#$ -o ${LOG}/flotilla-worker-$JOB_ID.out
#$ -e ${LOG}/flotilla-worker-$JOB_ID.err
#$ -cwd
#$ -S /bin/bash
cd "$HOME" && ${templateCommand('SGECluster', 'JOB_ID')}
# job id in $JOB_ID = $JOB_ID, logs in ${LOG}, queue ''
`,
    },
    submitOutputs: [
      ['2\n', '2'],
      ['Your job 1 ("sgetest") has been submitted\n', '1'],
    ],
    // `qstat -xml` as printed on the testbed.
    statusSample: `<?xml version='1.0'?>
<job_info  xmlns:xsd="http://arc.liv.ac.uk/repos/darcs/sge/source/dist/util/resources/schemas/qstat/qstat.xsd">
  <queue_info>
    <job_list state="running">
      <JB_job_number>9</JB_job_number>
      <JAT_prio>0.75000</JAT_prio>
      <JB_name>run1</JB_name>
      <JB_owner>root</JB_owner>
      <state>r</state>
      <JAT_start_time>2026-11-21T10:16:38</JAT_start_time>
      <queue_name>all.q@vm</queue_name>
      <slots>1</slots>
    </job_list>
  </queue_info>
  <job_info>
    <job_list state="pending">
      <JB_job_number>11</JB_job_number>
      <JAT_prio>0.25000</JAT_prio>
      <JB_name>pend3</JB_name>
      <JB_owner>root</JB_owner>
      <state>qw</state>
      <JB_submission_time>2026-11-21T10:16:39</JB_submission_time>
      <queue_name></queue_name>
      <slots>1</slots>
    </job_list>
    <job_list state="pending">
      <JB_job_number>13</JB_job_number>
      <JAT_prio>0.50000</JAT_prio>
      <JB_name>err5</JB_name>
      <JB_owner>root</JB_owner>
      <state>Eqw</state>
      <JB_submission_time>2026-11-21T10:16:39</JB_submission_time>
      <queue_name></queue_name>
      <slots>1</slots>
    </job_list>
  </job_info>
</job_info>
`,
    statusExpected: { 9: ['running', 'r'], 11: ['pending', 'qw'], 13: ['failed', 'Eqw'] },
    outputFilesOf123: { stdout: `${LOG}/flotilla-worker-123.out`, stderr: `${LOG}/flotilla-worker-123.err` },
  },
  PBS_CASE,
  {
    system: lsf,
    systemOptions: { project: 'proj42', lsfUnits: 'KB' },
    skip: ['-R', '-M'],
    extra: ['-R "rusage[mem=2000]"', '-x'],
    expected: {
      basic: `#!/usr/bin/env bash

#BSUB -J flotilla-worker
#BSUB -o ${LOG}/flotilla-worker-%J.out
#BSUB -e ${LOG}/flotilla-worker-%J.err
#BSUB -n 8
#BSUB -R "span[hosts=1]"
#BSUB -M 16000MB
#BSUB -W 00:30

${NODE} ${CLI} ${ADDRESS} --name "LSFCluster-$LSB_JOBID" --nthreads 8 --memory-limit 16000000000 --nworkers 1 --death-timeout 60 --lifetime 1620 --lifetime-stagger 90 --job-id "$LSB_JOBID"
`,
      full: `#!/usr/bin/env bash

#BSUB -J analysis
#BSUB -o ${LOG}/analysis-%J.out
#BSUB -e ${LOG}/analysis-%J.err
#BSUB -q debug
#BSUB -P "proj42"
#BSUB -n 6
#BSUB -R "span[hosts=1]"
#BSUB -M 28000000
#BSUB -W 01:00

module load nodejs/20
export OMP_NUM_THREADS=1
${fullCommand('LSB_JOBID')}
echo "worker exited with $?"
`,
      skipsAndExtras: `#!/usr/bin/env bash

#BSUB -J flotilla-worker
#BSUB -o ${LOG}/flotilla-worker-%J.out
#BSUB -e ${LOG}/flotilla-worker-%J.err
#BSUB -n 4
#BSUB -W 00:30
#BSUB -R "rusage[mem=2000]"
#BSUB -x

${skipsCommand('LSB_JOBID')}
`,
      template: `#!/usr/bin/env bash
# flotilla-worker for LSFCluster: 2 cores in 1 x 2 threads, 4000MB (4000000000 bytes), walltime 00:30
#BSUB -J flotilla-worker
#BSUB -o ${LOG}/flotilla-worker-%J.out
#BSUB -e ${LOG}/flotilla-worker-%J.err
#BSUB -n 2
#BSUB -R "span[hosts=1]"
#BSUB -M 4000MB
#BSUB -W 00:30
cd "$HOME" && ${templateCommand('LSFCluster', 'LSB_JOBID')}
# job id in $LSB_JOBID = $LSB_JOBID, logs in ${LOG}, queue ''
`,
    },
    submitOutputs: [['Job <123> is submitted to queue <normal>.\n', '123']],
    statusSample: `JOBID   USER    STAT  QUEUE      FROM_HOST   EXEC_HOST   JOB_NAME   SUBMIT_TIME
1234    alice   RUN   normal     login1      node17      flotilla-worker Nov 21 10:16
1235    alice   PEND  normal     login1                  flotilla-worker Nov 21 10:16
1236    alice   EXIT  normal     login1      node18      flotilla-worker Nov 21 10:16
1237    alice   DONE  normal     login1      node18      flotilla-worker Nov 21 10:16
`,
    statusExpected: {
      1234: ['running', 'RUN'],
      1235: ['pending', 'PEND'],
      1236: ['failed', 'EXIT'],
      1237: ['finished', 'DONE'],
    },
    outputFilesOf123: { stdout: `${LOG}/flotilla-worker-123.out`, stderr: `${LOG}/flotilla-worker-123.err` },
  },
  {
    system: local,
    systemOptions: {},
    skip: ['-t'],
    extra: ['# an extra header line'],
    expected: {
      basic: `#!/usr/bin/env bash

${NODE} ${CLI} ${ADDRESS} --name "LocalJobCluster-$FLOTILLA_LOCAL_JOB_ID" --nthreads 8 --memory-limit 16000000000 --nworkers 1 --death-timeout 60 --job-id "$FLOTILLA_LOCAL_JOB_ID"
`,
      full: `#!/usr/bin/env bash

module load nodejs/20
export OMP_NUM_THREADS=1
${fullCommand('FLOTILLA_LOCAL_JOB_ID')}
echo "worker exited with $?"
`,
      skipsAndExtras: `#!/usr/bin/env bash

# an extra header line

${skipsCommand('FLOTILLA_LOCAL_JOB_ID', '')}
`,
      template: `#!/usr/bin/env bash
# flotilla-worker for LocalJobCluster: 2 cores in 1 x 2 threads, 4000000000 (4000000000 bytes), walltime 
cd "$HOME" && ${templateCommand('LocalJobCluster', 'FLOTILLA_LOCAL_JOB_ID', '')}
# job id in $FLOTILLA_LOCAL_JOB_ID = $FLOTILLA_LOCAL_JOB_ID, logs in ${LOG}, queue ''
`,
    },
    submitOutputs: [['31337\n', '31337']],
    statusSample: '100|running\n101|exit 0\n102|exit 3\n103|gone\n104|exit 143\n',
    statusExpected: {
      100: ['running', 'running'],
      101: ['finished', 'exit 0'],
      102: ['failed', 'exit 3'],
      103: ['failed', 'gone'],
      104: ['failed', 'exit 143'],
    },
    outputFilesOf123: { stdout: `${LOG}/flotilla-worker-123.out`, stderr: `${LOG}/flotilla-worker-123.err` },
  },
  {
    system: htcondor,
    // HTCondor has no queues: the shared scenario's queue is taken out (refusing it is tested in dask-parity).
    systemOptions: { disk: '4 GB', queue: undefined },
    skip: ['RequestDisk', 'Stream_Error'],
    extra: ['+ProjectName = "physics"', 'requirements = (OpSysAndVer == "CentOS7")'],
    expected: {
      basic: `#!/usr/bin/env condor_submit

batch_name = flotilla-worker
RequestCpus = 8
RequestMemory = 15259
Environment = "FLOTILLA_HTCONDOR_JOB_ID=$(ClusterId).$(ProcId)"
Output = ${LOG}/flotilla-worker-$(ClusterId).$(ProcId).out
Error = ${LOG}/flotilla-worker-$(ClusterId).$(ProcId).err
Log = ${LOG}/flotilla-worker-$(ClusterId).log
Stream_Output = True
Stream_Error = True

Arguments = "-c '${NODE} ${CLI} ${ADDRESS} --name ""HTCondorCluster-$FLOTILLA_HTCONDOR_JOB_ID"" --nthreads 8 --memory-limit 16000000000 --nworkers 1 --death-timeout 60 --job-id ""$FLOTILLA_HTCONDOR_JOB_ID""'"
Executable = /bin/sh

Queue
`,
      full: `#!/usr/bin/env condor_submit

batch_name = analysis
RequestCpus = 6
RequestMemory = 26703
RequestDisk = 3906250
Environment = "FLOTILLA_HTCONDOR_JOB_ID=$(ClusterId).$(ProcId)"
Output = ${LOG}/analysis-$(ClusterId).$(ProcId).out
Error = ${LOG}/analysis-$(ClusterId).$(ProcId).err
Log = ${LOG}/analysis-$(ClusterId).log
Stream_Output = True
Stream_Error = True

Arguments = "-c 'module load nodejs/20; export OMP_NUM_THREADS=1; ''/opt/node 20/bin/node'' --max-old-space-size=4096 ${CLI} ${ADDRESS} --name ""nightly-$FLOTILLA_HTCONDOR_JOB_ID"" --nthreads 3 --memory-limit 14000000000 --nworkers 2 --death-timeout 120 --local-directory ""$TMPDIR/flotilla"" --lifetime 3300 --lifetime-stagger 150 --job-id ""$FLOTILLA_HTCONDOR_JOB_ID"" --security-file /shared/keys/cluster-1.json --resources GPU=1 --note ''it''\\''''s a test''; echo ""worker exited with $?""'"
Executable = /bin/sh

Queue
`,
      skipsAndExtras: `#!/usr/bin/env condor_submit

batch_name = flotilla-worker
RequestCpus = 4
RequestMemory = 8192
Environment = "FLOTILLA_HTCONDOR_JOB_ID=$(ClusterId).$(ProcId)"
Output = ${LOG}/flotilla-worker-$(ClusterId).$(ProcId).out
Error = ${LOG}/flotilla-worker-$(ClusterId).$(ProcId).err
Log = ${LOG}/flotilla-worker-$(ClusterId).log
Stream_Output = True
+ProjectName = "physics"
requirements = (OpSysAndVer == "CentOS7")

Arguments = "-c '${NODE} ${CLI} ${ADDRESS} --name custom-worker --nthreads 4 --memory-limit 8589934592 --nworkers 1 --death-timeout 60 --job-id ""$FLOTILLA_HTCONDOR_JOB_ID""'"
Executable = /bin/sh

Queue
`,
      template: `#!/usr/bin/env condor_submit
# flotilla-worker for HTCondorCluster: 2 cores in 1 x 2 threads, 3815 (4000000000 bytes), walltime 
batch_name = flotilla-worker
RequestCpus = 2
RequestMemory = 3815
Environment = "FLOTILLA_HTCONDOR_JOB_ID=$(ClusterId).$(ProcId)"
Output = ${LOG}/flotilla-worker-$(ClusterId).$(ProcId).out
Error = ${LOG}/flotilla-worker-$(ClusterId).$(ProcId).err
Log = ${LOG}/flotilla-worker-$(ClusterId).log
Stream_Output = True
Stream_Error = True
cd "$HOME" && ${NODE} ${CLI} ${ADDRESS} --name "HTCondorCluster-$FLOTILLA_HTCONDOR_JOB_ID" --nthreads 2 --memory-limit 4000000000 --nworkers 1 --death-timeout 60 --job-id "$FLOTILLA_HTCONDOR_JOB_ID"
# job id in $FLOTILLA_HTCONDOR_JOB_ID = $FLOTILLA_HTCONDOR_JOB_ID, logs in ${LOG}, queue ''
`,
    },
    submitOutputs: [
      ['Submitting job(s).\n1 job(s) submitted to cluster 12.\n', '12.0'],
      ['1 job(s) submitted to cluster 7.\n', '7.0'],
    ],
    // `condor_q <ids> -af:j JobStatus`, as the HTCondor manual documents it.
    statusSample: '12.0 1\n13.0 2\n14.0 5\n15.0 4\n16.0 3\n',
    statusExpected: { '12.0': ['pending', 'Idle'], '13.0': ['running', 'Running'], '14.0': ['pending', 'Held'], '15.0': ['finished', 'Completed'], '16.0': ['failed', 'Removed'] },
    outputFilesOf123: { stdout: `${LOG}/flotilla-worker-123.out`, stderr: `${LOG}/flotilla-worker-123.err` },
  },
  {
    system: oar,
    systemOptions: { project: 'proj42', memoryPerCorePropertyName: 'memcore' },
    skip: ['-l', '-O'],
    extra: ['-t besteffort', '-l /nodes=1/core=4,walltime=00:10:00'],
    expected: {
      basic: `#!/usr/bin/env bash

#OAR -n flotilla-worker
#OAR -l /nodes=1/core=8,walltime=00:30:00
#OAR -O ${LOG}/flotilla-worker-%jobid%.out
#OAR -E ${LOG}/flotilla-worker-%jobid%.err

${NODE} ${CLI} ${ADDRESS} --name "OARCluster-$OAR_JOB_ID" --nthreads 8 --memory-limit 16000000000 --nworkers 1 --death-timeout 60 --lifetime 1620 --lifetime-stagger 90 --job-id "$OAR_JOB_ID"
`,
      full: `#!/usr/bin/env bash

#OAR -n analysis
#OAR -q debug
#OAR --project proj42
#OAR -l /nodes=1/core=6,walltime=01:00:00
#OAR -O ${LOG}/analysis-%jobid%.out
#OAR -E ${LOG}/analysis-%jobid%.err
#OAR -p memcore>=4451

module load nodejs/20
export OMP_NUM_THREADS=1
'/opt/node 20/bin/node' --max-old-space-size=4096 ${CLI} ${ADDRESS} --name "nightly-$OAR_JOB_ID" --nthreads 3 --memory-limit 14000000000 --nworkers 2 --death-timeout 120 --local-directory "$TMPDIR/flotilla" --lifetime 3300 --lifetime-stagger 150 --job-id "$OAR_JOB_ID" --security-file /shared/keys/cluster-1.json --resources GPU=1 --note 'it'\\''s a test'
echo "worker exited with $?"
`,
      skipsAndExtras: `#!/usr/bin/env bash

#OAR -n flotilla-worker
#OAR -E ${LOG}/flotilla-worker-%jobid%.err
#OAR -t besteffort
#OAR -l /nodes=1/core=4,walltime=00:10:00

${NODE} ${CLI} ${ADDRESS} --name custom-worker --nthreads 4 --memory-limit 8589934592 --nworkers 1 --death-timeout 60 --lifetime 1620 --lifetime-stagger 90 --job-id "$OAR_JOB_ID"
`,
      template: `#!/usr/bin/env bash
# flotilla-worker for OARCluster: 2 cores in 1 x 2 threads, 3815 (4000000000 bytes), walltime 00:30:00
#OAR -n flotilla-worker
#OAR -l /nodes=1/core=2,walltime=00:30:00
#OAR -O ${LOG}/flotilla-worker-%jobid%.out
#OAR -E ${LOG}/flotilla-worker-%jobid%.err
cd "$HOME" && ${NODE} ${CLI} ${ADDRESS} --name "OARCluster-$OAR_JOB_ID" --nthreads 2 --memory-limit 4000000000 --nworkers 1 --death-timeout 60 --lifetime 1620 --lifetime-stagger 90 --job-id "$OAR_JOB_ID"
# job id in $OAR_JOB_ID = $OAR_JOB_ID, logs in ${LOG}, queue ''
`,
    },
    submitOutputs: [
      ['[ADMISSION RULE] Modify resource description with type constraints\nOAR_JOB_ID=4242\n', '4242'],
      ['OAR_JOB_ID=7\n', '7'],
    ],
    // `oarstat -s -j <id> …`, as the OAR manual documents it.
    statusSample: '4242: Running\n4243: Waiting\n4244: Terminated\n4245: Error\n4246: Finishing\n',
    statusExpected: { 4242: ['running', 'Running'], 4243: ['pending', 'Waiting'], 4244: ['finished', 'Terminated'], 4245: ['failed', 'Error'], 4246: ['running', 'Finishing'] },
    outputFilesOf123: { stdout: `${LOG}/flotilla-worker-123.out`, stderr: `${LOG}/flotilla-worker-123.err` },
  },
  // Moab writes the PBS directives: the same scripts, with its own cluster name and job-id variable.
  {
    ...PBS_CASE,
    system: moab,
    expected: Object.fromEntries(
      Object.entries(PBS_CASE.expected).map(([scenario, script]) => [scenario, script.replaceAll('PBSCluster', 'MoabCluster').replaceAll('PBS_JOBID', 'MOAB_JOBID')]),
    ) as AdapterCase['expected'],
    submitOutputs: [
      ['\n12345\n', '12345'],
      ['Moab.77\n', 'Moab.77'],
    ],
    // `showq -w user=<you>`, as the Moab manual documents it: sections, headers and summary lines are not jobs.
    statusSample: `active jobs------------------------
JOBID              USERNAME      STATE PROCS   REMAINING            STARTTIME

12345                 alice    Running     8    00:29:10  Thu Dec  3 12:00:00

1 active job               8 of 64 processors in use by local jobs (12.50%)

eligible jobs----------------------
JOBID              USERNAME      STATE PROCS     WCLIMIT            QUEUETIME

12346                 alice       Idle     8    00:30:00  Thu Dec  3 12:01:00

blocked jobs-----------------------
JOBID              USERNAME      STATE PROCS     WCLIMIT            QUEUETIME

Moab.12347            alice  BatchHold     8    00:30:00  Thu Dec  3 12:01:30

Total jobs:  3
`,
    statusExpected: { 12345: ['running', 'Running'], 12346: ['pending', 'Idle'], 'Moab.12347': ['pending', 'BatchHold'] },
    outputFilesOf123: { stdout: `${LOG}/flotilla-worker.o123`, stderr: `${LOG}/flotilla-worker.e123` },
  },
];
