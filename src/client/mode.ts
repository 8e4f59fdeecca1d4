import { ConfigurationError } from '../errors/index.js';
import type { ExecutionMode } from './options.js';

const MODES: readonly ExecutionMode[] = ['processes', 'threads', 'sync'];

/** Reads an optional config-file mode; kept apart so the config module stays optional at start-up. */
let configMode: (() => string | undefined) | undefined;
export function setConfigModeReader(reader: () => string | undefined): void {
  configMode = reader;
}

/** The execution mode: the explicit option, then FLOTILLA_MODE, then the config file, then 'processes'. */
export function resolveMode(explicit: ExecutionMode | undefined): ExecutionMode {
  const candidates: Array<[string | undefined, string]> = [
    [explicit, 'the `mode` option'],
    [process.env.FLOTILLA_MODE || undefined, 'FLOTILLA_MODE'],
    [configMode?.(), '`mode` in the config file'],
  ];
  for (const [value, source] of candidates) {
    if (value === undefined) continue;
    if ((MODES as readonly string[]).includes(value)) return value as ExecutionMode;
    throw new ConfigurationError(`${source} is ${JSON.stringify(value)}; expected one of ${MODES.join(', ')}`);
  }
  return 'processes';
}
