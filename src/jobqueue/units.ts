/**
 * Byte and walltime parsing, and each batch system's way of writing them.
 *
 * Every formatter rounds *up*: a job that asks for slightly more memory or time than the user said
 * is harmless, one that asks for less gets killed.
 */
import { ConfigurationError } from '../errors/index.js';

const KIB = 1024;
const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

/** Multipliers by lower-case unit. One letter or `xB` is decimal (as dask does), `xiB` binary. */
const BYTE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  ki: KIB,
  kib: KIB,
  m: 1e6,
  mb: 1e6,
  mi: MIB,
  mib: MIB,
  g: 1e9,
  gb: 1e9,
  gi: GIB,
  gib: GIB,
  t: 1e12,
  tb: 1e12,
  ti: 1024 ** 4,
  tib: 1024 ** 4,
  p: 1e15,
  pb: 1e15,
  pi: 1024 ** 5,
  pib: 1024 ** 5,
};

/**
 * Reads an amount of memory: `'28GB'` = 28e9, `'2GiB'` = 2^31, `'1 GB'` = 1e9, `'100M'` = 1e8,
 * `'512 kib'` = 524288; a bare number (or numeric string) is bytes. Units are case-insensitive;
 * `K/M/G/T/P` and `KB…PB` are decimal, `KiB…PiB` (or `Ki…Pi`) binary.
 *
 * @param value - the amount, as written by the user.
 * @param what - how to name the value in an error message, e.g. `'memory'`.
 * @returns whole bytes (fractions are dropped).
 * @throws ConfigurationError when the text is not a non-negative number with a known unit.
 * @example parseBytes('16 GB') // 16000000000
 */
export function parseBytes(value: string | number, what = 'memory'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new ConfigurationError(
        `${what} must be a non-negative number of bytes or a string such as '16 GB', got ${String(value)}.`,
      );
    }
    return Math.floor(value);
  }
  const match = /^\s*(\d+(?:\.\d*)?|\.\d+)(?:e([+-]?\d+))?\s*([a-z]*)\s*$/i.exec(value);
  const unit = match?.[3]?.toLowerCase();
  const multiplier = unit === undefined ? undefined : BYTE_UNITS[unit];
  if (!match || multiplier === undefined) {
    throw new ConfigurationError(
      `${what} must be an amount of memory such as '16 GB', '512MiB' or a number of bytes, got ${JSON.stringify(value)}. ` +
        `Known units (case-insensitive): B, K/KB, KiB, M/MB, MiB, G/GB, GiB, T/TB, TiB, P/PB, PiB.`,
    );
  }
  const mantissa = Number(`${match[1] ?? '0'}e${match[2] ?? '0'}`);
  return Math.floor(mantissa * multiplier);
}

/**
 * SLURM's `--mem` value: whole GiB, MiB or KiB rounded up, written `G`/`M`/`K` (SLURM reads these as binary).
 * @example formatSlurmBytes(28e9) // '27G'; formatSlurmBytes(1e9) // '954M'
 */
export function formatSlurmBytes(bytes: number): string {
  if (bytes >= GIB) return `${Math.ceil(bytes / GIB)}G`;
  if (bytes >= MIB) return `${Math.ceil(bytes / MIB)}M`;
  if (bytes >= KIB) return `${Math.ceil(bytes / KIB)}K`;
  return '1K';
}

/**
 * PBS's `mem=` value: GB above 10 GiB, MB above 10 MiB, kB above 10 KiB (all binary, rounded up), else bytes.
 * @example formatPbsBytes(8e9) // '7630MB'; formatPbsBytes(28e9) // '27GB'
 */
export function formatPbsBytes(bytes: number): string {
  if (bytes >= 10 * GIB) return `${Math.ceil(bytes / GIB)}GB`;
  if (bytes >= 10 * MIB) return `${Math.ceil(bytes / MIB)}MB`;
  if (bytes >= 10 * KIB) return `${Math.ceil(bytes / KIB)}kB`;
  return `${Math.ceil(bytes)}B`;
}

/** The units LSF accepts for `-M`; LSF's `LSF_UNIT_FOR_LIMITS` takes the same names. */
export type LsfUnit = 'KB' | 'MB' | 'GB' | 'TB';

const LSF_UNIT_SIZE: Readonly<Record<LsfUnit, number>> = { KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 };

/**
 * LSF's `-M` value, decimal and rounded up.
 *
 * Without `unit` it carries its unit (`8000MB`), which LSF 10.1.0.2 and later read the same
 * whatever the site's `LSF_UNIT_FOR_LIMITS` is. With `unit` it is a bare number in that unit
 * (`8000` for `'MB'`), for older LSF: set `unit` to your site's `LSF_UNIT_FOR_LIMITS` (LSF's default is KB).
 * @example formatLsfMemory(8e9) // '8000MB'; formatLsfMemory(8e9, 'KB') // '8000000'
 */
export function formatLsfMemory(bytes: number, unit?: LsfUnit): string {
  if (unit === undefined) return `${Math.ceil(bytes / LSF_UNIT_SIZE.MB)}MB`;
  return `${Math.ceil(bytes / LSF_UNIT_SIZE[unit])}`;
}

/**
 * What a two-field walltime such as `'30:00'` means. SLURM, SGE and PBS read it as minutes:seconds,
 * LSF's `-W` as hours:minutes; each adapter declares its system's reading so values copied from a
 * site's documentation mean what they say there.
 */
export type TwoFieldWalltime = 'minutes:seconds' | 'hours:minutes';

/**
 * Reads a walltime into seconds. Accepted: a number of minutes (`90`, or `'90'`), `'HH:MM:SS'`,
 * a two-field `'A:B'` (see {@link TwoFieldWalltime}), and SLURM's `'D-HH'`, `'D-HH:MM'`, `'D-HH:MM:SS'`.
 * Fields after the first must be below 60.
 *
 * @throws ConfigurationError for anything else, or a walltime of zero.
 * @example parseWalltime('01:00:00') // 3600; parseWalltime(30) // 1800; parseWalltime('01:30', 'hours:minutes') // 5400
 */
export function parseWalltime(value: string | number, twoFields: TwoFieldWalltime = 'minutes:seconds'): number {
  const fail = (why: string): never => {
    throw new ConfigurationError(
      `walltime ${JSON.stringify(value)} ${why}. Write it as 'HH:MM:SS' (e.g. '01:30:00'), ` +
        `'D-HH:MM:SS' (e.g. '1-12:00:00'), or a number of minutes (e.g. 90).`,
    );
  };
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) fail('must be a positive number of minutes');
    return Math.round(value * 60);
  }
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return parseWalltime(Number(text), twoFields);
  const match = /^(?:(\d+)-)?(\d+(?::\d+){0,2})$/.exec(text);
  if (!match) return fail('is not a walltime');
  const days = match[1] === undefined ? 0 : Number(match[1]);
  const fields = (match[2] ?? '').split(':').map(Number);
  let hours = 0;
  let minutes = 0;
  let seconds = 0;
  if (match[1] !== undefined) {
    // SLURM's day forms always start with hours: D-HH, D-HH:MM, D-HH:MM:SS.
    [hours = 0, minutes = 0, seconds = 0] = fields;
  } else if (fields.length === 3) {
    [hours = 0, minutes = 0, seconds = 0] = fields;
  } else if (fields.length === 2) {
    if (twoFields === 'hours:minutes') [hours = 0, minutes = 0] = fields;
    else [minutes = 0, seconds = 0] = fields;
  } else {
    minutes = fields[0] ?? 0;
  }
  if (fields.slice(1).some((field) => field >= 60)) fail('has a minutes or seconds field of 60 or more');
  const total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds;
  if (total <= 0) fail('is zero');
  return total;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/**
 * `HH:MM:SS` (hours may exceed 99), as SLURM `-t`, SGE `h_rt` and PBS `walltime` take it.
 * @example formatWalltimeHMS(5400) // '01:30:00'
 */
export function formatWalltimeHMS(seconds: number): string {
  const whole = Math.ceil(seconds);
  return `${pad2(Math.floor(whole / 3600))}:${pad2(Math.floor((whole % 3600) / 60))}:${pad2(whole % 60)}`;
}

/**
 * `HH:MM`, minutes rounded up, as LSF's `-W` takes it.
 * @example formatWalltimeHM(5430) // '01:31'
 */
export function formatWalltimeHM(seconds: number): string {
  const minutes = Math.ceil(seconds / 60);
  return `${pad2(Math.floor(minutes / 60))}:${pad2(minutes % 60)}`;
}
