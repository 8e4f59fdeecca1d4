/**
 * Starting and stopping one LocalCluster worker process: its command line, its environment, and the
 * file it runs. That file is the one-file CommonJS bundle of the worker command that `npm run build`
 * writes (scripts/bundle-worker.mjs), which loads with about 40 ms less CPU than the ES modules it is
 * built from (and 10 ms less again with msgpackr's native extractor found by path, see
 * msgpackr-native-hint.ts); without it (not built, or older than the compiled worker command) it is
 * dist/src/cli/worker.js, the same program.
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { manageProcess, settleWithin, stopProcess, type ManagedProcess } from '../util/child-process.js';
import { distFile, packageRoot } from '../util/package-paths.js';
import { workerEnvironment } from '../util/worker-environment.js';
import { libcHint } from './libc-hint.js';
import { msgpackrNativeHint } from './msgpackr-native-hint.js';

/** What one worker process is started with. */
export interface WorkerProcessSpec {
  readonly schedulerAddress: string;
  readonly name: string;
  readonly threadsPerWorker: number;
  readonly memoryLimit: number;
  /** Seconds without the scheduler before the worker exits. */
  readonly deathTimeout: number;
  /** The 0600 file of the cluster's CURVE keys (TCP clusters only). */
  readonly securityFile?: string;
  readonly profileIntervalMs?: number;
  readonly resources?: Record<string, number>;
  /** Extra environment variables (LocalCluster's `env` option). */
  readonly env?: Record<string, string>;
}

let entry: string | undefined;

/** The file worker processes run: the bundle when it is there and up to date, else dist/src/cli/worker.js. */
export function workerEntry(): string {
  if (entry !== undefined) return entry;
  const plain = distFile('src/cli/worker.js');
  const bundle = join(packageRoot(), 'dist', 'src', 'cli', 'worker-bundle.cjs');
  // tsc rewrites worker.js on every build: a bundle older than it was built from older code.
  const fresh = existsSync(bundle) && statSync(bundle).mtimeMs >= statSync(plain).mtimeMs;
  return (entry = fresh ? bundle : plain);
}

/** The argument vector of a worker process (node, its flags, the worker command and its options). */
export function workerArgv(spec: WorkerProcessSpec): string[] {
  const args = [
    workerEntry(), spec.schedulerAddress, '--name', spec.name, '--nthreads', String(spec.threadsPerWorker),
    '--memory-limit', String(spec.memoryLimit), '--death-timeout', String(spec.deathTimeout), '--exit-with-parent',
  ];
  if (spec.securityFile) args.push('--security-file', spec.securityFile);
  if (spec.profileIntervalMs !== undefined) args.push('--profile-interval', String(spec.profileIntervalMs));
  if (spec.resources) args.push('--resources', Object.entries(spec.resources).map(([k, v]) => `${k}=${v}`).join(','));
  // FLOTILLA_WORKER_NODE_OPTIONS passes flags to the worker processes' node (e.g. --cpu-prof for profiling).
  const nodeFlags = (process.env.FLOTILLA_WORKER_NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean);
  return [process.execPath, ...nodeFlags, ...args];
}

/**
 * Starts a worker process. Its stdout is this process's; its stderr is passed through and also given to
 * `onStderr` (a worker that cannot start says why there); the IPC channel lets it see this process die.
 */
export function spawnWorkerProcess(spec: WorkerProcessSpec, onStderr: (chunk: Buffer) => void): ManagedProcess {
  const argv = workerArgv(spec);
  const child = spawn(argv[0]!, argv.slice(1), {
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    env: workerEnvironment({ ...libcHint({ ...process.env, ...spec.env }), ...msgpackrNativeHint(spec.env), ...process.env, ...spec.env }),
  });
  const managed = manageProcess(child, argv);
  child.stderr?.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    onStderr(chunk);
  });
  return managed;
}

/** Lets a worker process exit by itself for `ownMs`, then SIGTERM, then SIGKILL (2 s grace each). */
export async function stopWorkerProcess(managed: ManagedProcess | undefined, ownMs: number): Promise<void> {
  if (managed && (await settleWithin(managed.exited, ownMs)) === undefined) await stopProcess(managed, 2_000);
}
