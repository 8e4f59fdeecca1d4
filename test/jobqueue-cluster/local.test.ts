/** The conformance suite on the `local` adapter: job scripts run with bash on this machine (always runs). */
import { LocalJobCluster } from '../../src/jobqueue-cluster/index.js';
import { clusterConformance } from './conformance.js';
import { processesMentioning } from './helpers.js';

clusterConformance(
  'local',
  (options, context) => new LocalJobCluster(options, context),
  { available: true, reason: 'bash on this machine' },
  {
    // The local adapter's job runner carries this marker in its command line; its pid is the job id.
    listActiveJobIds: () => processesMentioning('flotilla-local-job').map(String),
    outputFilesExact: true,
  },
);
