/**
 * The scaling policy without a batch system: scale() arithmetic, which jobs are retired, the adaptive
 * target and its hysteresis, the option checks, and the choice of the scheduler's address.
 */
import { describe, expect, test } from 'vitest';
import { ConfigurationError } from '../../src/errors/index.js';
import {
  AdaptiveHysteresis,
  UNKNOWN_TASK_SECONDS,
  adaptiveJobTarget,
  readWorkload,
  type Workload,
} from '../../src/jobqueue-cluster/adaptive.js';
import { resolveAdaptOptions, resolveClusterOptions } from '../../src/jobqueue-cluster/options.js';
import { schedulerListenAddress } from '../../src/jobqueue-cluster/scheduler-host.js';
import { jobsForRequest, pickJobsToRetire, type RetirementCandidate } from '../../src/jobqueue-cluster/scaling.js';
import type { SchedulerView } from '../../src/scheduler/scheduler-view.js';

const job = { processes: 2, cores: 4, memoryBytes: 8e9 };

describe('scale() requests in whole jobs', () => {
  test('a number is workers, rounded up to whole jobs of `processes` workers', () => {
    expect([0, 1, 2, 3, 4, 5].map((n) => jobsForRequest(n, job))).toEqual([0, 1, 1, 2, 2, 3]);
  });

  test('an object asks for the largest of workers, jobs, cores and memory', () => {
    expect(jobsForRequest({ jobs: 3 }, job)).toBe(3);
    expect(jobsForRequest({ cores: 9 }, job)).toBe(3);
    expect(jobsForRequest({ memory: '16 GB' }, job)).toBe(2);
    expect(jobsForRequest({ memory: '16.5 GB', jobs: 1, cores: 4, workers: 1 }, job)).toBe(3);
    expect(jobsForRequest({ workers: 5, jobs: 1 }, job)).toBe(3);
  });

  test('bad requests name the problem', () => {
    expect(() => jobsForRequest(-1, job)).toThrow(/scale\(n\) expects a whole number ≥ 0, got -1/);
    expect(() => jobsForRequest(1.5, job)).toThrow(ConfigurationError);
    expect(() => jobsForRequest({}, job)).toThrow(/says nothing/);
    expect(() => jobsForRequest({ nodes: 2 } as never, job)).toThrow(/does not know nodes; it accepts workers, jobs, cores, memory/);
    expect(() => jobsForRequest({ memory: 'lots' }, job)).toThrow(ConfigurationError);
  });
});

describe('which jobs are retired', () => {
  const candidate = (jobId: string, fields: Partial<RetirementCandidate> = {}): RetirementCandidate => ({
    jobId,
    connectedEver: true,
    processingTasks: 0,
    storedResults: 0,
    submittedAt: Number(jobId),
    ...fields,
  });

  test('jobs whose workers never connected go first, then the least busy, then those holding fewest results, newest first', () => {
    const jobs = [
      candidate('1', { processingTasks: 3 }),
      candidate('2', { storedResults: 5 }),
      candidate('3'),
      candidate('4', { connectedEver: false }),
      candidate('5', { connectedEver: false }),
      candidate('6', { processingTasks: 1 }),
    ];
    expect(pickJobsToRetire(jobs, 6)).toEqual(['5', '4', '3', '2', '6', '1']);
    expect(pickJobsToRetire(jobs, 2)).toEqual(['5', '4']);
    expect(pickJobsToRetire(jobs, 0)).toEqual([]);
  });

  test('adaptive scale-down only takes idle jobs: no task running, no result held', () => {
    const jobs = [candidate('1', { processingTasks: 1 }), candidate('2', { storedResults: 1 }), candidate('3'), candidate('4', { connectedEver: false })];
    expect(pickJobsToRetire(jobs, 4, true)).toEqual(['4', '3']);
  });
});

describe('the adaptive target', () => {
  const shape = { processes: 2, threadsPerProcess: 2 };
  const limits = { minimumJobs: 0, maximumJobs: 10, targetDurationMs: 1_000 };
  const workload = (fields: Partial<Workload>): Workload => ({ pendingTasks: 0, unplacedTasks: 0, pendingWorkSeconds: 0, freeThreads: 0, ...fields });

  test('enough threads for the pending work in targetDuration, in whole jobs', () => {
    // 20 s of work in 1 s → 20 threads → 10 workers of 2 threads → 5 jobs of 2 workers.
    expect(adaptiveJobTarget(workload({ pendingTasks: 40, unplacedTasks: 40, pendingWorkSeconds: 20 }), 0, shape, limits)).toBe(5);
    expect(adaptiveJobTarget(workload({ pendingTasks: 1, unplacedTasks: 1, pendingWorkSeconds: 0.01 }), 0, shape, limits)).toBe(1);
  });

  test('no work → the minimum; never above the maximum', () => {
    expect(adaptiveJobTarget(workload({}), 3, shape, limits)).toBe(0);
    expect(adaptiveJobTarget(workload({}), 3, shape, { ...limits, minimumJobs: 2 })).toBe(2);
    expect(adaptiveJobTarget(workload({ pendingTasks: 1000, unplacedTasks: 1000, pendingWorkSeconds: 500 }), 0, shape, limits)).toBe(10);
  });

  test('no scaling up while a worker has a free thread or every pending task is already placed', () => {
    const busy = { pendingTasks: 40, pendingWorkSeconds: 20 };
    expect(adaptiveJobTarget(workload({ ...busy, unplacedTasks: 30, freeThreads: 1 }), 2, shape, limits)).toBe(2);
    expect(adaptiveJobTarget(workload({ ...busy, unplacedTasks: 0, freeThreads: 0 }), 2, shape, limits)).toBe(2);
    expect(adaptiveJobTarget(workload({ ...busy, unplacedTasks: 30, freeThreads: 0 }), 2, shape, limits)).toBe(5);
    // Scaling down is not held back by that rule.
    expect(adaptiveJobTarget(workload({ pendingTasks: 2, unplacedTasks: 0, pendingWorkSeconds: 1, freeThreads: 3 }), 4, shape, limits)).toBe(1);
  });

  test('the workload is read from the scheduler state: group means, 0.5 s when unknown, free threads of running workers', () => {
    const task = (state: string, group: string) => ({ state, group });
    const worker = (nthreads: number, processing: number, status = 'running') => ({ info: { nthreads }, processing: new Set(Array(processing).fill(0).map((_, i) => i)), status });
    const state = {
      tasks: new Map([
        ['a', task('queued', 'slow')],
        ['b', task('waiting', 'new')],
        ['c', task('processing', 'slow')],
        ['d', task('memory', 'slow')],
        ['e', task('erred', 'new')],
      ]),
      workers: new Map([
        ['w1', worker(4, 1)],
        ['w2', worker(2, 2)],
        ['w3', worker(8, 0, 'closing')],
      ]),
      durations: { mean: (group: string) => (group === 'slow' ? 2_000_000 : undefined) },
    } as unknown as Pick<SchedulerView, 'tasks' | 'workers' | 'durations'>;
    expect(readWorkload(state)).toEqual({ pendingTasks: 3, unplacedTasks: 2, pendingWorkSeconds: 4 + UNKNOWN_TASK_SECONDS, freeThreads: 3 });
  });

  test('hysteresis: up at once, down only after waitCount checks in a row', () => {
    const hysteresis = new AdaptiveHysteresis(3);
    expect(hysteresis.decide(4, 2)).toEqual({ jobs: 4, action: 'up' });
    expect(hysteresis.decide(1, 4)).toEqual({ jobs: 4, action: 'hold' });
    expect(hysteresis.decide(1, 4)).toEqual({ jobs: 4, action: 'hold' });
    expect(hysteresis.decide(1, 4)).toEqual({ jobs: 1, action: 'down' });
    expect(hysteresis.decide(0, 1)).toEqual({ jobs: 1, action: 'hold' });
    expect(hysteresis.decide(1, 1)).toEqual({ jobs: 1, action: 'hold' }); // resets the count
    expect(hysteresis.decide(0, 1)).toEqual({ jobs: 1, action: 'hold' });
    expect(hysteresis.decide(0, 1)).toEqual({ jobs: 1, action: 'hold' });
    expect(hysteresis.decide(0, 1)).toEqual({ jobs: 0, action: 'down' });
  });
});

describe('adapt() and cluster options', () => {
  test('worker limits become whole jobs: minimum rounded up, maximum rounded down', () => {
    expect(resolveAdaptOptions({ minimum: 3, maximum: 9 }, 4)).toEqual({
      minimumJobs: 1,
      maximumJobs: 2,
      targetDurationMs: 5_000,
      waitCount: 3,
      intervalMs: 1_000,
    });
    expect(resolveAdaptOptions({ minimumJobs: 2, maximumJobs: 5, maximum: 100 }, 4)).toMatchObject({ minimumJobs: 2, maximumJobs: 5 });
    expect(resolveAdaptOptions({}, 4)).toMatchObject({ minimumJobs: 0, maximumJobs: Infinity });
  });

  test('inconsistent limits are refused with the numbers', () => {
    expect(() => resolveAdaptOptions({ maximum: 3 }, 4)).toThrow(/maximum is 3 workers, but each job starts 4 worker processes/);
    expect(() => resolveAdaptOptions({ minimumJobs: 3, maximumJobs: 2 }, 1)).toThrow(/maximum \(2 jobs\) is below the minimum \(3 jobs\)/);
    expect(() => resolveAdaptOptions({ waitCount: 0 }, 1)).toThrow(/waitCount must be a whole number ≥ 1, got 0/);
  });

  test('cluster options: defaults, and refusals that name the option', () => {
    expect(resolveClusterOptions({}, 'SLURMCluster')).toEqual({
      nWorkers: 0,
      security: true,
      sharedDirectory: undefined,
      schedulerPort: 0,
      statusPollMs: 10_000,
      allowedFailures: undefined,
      maxConsecutiveJobFailures: 3,
      commandPath: [],
      closeTimeoutMs: 60_000,
    });
    expect(resolveClusterOptions({ commandPath: '/opt/x/bin' }, 'PBSCluster').commandPath).toEqual(['/opt/x/bin']);
    expect(() => resolveClusterOptions({ nWorkers: -2 }, 'SLURMCluster')).toThrow(/new SLURMCluster\(…\): nWorkers must be a whole number ≥ 0, got -2/);
    expect(() => resolveClusterOptions({ schedulerPort: 70_000 }, 'SGECluster')).toThrow(/schedulerPort must be a whole number from 0 to 65535/);
    expect(() => resolveClusterOptions({ commandPath: '/a:/b' }, 'PBSCluster')).toThrow(/commandPath must be a directory/);
    expect(() => resolveClusterOptions({ security: 'yes' as never }, 'PBSCluster')).toThrow(/security must be true or false, got "yes"/);
  });
});

describe('the scheduler address', () => {
  const interfaces = {
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
    eth0: [
      { address: 'fe80::1', family: 'IPv6', internal: false },
      { address: '10.1.2.3', family: 'IPv4', internal: false },
    ],
    ib0: [{ address: '192.168.7.9', family: 'IPv4', internal: false }],
  } as unknown as NodeJS.Dict<import('node:os').NetworkInterfaceInfo[]>;

  test('host wins, then interface, then the first non-loopback IPv4 address', async () => {
    expect(await schedulerListenAddress({ host: '10.9.9.9', interface: 'ib0' }, interfaces)).toBe('10.9.9.9');
    expect(await schedulerListenAddress({ host: 'localhost' }, interfaces)).toBe('127.0.0.1');
    expect(await schedulerListenAddress({ interface: 'ib0' }, interfaces)).toBe('192.168.7.9');
    expect(await schedulerListenAddress({}, interfaces)).toBe('10.1.2.3');
    expect(await schedulerListenAddress({}, { lo: interfaces.lo })).toBe('127.0.0.1');
  });

  test('an unknown interface lists the ones that exist', async () => {
    await expect(schedulerListenAddress({ interface: 'ib1' }, interfaces)).rejects.toThrow(
      /interface "ib1" does not exist on this machine. Interfaces with an IPv4 address here: lo \(127.0.0.1\), eth0 \(10.1.2.3\), ib0 \(192.168.7.9\)/,
    );
  });
});
