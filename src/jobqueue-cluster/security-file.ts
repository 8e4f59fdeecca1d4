/**
 * The cluster's CURVE keys and the file that hands them to workers: made per cluster, written with
 * mode 0600 into a directory compute nodes can read (a shared filesystem), removed when the cluster closes.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '../errors/index.js';
import { makeCurveCredentials, writeCredentialsFile, type CurveCredentials } from '../transport/security.js';

/** A cluster's keys and where the workers read them. */
export interface ClusterCredentials {
  readonly credentials: CurveCredentials;
  /** Absolute path of the file (mode 0600). */
  readonly path: string;
}

/**
 * Makes fresh keys and writes them to `<directory>/.flotilla-security-<clusterName>-<random>.json`.
 * The directory is created (mode 0700) when missing.
 * @throws ConfigurationError when the directory or the file cannot be written.
 */
export function writeClusterCredentials(directory: string, clusterName: string): ClusterCredentials {
  const safeName = clusterName.replace(/[^A-Za-z0-9_.-]/g, '_');
  const path = join(directory, `.flotilla-security-${safeName}-${randomBytes(6).toString('hex')}.json`);
  const credentials = makeCurveCredentials();
  try {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    writeCredentialsFile(path, credentials, { forClients: true });
  } catch (error) {
    throw new ConfigurationError(
      `Cannot write the cluster's credentials file ${path}: ${(error as Error).message}. Set sharedDirectory to a ` +
        `directory you can write that compute nodes can read (e.g. in your home directory).`,
      { cause: error },
    );
  }
  return { credentials, path };
}

/** Removes the credentials file; a file already gone is fine. */
export function removeClusterCredentials(path: string): void {
  rmSync(path, { force: true });
}
