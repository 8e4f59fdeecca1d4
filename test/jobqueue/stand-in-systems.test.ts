/**
 * HTCondor, OAR and Moab have no real installation here: their adapters are tested by whole script
 * text (adapter-conformance) and here by the whole cluster life cycle against stand-in commands that
 * print what the real ones print and run the submitted job on this machine: submit, the worker
 * connecting with its job id, status while it runs, a task, cancel on close, and the job gone.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { htcondor, moab, oar } from '../../cluster-adapters/index.js';
import { Client } from '../../src/index.js';
import { JobQueueCluster } from '../../src/jobqueue-cluster/index.js';
import type { BatchSystem } from '../../src/jobqueue/index.js';
import { EMPTY_CONFIG, temporaryDirectory, waitFor } from './helpers.js';
import { STAND_IN_COMMANDS, writeStandIns } from './stand-in-systems.js';

const CASES: Array<[BatchSystem, RegExp]> = [
  [htcondor as unknown as BatchSystem, /^\d+\.0$/],
  [oar as unknown as BatchSystem, /^\d+$/],
  [moab as unknown as BatchSystem, /^\d+$/],
];

describe.each(CASES)('$name through stand-in commands', (system, idShape) => {
  test('submit, status, a task on its worker, cancel on close', { timeout: 60_000 }, async () => {
    const directory = temporaryDirectory();
    const { bin, state } = writeStandIns(directory);
    const cluster = new JobQueueCluster(
      system,
      { cores: 1, memory: '512 MB', processes: 1, host: '127.0.0.1', logDirectory: join(directory, 'logs'), commandPath: bin, statusPollMs: 200, dashboardAddress: false },
      { config: EMPTY_CONFIG, env: {}, cwd: directory },
    );
    const client = await Client.connect(cluster);
    let jobId = '';
    try {
      await cluster.scale({ jobs: 1 });
      [jobId = ''] = [...cluster.jobs.keys()];
      expect(jobId).toMatch(idShape);
      await client.waitForWorkers(1, { timeoutMs: 30_000 });
      expect(cluster.jobs.get(jobId)?.workers).toEqual([`${system.clusterName}-${jobId}`]);
      expect(await client.submit((x: number) => x + 1, 41)).toBe(42);
      // The status command reports it running (a worker registering alone would also say so: wait for a poll).
      await waitFor('a status poll that lists the job', () => (cluster.jobs.get(jobId)?.native === undefined ? undefined : true));
      expect(cluster.jobs.get(jobId)?.state).toBe('running');
    } finally {
      await client.close();
      await cluster.close();
    }
    expect(cluster.jobs.get(jobId)?.state).toBe('finished');
    const calls = readFileSync(join(state, 'calls.log'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as string[]);
    const [submit, status, cancel] = STAND_IN_COMMANDS[system.name as keyof typeof STAND_IN_COMMANDS];
    expect(calls[0]?.[0]).toBe(submit);
    // condor_q and oarstat name the job; showq lists all of the user's jobs.
    expect(calls.some((call) => call[0] === status && (system.name === 'moab' || call.includes(jobId)))).toBe(true);
    expect(calls.some((call) => call[0] === cancel && call.includes(jobId))).toBe(true);
  });
});
