import { describe, expect, test } from 'vitest';
import { sge, slurm } from '../../cluster-adapters/index.js';
import { JobTracker, type BatchSystem, type JobStatusReport } from '../../src/jobqueue/index.js';
import { resolveIsolated } from './helpers.js';

const LOG = '/scratch/logs';

function tracker(system: BatchSystem = slurm, missingPollsBeforeEnded?: number) {
  let clock = 1_000;
  const job = resolveIsolated(system, { cores: 1, memory: '1 GB', logDirectory: LOG });
  const instance = new JobTracker(system, job, {
    now: () => (clock += 1_000),
    ...(missingPollsBeforeEnded === undefined ? {} : { missingPollsBeforeEnded }),
  });
  return instance;
}

const report = (state: JobStatusReport['state'], native: string): JobStatusReport => ({ state, native });

describe('JobTracker', () => {
  test('a job moves pending → running → finished from status reports', () => {
    const jobs = tracker();
    expect(jobs.add('101')).toMatchObject({ jobId: '101', state: 'pending', workersSeen: 0, submittedAt: 2_000 });
    expect(jobs.applyStatuses(new Map([['101', report('pending', 'PENDING')]]))).toEqual([]);
    expect(jobs.get('101')?.native).toBe('PENDING');
    expect(jobs.applyStatuses(new Map([['101', report('running', 'RUNNING')]]))).toEqual([
      { jobId: '101', from: 'pending', to: 'running', native: 'RUNNING', endedBeforeWorkersConnected: false, message: 'job 101 is running (RUNNING)' },
    ]);
    jobs.markWorkerSeen('101');
    const [ended] = jobs.applyStatuses(new Map([['101', report('finished', 'COMPLETED')]]));
    expect(ended).toMatchObject({ from: 'running', to: 'finished', endedBeforeWorkersConnected: false });
    expect(jobs.get('101')).toMatchObject({ state: 'finished', startedAt: 3_000, endedAt: 4_000, workersSeen: 1 });
    expect(jobs.activeJobIds()).toEqual([]);
  });

  test('a worker registering proves the job runs', () => {
    const jobs = tracker();
    jobs.add('7');
    expect(jobs.markWorkerSeen('7')).toMatchObject({ from: 'pending', to: 'running' });
    expect(jobs.markWorkerSeen('7')).toBeUndefined();
    expect(jobs.get('7')?.workersSeen).toBe(2);
    expect(jobs.markWorkerSeen('not-ours')).toBeUndefined();
  });

  test('a job that ends before its workers connect is reported with its id, state and output files', () => {
    const jobs = tracker();
    jobs.add('123');
    const [transition] = jobs.applyStatuses(new Map([['123', report('failed', 'FAILED')]]));
    expect(transition).toEqual({
      jobId: '123',
      from: 'pending',
      to: 'failed',
      native: 'FAILED',
      endedBeforeWorkersConnected: true,
      message: `job 123 ended (FAILED) before its workers connected; see ${LOG}/flotilla-worker-123.err and ${LOG}/flotilla-worker-123.out`,
    });
  });

  test('states never move backwards, and ended jobs stay ended', () => {
    const jobs = tracker();
    jobs.add('5');
    jobs.applyStatuses(new Map([['5', report('running', 'RUNNING')]]));
    expect(jobs.applyStatuses(new Map([['5', report('pending', 'REQUEUED')]]))).toEqual([]);
    expect(jobs.get('5')?.state).toBe('running');
    jobs.applyStatuses(new Map([['5', report('failed', 'TIMEOUT')]]));
    expect(jobs.applyStatuses(new Map([['5', report('running', 'RUNNING')]]))).toEqual([]);
    expect(jobs.get('5')).toMatchObject({ state: 'failed', native: 'TIMEOUT' });
  });

  test('a job flotilla cancelled ends as finished, not as a failure', () => {
    const jobs = tracker();
    jobs.add('9');
    jobs.markCancelled('9');
    const [transition] = jobs.applyStatuses(new Map([['9', report('failed', 'CANCELLED')]]));
    expect(transition).toMatchObject({ to: 'finished', native: 'CANCELLED', endedBeforeWorkersConnected: false });
    expect(jobs.get('9')?.cancelRequested).toBe(true);
  });

  test('a job missing from the status output for two polls in a row counts as ended', () => {
    const jobs = tracker(sge);
    jobs.add('31');
    const unknown = new Map([['31', report('unknown', 'not listed')]]);
    expect(jobs.applyStatuses(unknown)).toEqual([]);
    jobs.applyStatuses(new Map([['31', report('running', 'r')]])); // seen again: the count restarts
    expect(jobs.applyStatuses(unknown)).toEqual([]);
    const [ended] = jobs.applyStatuses(unknown);
    expect(ended).toMatchObject({
      to: 'finished',
      native: 'no longer listed by qstat',
      message: `job 31 ended (no longer listed by qstat) before its workers connected; see ${LOG}/flotilla-worker-31.err and ${LOG}/flotilla-worker-31.out`,
    });
  });

  test('the miss limit is configurable', () => {
    const jobs = tracker(slurm, 1);
    jobs.add('1');
    expect(jobs.applyStatuses(new Map([['1', report('unknown', 'not listed')]]))).toHaveLength(1);
  });

  test('describe, jobs, forget', () => {
    const jobs = tracker();
    jobs.add('1');
    jobs.add('2');
    jobs.markWorkerSeen('2');
    jobs.applyStatuses(new Map([['2', report('running', 'RUNNING')]]));
    expect(jobs.describe('2')).toBe(
      `job 2: running (RUNNING), 1 worker seen; output ${LOG}/flotilla-worker-2.err and ${LOG}/flotilla-worker-2.out`,
    );
    expect(jobs.describe('3')).toBe('job 3: not submitted by this cluster');
    expect(jobs.jobs.map((j) => [j.jobId, j.state])).toEqual([['1', 'pending'], ['2', 'running']]);
    expect(jobs.activeJobIds()).toEqual(['1', '2']);
    jobs.forget('1');
    expect(jobs.jobs.map((j) => j.jobId)).toEqual(['2']);
  });

  test('snapshots do not change when the tracker does', () => {
    const jobs = tracker();
    const before = jobs.add('1');
    jobs.markWorkerSeen('1');
    expect(before.state).toBe('pending');
    expect(jobs.get('1')?.state).toBe('running');
  });
});
