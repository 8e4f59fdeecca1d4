/**
 * The keys of a cluster started in an allocation (`flotilla submit`, `flotilla start-cluster`). The
 * scheduler accepts only peers holding them; the workers and the user's command read them from a file
 * of mode 0600 in the home directory, which the allocated nodes share. A file made here for one run is
 * removed when the cluster stops; one the user named (`--security-file`) is kept. `--no-security`
 * turns it off, with a warning.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { openOrCreateCredentialsFile, type CurveCredentials } from '../transport/security.js';
import type { ClusterShapeOptions } from './cli-args.js';

/** The environment variable through which the user's command (and `Client.connect()`) finds the keys. */
export const SECURITY_FILE_ENV = 'FLOTILLA_SECURITY_FILE';

export interface AllocationSecurity {
  /** The key file, unless security is off. */
  readonly file: string | undefined;
  readonly credentials: CurveCredentials | undefined;
  /** Arguments of both `flotilla-scheduler` and `flotilla-worker`. */
  readonly args: readonly string[];
  /** Removes a key file made for this run. */
  dispose(): void;
}

/**
 * Opens (or makes) the run's keys.
 * @throws ConfigurationError when the key file cannot be read or written
 */
export function allocationSecurity(shape: Pick<ClusterShapeOptions, 'securityFile' | 'noSecurity'>, env: NodeJS.ProcessEnv, log: (line: string) => void): AllocationSecurity {
  if (shape.noSecurity) {
    log('warning: --no-security: anyone who can reach the scheduler\'s port can register as a worker (and receive your tasks and data) or connect as a client (and run code as you)');
    return { file: undefined, credentials: undefined, args: ['--no-security'], dispose: () => {} };
  }
  const ownFile = shape.securityFile === undefined;
  const file = shape.securityFile ?? join(homedir(), '.flotilla', 'allocations', `${env['SLURM_JOB_ID'] ?? 'run'}-${randomBytes(6).toString('hex')}.json`);
  const { credentials } = openOrCreateCredentialsFile(file);
  return {
    file,
    credentials,
    args: ['--security-file', file],
    dispose: () => {
      if (ownFile) rmSync(file, { force: true });
    },
  };
}
