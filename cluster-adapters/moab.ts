/**
 * Moab (over Torque or PBS): the PBS directives and options, submitted with `msub`, cancelled with
 * `canceljob`, followed with `showq`. As dask-jobqueue's `moab.py`, only the commands differ from PBS.
 *
 * Inside the job `$MOAB_JOBID` holds the id `msub` printed. `showq` lists waiting, running and blocked
 * jobs; an ended job leaves it (the tracker then counts it ended).
 */
import { userInfo } from 'node:os';
import type { BatchSystem, JobState, JobStatusReport } from '../src/jobqueue/index.js';
import { pbs, type PBSJobOptions } from './pbs.js';

/** Options of Moab jobs: those of PBS (`account`, `resourceSpec`). */
export type MoabJobOptions = PBSJobOptions;

/** showq's STATE column → flotilla's states. */
const MOAB_STATES: Readonly<Record<string, JobState>> = {
  Idle: 'pending',
  Starting: 'pending',
  Deferred: 'pending',
  Hold: 'pending',
  UserHold: 'pending',
  SystemHold: 'pending',
  BatchHold: 'pending',
  Blocked: 'pending',
  NotQueued: 'pending',
  Running: 'running',
  Suspended: 'running',
  Completed: 'finished',
  Removed: 'failed',
  Vacated: 'failed',
};

/** The Moab adapter. See the module comment. */
export const moab = {
  ...pbs,
  name: 'moab',
  clusterName: 'MoabCluster',
  jobIdVariable: 'MOAB_JOBID',
  // msub prints the id alone on a line, e.g. "12345" or "Moab.12".
  jobIdPattern: /^\s*(?<jobId>(?:Moab\.)?\d+(?:\.[\w.-]+)?)\s*$/m,
  // canceljob: "ERROR: invalid job specified", "cannot locate job".
  jobGoneOutput: /invalid job|cannot locate job|not found/i,

  submitCommand: () => ['msub'],
  cancelCommand: (ids) => ['canceljob', ...ids],
  statusCommand: () => ['showq', '-w', `user=${userInfo().username}`],

  parseStatus(stdout) {
    // Rows of "JOBID USERNAME STATE PROCS REMAINING STARTTIME" under "active jobs", "eligible jobs", "blocked jobs".
    const reports = new Map<string, JobStatusReport>();
    for (const line of stdout.split('\n')) {
      const [id, , native] = line.trim().split(/\s+/);
      const state = native === undefined ? undefined : MOAB_STATES[native];
      // Summary lines ("1 active job …") also start with a number: only rows with a state word are jobs.
      if (id === undefined || !/^(?:Moab\.)?\d/.test(id) || native === undefined || state === undefined) continue;
      reports.set(id, { state, native });
    }
    return reports;
  },
} satisfies BatchSystem<MoabJobOptions>;
