/**
 * Is the HPC testbed up? Quick, bounded probes of the real SLURM, Grid Engine and
 * Torque-wrapper installations that `scripts/testbed/testbed-up.sh` starts, for test
 * suites to skip (on a developer machine) or fail (under `CI=true`) when one is missing.
 *
 * Every probe runs a batch-system command without a shell and gives up after
 * {@link PROBE_TIMEOUT_MS}, so a hung daemon cannot stall test collection.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { FlotillaError } from '../../src/errors/base.js';

/** Whether one batch system of the testbed can take jobs now, and why not. */
export interface TestbedStatus {
  available: boolean;
  /** What was seen: the healthy state, or what is missing and how to start it. */
  reason: string;
}

/** Where `torque-up.sh` puts the Torque-compatible wrappers of slurm-wlm-torque. Prepend it to PATH. */
export const TORQUE_BIN = '/opt/slurm-torque/bin';

/** How long one probe command may take, in milliseconds. @defaultValue 5000 */
export const PROBE_TIMEOUT_MS = 5_000;

const START_HINT = 'start it with `sudo scripts/testbed/testbed-up.sh` (see scripts/testbed/README.md)';

/** Thrown by {@link skipUnless} under `CI=true`: there, a missing testbed is a failure, not a skip. */
export class TestbedUnavailableError extends FlotillaError {
  override readonly code = 'TESTBED_UNAVAILABLE';
  override name = 'TestbedUnavailableError' as const;
}

interface ProbeResult {
  ok: boolean;
  stdout: string;
  /** Why it failed, in words, including the command; empty when ok. */
  problem: string;
}

function probe(command: string, args: readonly string[]): ProbeResult {
  const shown = [command, ...args].join(' ');
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    timeout: PROBE_TIMEOUT_MS,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT'
        ? `${command} is not installed`
        : code === 'ETIMEDOUT'
          ? `\`${shown}\` did not answer within ${PROBE_TIMEOUT_MS} ms`
          : `\`${shown}\` could not run: ${result.error.message}`;
    return { ok: false, stdout: '', problem };
  }
  if (result.status !== 0) {
    const said = (result.stderr || result.stdout).trim().split('\n')[0] ?? '';
    return { ok: false, stdout: result.stdout, problem: `\`${shown}\` exited with ${String(result.status)}: ${said}` };
  }
  return { ok: true, stdout: result.stdout, problem: '' };
}

function unavailable(problem: string): TestbedStatus {
  const rootNote = process.getuid?.() === 0 ? '' : ' (this process is not root; the testbed scripts need root)';
  return { available: false, reason: `${problem}${rootNote}; ${START_HINT}` };
}

/** Node states in which SLURM takes jobs (a trailing `*` means "not responding" and does not match). */
const USABLE_SLURM_STATES = new Set(['idle', 'mixed', 'allocated', 'completing']);

/** SLURM is available when `scontrol ping` shows the controller UP and a node is idle, mixed or allocated. */
export function slurmStatus(): TestbedStatus {
  const ping = probe('scontrol', ['ping']);
  if (!ping.ok) return unavailable(`SLURM: ${ping.problem}`);
  if (!/is UP/.test(ping.stdout)) return unavailable(`SLURM: scontrol ping says "${ping.stdout.trim()}"`);
  const info = probe('sinfo', ['-h', '-o', '%n %T']);
  if (!info.ok) return unavailable(`SLURM: ${info.problem}`);
  const nodes = info.stdout.trim().split('\n').filter((line) => line.length > 0);
  const usable = nodes.filter((line) => USABLE_SLURM_STATES.has(line.split(/\s+/)[1] ?? ''));
  if (usable.length === 0) {
    return unavailable(`SLURM: no usable node (sinfo: ${nodes.join(', ') || 'no nodes'})`);
  }
  return { available: true, reason: `SLURM controller UP, node ${usable.join(', ')}` };
}

/**
 * Grid Engine is available when `qstat -f` lists a queue instance with a load value and
 * an empty states column (no E error, a alarm, u unreachable execd, d disabled).
 */
export function sgeStatus(): TestbedStatus {
  const qstat = probe('qstat', ['-f']);
  if (!qstat.ok) return unavailable(`Grid Engine: ${qstat.problem}`);
  // Queue lines: "all.q@vm  BIP  0/0/2  0.44  lx-amd64  [states]".
  const instances = qstat.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => (fields[0] ?? '').includes('@') && fields.length >= 5);
  const healthy = instances.filter((fields) => fields.length === 5 && fields[3] !== '-NA-');
  if (healthy.length === 0) {
    const seen = instances.map((fields) => fields.join(' ')).join('; ') || 'no queue instances';
    return unavailable(`Grid Engine: no healthy queue (qstat -f: ${seen})`);
  }
  return { available: true, reason: `Grid Engine queue ${healthy.map((fields) => fields[0]).join(', ')} healthy` };
}

/** The Torque wrappers are available when `${TORQUE_BIN}/qsub` is executable, their Perl modules load, and SLURM is up. */
export function torqueStatus(): TestbedStatus {
  const qsub = join(TORQUE_BIN, 'qsub');
  try {
    accessSync(qsub, constants.X_OK);
  } catch {
    return unavailable(`Torque wrappers: ${qsub} is missing or not executable`);
  }
  const perl = probe('perl', ['-MSlurm', '-e', '1']);
  if (!perl.ok) return unavailable(`Torque wrappers: the Slurm Perl module does not load (${perl.problem})`);
  const slurm = slurmStatus();
  if (!slurm.available) return { available: false, reason: `Torque wrappers need SLURM: ${slurm.reason}` };
  return { available: true, reason: `${qsub} over ${slurm.reason}` };
}

const reportedSkips = new Set<string>();

/**
 * For `describe.skipIf(skipUnless(status))`: `false` when the testbed part is available;
 * otherwise `true` (skip), printing the reason once; under `CI=true` it throws instead, so
 * a missing testbed fails the run rather than skipping silently.
 *
 * @throws {TestbedUnavailableError} when `status.available` is false and `CI` is `true`.
 */
export function skipUnless(status: TestbedStatus): boolean {
  if (status.available) return false;
  if (process.env['CI'] === 'true') {
    throw new TestbedUnavailableError(
      `The HPC testbed is required under CI=true but is not available: ${status.reason}. ` +
        'CI must run scripts/testbed/testbed-up.sh before the tests.',
    );
  }
  if (!reportedSkips.has(status.reason)) {
    reportedSkips.add(status.reason);
    console.warn(`[testbed] skipping HPC tests: ${status.reason}`);
  }
  return true;
}
