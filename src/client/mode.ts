import { loadFlotillaMode } from '../config/config-file.js';
import { ConfigurationError } from '../errors/index.js';
import type { ExecutionMode } from './options.js';

const MODES: readonly ExecutionMode[] = ['processes', 'threads', 'sync'];

function configMode(): string | undefined {
  return loadFlotillaMode();
}

/** The execution mode: the explicit option, then FLOTILLA_MODE, then the config file, then 'processes'. */
export function resolveMode(explicit: ExecutionMode | undefined): ExecutionMode {
  const candidates: Array<[string | undefined, string]> = [
    [explicit, 'the `mode` option'],
    [process.env.FLOTILLA_MODE || undefined, 'FLOTILLA_MODE'],
    [explicit ?? process.env.FLOTILLA_MODE ? undefined : configMode(), '`mode` in the config file'],
  ];
  for (const [value, source] of candidates) {
    if (value === undefined) continue;
    if ((MODES as readonly string[]).includes(value)) return value as ExecutionMode;
    throw new ConfigurationError(`${source} is ${JSON.stringify(value)}; expected one of ${MODES.join(', ')}`);
  }
  return 'processes';
}
