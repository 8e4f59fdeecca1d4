import { describe, expect, it } from 'vitest';
import { runExample } from '../support/run-example.js';

/** Runs a compiled example: it must end with code 0 and print exactly `lines` on stdout (stderr aside). */
async function expectStdout(file: string, lines: string[]): Promise<void> {
  const { code, stdout, output } = await runExample(file);
  expect(code, output).toBe(0);
  expect(stdout).toBe([...lines, ''].join('\n'));
}

describe('examples run and print what they promise', () => {
  it('what-travels: a constant, a helper, a class, a package import and a relative module import travel with the task', async () => {
    const { code, output } = await runExample('examples/what-travels.js');
    expect(code, output).toBe(0);
    expect(output).toContain('0.2 mm is low (run-7.txt)\n0.6 mm is high (run-7.txt)\n1.5 mm is high (run-7.txt)');
  }, 60_000);

  it('futures: status, retry, cancel, release, a growing asCompleted, a view, fire-and-forget, Lock, Event, progress', async () => {
    const { code, output } = await runExample('examples/futures.js');
    expect(code, output).toBe(0);
    expect(output).toContain([
      'the current client: true',
      '<Future double-21 finished>: 42 (done true, finished)',
      'view.run on every worker: ran here',
      'first: the first try fails (error)',
      'after retry: the second try works (finished)',
      'cancelled: true (cancelled)',
      'released: true, reading it: ReleasedFutureError (double-21)',
      'asCompleted holds 3',
      'read 2 and 4, then stopped with 1 left unread',
      'fire-and-forget: written by a forgotten task',
      'lock held: true',
      'event set: true, after clear: false',
      'progress: 4/4 done (100%), in <t> s',
      'task stream: runs recorded',
    ].join('\n'));
  }, 60_000);

  it('errors: the classes a task meets, what each carries, and the codes of the others', async () => {
    const { code, output } = await runExample('examples/errors.js');
    expect(code, output).toBe(0);
    expect(output).toContain([
      'TASK_ERROR: RangeError in parse-7: line 7 is out of range; remote stack starts "RangeError: line 7 is out of range"',
      'TIMEOUT: waitForWorkers(3) timed out after 100 ms',
      'CANCELLED: keys true',
      'FUNCTION_SHIPPING: a bound function is refused at submit',
      'KILLED_WORKER: its key, after 1 worker death(s)',
      'all FlotillaError: true',
      'other codes: SerializationError SERIALIZATION, ConfigurationError CONFIGURATION, AuthenticationError AUTHENTICATION, ProtocolError PROTOCOL, ' +
        'InvalidTransitionError INVALID_TRANSITION, LostResultError LOST, JobSubmissionError JOB_SUBMISSION, JobCleanupError JOB_CLEANUP',
    ].join('\n'));
  }, 60_000);

  it('building-blocks: a SchedulerServer and two WorkerNodes started by hand, a client on its address, retire and remove', async () => {
    const { code, output } = await runExample('examples/building-blocks.js');
    expect(code, output).toBe(0);
    expect(output).toContain([
      'scheduler true at tcp://127.0.0.1:<port>, heartbeats every 500 ms',
      'worker left: serves data at a tcp address, files in its own directory, log in a file',
      'worker right: serves data at a tcp address, files in its own directory, log in a file',
      'sums: 55, 5050; joined: left, right',
      'scheduler: 2 workers (left, right), 2 tasks, 2 task runs recorded',
      'profile of left: collected',
      'after retiring left: 1 worker(s); left says: asked to close by the scheduler: not needed; its failure: none',
      'sums still there: 55, 5050',
      'after removing right: 0 worker(s); the end of its log is kept: true',
    ].join('\n'));
  }, 60_000);

  it('setup-hooks: setups and an uploaded module reach a worker that joined later', async () => {
    const { code, output } = await runExample('examples/setup-hooks.js');
    expect(code, output).toBe(0);
    expect(output).toContain('1000 m: 14.28 s (OMP_NUM_THREADS=1)');
    expect(output).toMatch(/local-1 log: \d+ task lines, e\.g\. \[local-1\] \[fall-[0-9a-f]+\] \[physics\] falling from/);
    expect(output).toContain('after unregisterWorkerSetup: local-0 1, local-1 1, local-2 unset');
  }, 60_000);

  it('object-store: a broadcast array gives the local mean and std, and reports memory per worker', async () => {
    const { code, output } = await runExample('examples/object-store.js', ['64']);
    expect(code, output).toBe(0);
    expect(output).toMatch(/array: 64 MB/);
    expect(output).toMatch(/default split here: 1 worker process × \d+ threads \(one copy per node\); Dask would split 64 cores into 8 processes/);
    expect(output).toMatch(/8 tasks in [\d.]+ s: mean ([-\d.]+) std ([\d.]+); local: mean \1 std \2/);
    expect(output.match(/local-\d: peak RSS \d+ MB = [\d.]+ × the array/g)).toHaveLength(2);
  }, 60_000);
  it('cluster-control: getClient, fireAndForget, rebalance, replicate, retireWorkers and restart', async () => {
    const { code, output } = await runExample('examples/cluster-control.js');
    expect(code, output).toBe(0);
    expect(output).toContain('sum of squares below 10, computed by subtasks: 285');
    expect(output).toContain('fire-and-forget wrote: total 285');
    expect(output).toContain('rebalance spread 6 chunks over 3 workers');
    expect(output).toContain('replicate: the first chunk is on 3 workers');
    expect(output).toContain('retired local-0; the chunks are still there: means 1 2 3 4 5 6');
    expect(output).toContain('after restart: chunk futures are cancelled, 2 workers ready');
  }, 60_000);
  it('coordination: Event, Variable, Queue and Lock between tasks, and a dataset read by another client', async () => {
    const { code, output } = await runExample('examples/coordination.js');
    expect(code, output).toBe(0);
    expect(output).toContain('produced 6, consumed sum 150');
    expect(output).toContain('log lines: 6');
    expect(output).toContain('datasets ["squares"]: [1,4,9]');
    expect(output).toContain('after unpublish: []; queue size 0');
  }, 60_000);

  it('dask-semantics: map keys, asCompleted with errors, retry, cancel across clients, dashboard link', async () => {
    const { code, output } = await runExample('examples/dask-semantics.js');
    expect(code, output).toBe(0);
    expect(output).toContain('keys: step-<hash>, step-<hash>, alpha, beta');
    expect(output).toContain('results: [2,3,11,21]');
    expect(output.match(/error: no settings file at <file>/g)).toHaveLength(2);
    expect(output).toContain('after retry: [100,200]');
    expect(output).toContain('cancelled here: cancelled; the other client still gets 42');
    expect(output).toContain('dashboard (told by the scheduler): same link as the cluster');
  }, 60_000);

  it('actors: a streaming prefix counter and an expensive model, as in Ray\'s stateful workloads', async () => {
    const { code, output } = await runExample('examples/actors.js');
    expect(code, output).toBe(0);
    expect(output).toContain('streamed 200 documents to 2 counters (100 + 100 each); prefix counts match a local count: true');
    expect(output).toContain('most frequent prefix: flo × 1092');
    expect(output).toMatch(/2 models, each built once, served 20 \+ 20 batches; class 1 predicted (\d+) times \(local model: \1\)/);
    expect(output).toContain('fragile counted 1, 2; the crashing call failed with ActorLostError; restarted, it counts 1 again');
  }, 60_000);
  it('part-store: two task files recombined into one, copies consolidated, read, iterated, appended; a bad line and a missing part', async () => {
    await expectStdout('examples/part-store.js', [
      'task 0: 2 parts (grid refers to 1 part)',
      'task 1: 2 parts (grid refers to 1 part)',
      'canonical JSON: {"epsg":23031,"units":"m"}',
      'recombined: 3 parts written, 1 consolidated, 1 equivalence',
      "combined: 3 parts, 1 equivalence; task 1's crs is known: true, stands for task 0's crs",
      'read back from the combined file',
      'lines: crs, grid, equivalence, grid',
      'after append: 4 parts',
      'PartStoreFormatError: line 2 of broken.jsonl',
      'RecombinationError for task_0.jsonl; 0 of 1 inputs recombined',
    ]);
  }, 60_000);

  it('multiprocessing-failures: each failing keyword set fails alone; requireSuccess rejects with the failed indices and why', async () => {
    await expectStdout('examples/multiprocessing-failures.js', [
      'successes: true, false, false, false, true',
      'MultiprocessingError: failed indices 1, 2, 3 of 5; recombined anyway: 2 parts',
      '  1: RangeError: keyword set 1 is out of range',
      '  2: WrapperResultError for index 2',
      '  3: OutputFileMissingError (the file it named)',
    ]);
  }, 90_000);

  it('job-queue-local: a LocalJobCluster tells its options, keys, workers and jobs, and adapts down with its log saying so', async () => {
    await expectStdout('examples/job-queue-local.js', [
      'LocalJobCluster: nWorkers 0, closeTimeoutMs 60000, scheduler in this process: true',
      "keys for clients: CURVE; the workers' credentials file has mode 600",
      'dashboard: an http link',
      '2 workers, 2 threads; LocalJobCluster: 2 jobs running (ids <id>, <id>) with 2 workers connected',
      "sum of squares on the jobs' workers: 30",
      'submissions without a known job id: 0',
      'adaptive: active true, shrank to 1 worker: true',
      "after stop: active false; the cluster's log said: retiring job <id> (adaptive scale-down)",
    ]);
  }, 120_000);

  it('job-queue-errors: a refused submit, a job still listed after close, an adapter that is not one; all FlotillaErrors', async () => {
    await expectStdout('examples/job-queue-errors.js', [
      'JobSubmissionError: bash exited with 1; stdout "checking limits", stderr "error: QOSMaxSubmitJobPerUserLimit"',
      'JobCleanupError: still listed 4242 (running)',
      'ConfigurationError: new JobQueueCluster has no batch system: it needs a batch-system adapter (such as `slurm` from cluster-adapters) ' +
        'and got an object without submitCommand (["cores","memory"]), perhaps the job options',
      'all FlotillaErrors: JobSubmissionError=JOB_SUBMISSION, JobCleanupError=JOB_CLEANUP, ConfigurationError=CONFIGURATION',
    ]);
  }, 60_000);

  it('performance-report: a report of a body, one written though the body threw, and the dashboardAddress forms', async () => {
    await expectStdout('examples/performance-report.js', [
      '8 simulations; report: an HTML page naming the group: true',
      'failing body: "step 3 diverged"; report written: true',
      'dashboardAddress 8787: {"port":8787}',
      'dashboardAddress ":0": {"port":0}',
      'dashboardAddress "127.0.0.1:8787": {"host":"127.0.0.1","port":8787}',
      'dashboardAddress "http://[::1]:9000": {"host":"::1","port":9000}',
      `ConfigurationError: dashboardAddress "port eighty" is not a port or 'host:port'`,
    ]);
  }, 60_000);

  it('cluster-status: names, pids, totals and describeWorkers of a LocalCluster; its log and the scheduler\'s on a join and a replacement', async () => {
    await expectStdout('examples/cluster-status.js', [
      'workers: local-0, local-1, local-2; 3 registered, 6 threads, 3 GB in all',
      'process ids: 3 distinct processes, none of them this one: true',
      'describeWorkers: the LocalCluster runs 3 workers, 3 registered',
      'the scheduler logged: worker local-2 joined from <address> with 2 threads',
      'the cluster logged: worker local-0 (pid <pid>) killed by SIGKILL; starting a replacement',
      'after the replacement: 3 workers, new pid: true',
    ]);
  }, 90_000);

  it('secede: on one thread, a watcher that keeps its thread waits in vain; one that secedes lets the writer run', async () => {
    await expectStdout('examples/secede.js', [
      'without secede: the watcher gave up after 20 looks',
      'with secede: the watcher saw the file',
    ]);
  }, 60_000);

  it('cluster-handle: a ClusterHandle over an in-process scheduler gives the client a local link and its time-out phrase', async () => {
    await expectStdout('examples/cluster-handle.js', [
      'squares 1, 4, 9, 16 through 1 local link; the worker still dialled tcp',
      'a time-out names what the handle says: true',
    ]);
  }, 60_000);

  it('profile.ts names the hottest function of the task group', async () => {
    const { code, output } = await runExample('examples/profile.js');
    expect(code).toBe(0);
    expect(output).toMatch(/hottest function: stepParticles/);
  }, 60_000);
});
