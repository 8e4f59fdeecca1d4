/**
 * `local`: runs job scripts with bash on this machine, as detached processes, so the whole job-queue
 * path (script → submit → worker registers → status → cancel) can be tested without a batch system.
 *
 * - submit: a launcher starts `bash <script>` in a new session (`setsid`) and prints its pid, which
 *   is the job id (and the process group id). Inside the job, `$FLOTILLA_LOCAL_JOB_ID` holds it.
 *   stdout/stderr go to `<logDirectory>/<jobName>-<id>.out|.err`, the exit code to
 *   `<logDirectory>/.flotilla-local-<id>.exit`.
 * - cancel: SIGTERM to the job's process group; the exit code is then 143.
 * - status: from `/proc/<id>` (a live process whose command line is our launcher; zombies count as
 *   ended), else the exit file: `exit 0` → finished, `exit N` → failed, neither → failed (`gone`).
 * There are no directives and no walltime unless one is configured.
 */
import type { BatchSystem, JobQueueOptions, JobState, JobStatusReport } from '../src/jobqueue/index.js';

/** Options of the `local` system, which runs job scripts with bash on this machine (for tests): the shared ones only. */
export type LocalJobOptions = JobQueueOptions;

/** Marks our launcher in /proc/<pid>/cmdline (it is bash's $0), so a reused pid is not mistaken for a job. */
const JOB_MARKER = 'flotilla-local-job';

// $1 log directory, $2 job name, $3 script. Runs in the new session; $$ is the job id. It reports
// the id itself, once it runs under our marker, so a status query right after submission finds it.
const JOB_RUNNER = `
echo $$
exec > /dev/null
export FLOTILLA_LOCAL_JOB_ID=$$
exit_file="$1/.flotilla-local-$$.exit"
rm -f "$exit_file"
trap 'echo 143 > "$exit_file"; exit 143' TERM
bash "$3" > "$1/$2-$$.out" 2> "$1/$2-$$.err" < /dev/null
echo $? > "$exit_file"
`;

// $1 log directory, $2 job name, then the script path appended by the core. Prints the job id.
// The runner gets none of this command's stdio (only a pipe for its id), or the command would not
// return until the job ends.
const LAUNCHER = `exec 3< <(setsid bash -c '${JOB_RUNNER.replace(/'/g, `'\\''`)}' ${JOB_MARKER} "$1" "$2" "$3" < /dev/null 2> /dev/null)
read -r job_id <&3 && echo "$job_id"`;

// $1 log directory, then job ids. Prints "<id>|running", "<id>|exit <code>" or "<id>|gone".
const STATUS = `
dir=$1; shift
for id in "$@"; do
  state=
  if mapfile -d '' argv < "/proc/$id/cmdline" 2>/dev/null && [ "\${argv[3]-}" = ${JOB_MARKER} ]; then
    read -r _ _ process_state _ < "/proc/$id/stat" && [ "$process_state" != Z ] && state=running
  fi
  if [ -z "$state" ]; then
    if [ -f "$dir/.flotilla-local-$id.exit" ]; then state="exit $(cat "$dir/.flotilla-local-$id.exit")"; else state=gone; fi
  fi
  echo "$id|$state"
done
`;

function localState(native: string): JobState {
  if (native === 'running') return 'running';
  if (native === 'exit 0') return 'finished';
  return native.startsWith('exit ') || native === 'gone' ? 'failed' : 'unknown';
}

/** The `local` adapter: bash on this machine, for tests. See the module comment. */
export const local = {
  name: 'local',
  options: {},
  clusterName: 'LocalJobCluster',
  directivePrefix: '',
  defaultWalltime: null,
  twoFieldWalltime: 'minutes:seconds',
  jobIdVariable: 'FLOTILLA_LOCAL_JOB_ID',
  jobIdPattern: /^(?<jobId>\d+)\s*$/m,
  jobGoneOutput: /No such process/i,
  scriptReadAtRunTime: true,

  formatMemory: (bytes) => String(bytes),
  formatWalltime: (seconds) => String(seconds),
  directives: () => [],

  submitCommand: (job) => ['bash', '-c', LAUNCHER, 'flotilla-local-submit', job.logDirectory, job.jobName],
  cancelCommand: (ids) => ['bash', '-c', 'kill -TERM -- "$@"', 'flotilla-local-cancel', ...ids.map((id) => `-${id}`)],
  statusCommand: (ids, job) => ['bash', '-c', STATUS, 'flotilla-local-status', job.logDirectory, ...ids],

  parseStatus(stdout) {
    const reports = new Map<string, JobStatusReport>();
    for (const line of stdout.split('\n')) {
      const [id, native] = line.trim().split('|');
      if (id !== undefined && id !== '' && native !== undefined) reports.set(id, { state: localState(native), native });
    }
    return reports;
  },

  outputFiles: (job, jobId) => ({
    stdout: `${job.logDirectory}/${job.jobName}-${jobId}.out`,
    stderr: `${job.logDirectory}/${job.jobName}-${jobId}.err`,
  }),
} satisfies BatchSystem<LocalJobOptions>;
