/**
 * The `profile` section of the config file: how workers sample their task threads for
 * `client.profile` (Dask's `distributed.worker.profile.*`). Every worker reads it when it starts,
 * unless its options say otherwise (`profileIntervalMs`, `--profile-interval`).
 *
 * ```yaml
 * profile:
 *   interval: 10ms   # time between two samples of a task thread; 0 turns sampling off
 *   cycle: 30s       # how often samples are collected from the threads when nobody asks
 *   enabled: true    # false turns sampling off
 * ```
 *
 * Durations are a number of milliseconds or a number with a unit: `us`, `ms`, `s`, `m`.
 */
import { ConfigurationError } from '../errors/index.js';
import { didYouMean } from './closest-name.js';
import { isPlainMapping, parseConfigYaml, readConfigFile } from './config-file.js';

/** The top-level key of the section. */
export const PROFILE_SECTION = 'profile';

/** The keys of the section. */
export const PROFILE_KEYS = ['interval', 'cycle', 'enabled'] as const;

/** What the section says (absent keys are absent). */
export interface ProfileConfig {
  /** Milliseconds between two samples of a thread; 0: off (also when `enabled: false`). */
  intervalMs?: number;
  /** Milliseconds between two collections of samples when nobody asks. */
  cycleMs?: number;
}

const UNITS: Record<string, number> = { us: 0.001, '\u00b5s': 0.001, ms: 1, s: 1000, m: 60_000, min: 60_000 };

/** Milliseconds of a duration: a number (ms) or a string like `10ms`, `2.5 s`, `500us`; undefined when it is neither. */
export function durationMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z\u00b5]*)\s*$/i.exec(value);
  if (!match) return undefined;
  const unit = match[2]!.toLowerCase() || 'ms';
  const scale = UNITS[unit];
  return scale === undefined ? undefined : Number(match[1]) * scale;
}

/**
 * Checks the `profile` section's value (`path` is used in messages).
 * @throws ConfigurationError for an unknown key (with the closest valid one) or a bad value, naming
 * the key, the file and a value that works.
 */
export function parseProfileSection(value: unknown, path: string): ProfileConfig {
  if (value === null || value === undefined) return {};
  if (!isPlainMapping(value)) {
    throw new ConfigurationError(`The \`${PROFILE_SECTION}\` section of ${path} must be a mapping with the keys ${PROFILE_KEYS.join(', ')}, got ${JSON.stringify(value)}; e.g. \`${PROFILE_SECTION}: { interval: 10ms }\`.`);
  }
  const out: ProfileConfig = {};
  let enabled = true;
  for (const [key, raw] of Object.entries(value)) {
    const where = `${PROFILE_SECTION}.${key} in ${path}`;
    if (raw === null || raw === undefined) continue;
    switch (key) {
      case 'interval': {
        const ms = durationMs(raw);
        if (ms === undefined || ms < 0) {
          throw new ConfigurationError(`${where} must be a duration >= 0 (a number of milliseconds, or with a unit: us, ms, s), got ${JSON.stringify(raw)}; e.g. \`interval: 10ms\`, or \`interval: 0\` to turn sampling off.`);
        }
        out.intervalMs = ms;
        break;
      }
      case 'cycle': {
        const ms = durationMs(raw);
        if (ms === undefined || ms < 100) {
          throw new ConfigurationError(`${where} must be a duration of at least 100 ms (a number of milliseconds, or with a unit: ms, s, m), got ${JSON.stringify(raw)}; e.g. \`cycle: 30s\`.`);
        }
        out.cycleMs = ms;
        break;
      }
      case 'enabled':
        if (typeof raw !== 'boolean') {
          throw new ConfigurationError(`${where} must be true or false, got ${JSON.stringify(raw)}; e.g. \`enabled: false\` to turn sampling off.`);
        }
        enabled = raw;
        break;
      default:
        throw new ConfigurationError(`Unknown key \`${key}\` in the \`${PROFILE_SECTION}\` section of ${path}.${didYouMean(key, PROFILE_KEYS)} Valid keys: ${PROFILE_KEYS.join(', ')}.`);
    }
  }
  if (!enabled) out.intervalMs = 0;
  return out;
}

/**
 * The `profile` section of the config file (`$FLOTILLA_CONFIG`, else `~/.config/flotilla/jobqueue.yaml`);
 * empty when there is no file or no section.
 * @throws ConfigurationError for an unreadable named file, invalid YAML or a bad section.
 */
export function loadProfileConfig(options: { env?: NodeJS.ProcessEnv; path?: string } = {}): ProfileConfig {
  const file = readConfigFile(options);
  if (file.text === null || file.path === null) return {};
  const document = parseConfigYaml(file.text, file.path);
  if (!isPlainMapping(document)) return {};
  return parseProfileSection(document[PROFILE_SECTION], file.path);
}
