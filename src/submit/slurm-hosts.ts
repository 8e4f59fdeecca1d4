/**
 * The hosts of the current SLURM allocation, and which of them this process runs on.
 */
import { hostname } from 'node:os';
import { buildHostnamesCommand } from './commands.js';
import { describeExit, runCaptured, type CapturedRun } from '../util/child-process.js';
import { AllocationError } from './errors.js';

/** The allocation's hosts, in SLURM's order, and the one running this process. */
export interface AllocationHosts {
  readonly all: readonly string[];
  readonly own: string;
}

/** Runs a command and captures its output; {@link runCaptured} unless a test replaces it. */
export type CapturedRunner = (argv: readonly string[]) => Promise<CapturedRun>;

/**
 * Lists the hosts of the allocation with `scontrol show hostnames "$SLURM_JOB_NODELIST"`, and finds this
 * process's host: `SLURMD_NODENAME` (set by SLURM in batch scripts and steps), else the short host name.
 *
 * @param env - the environment to read `SLURM_JOB_NODELIST` and `SLURMD_NODENAME` from.
 * @throws AllocationError when not inside an allocation (`SLURM_JOB_NODELIST` unset), when `scontrol`
 *   fails, or when it lists no host.
 */
export async function listAllocationHosts(
  env: NodeJS.ProcessEnv,
  options: { readonly log: (line: string) => void; readonly run?: CapturedRunner },
): Promise<AllocationHosts> {
  const nodelist = env['SLURM_JOB_NODELIST'];
  if (nodelist === undefined || nodelist.trim() === '') {
    throw new AllocationError(
      'SLURM_JOB_NODELIST is not set, so this is not running inside a SLURM allocation. Run `flotilla start-cluster` ' +
        'from an sbatch script or under salloc, or use `flotilla submit -N <nodes> -- <command>` to get an allocation.',
    );
  }
  const argv = buildHostnamesCommand(nodelist);
  const run = options.run ?? ((command) => runCaptured(command, { log: options.log, timeoutMs: 30_000, env }));
  const result = await run(argv);
  if (result.status.code !== 0) {
    throw new AllocationError(
      `\`${argv.join(' ')}\` ${describeExit(result.status)} instead of listing the allocation's hosts. ` +
        `stderr: ${result.stderr.trim() || '(empty)'}. Check that scontrol is on PATH on this node.`,
    );
  }
  const all = parseHostnames(result.stdout);
  if (all.length === 0) {
    throw new AllocationError(`\`${argv.join(' ')}\` printed no host names (stdout: ${JSON.stringify(result.stdout)}).`);
  }
  const own = env['SLURMD_NODENAME'] ?? shortHostname(hostname());
  return { all, own };
}

/** One host per non-empty line, as `scontrol show hostnames` prints them. */
export function parseHostnames(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** `node1.cluster.example` → `node1`: SLURM names nodes by their short names. */
export function shortHostname(name: string): string {
  return name.split('.')[0] ?? name;
}
