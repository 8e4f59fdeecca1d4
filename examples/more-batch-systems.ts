/**
 * The job scripts of HTCondor, OAR and Moab clusters, for the same job: 4 cores, 8 GB, 20 minutes.
 * HTCondor's is a submit description (the worker command runs as the arguments of `/bin/sh -c`), OAR's
 * and Moab's are shell scripts with `#OAR` and `#PBS` directives. Runs anywhere (nothing is submitted):
 *
 *   npm run build && node dist/examples/more-batch-systems.js
 */
import { HTCondorCluster, MoabCluster, OARCluster } from 'flotilla';

const job = { cores: 4, memory: '8 GB', walltime: '00:20:00', logDirectory: '/tmp/flotilla-example-logs', dashboardAddress: false, security: false } as const;
const isolated = { config: { path: null, jobqueue: {} }, env: {} };

const htcondor = new HTCondorCluster({ ...job, disk: '10 GB' }, isolated);
const oar = new OARCluster({ ...job, project: 'physics', memoryPerCorePropertyName: 'memcore' }, isolated);
const moab = new MoabCluster({ ...job, account: 'physics' }, isolated);
const clusters = [
  { cluster: htcondor, submit: htcondor.system.submitCommand(htcondor.jobOptions) },
  { cluster: oar, submit: oar.system.submitCommand(oar.jobOptions) },
  { cluster: moab, submit: moab.system.submitCommand(moab.jobOptions) },
];
try {
  for (const { cluster, submit } of clusters) {
    await cluster.ready;
    console.log(`--- ${cluster.name} (${submit.join(' ')}) ---\n${cluster.jobHeader}\n`);
  }
} finally {
  await Promise.all(clusters.map(({ cluster }) => cluster.close()));
}
