import { describe, expect, test } from 'vitest';
import { ConfigurationError } from '../../src/errors/index.js';
import {
  formatLsfMemory,
  formatPbsBytes,
  formatSlurmBytes,
  formatWalltimeHM,
  formatWalltimeHMS,
  parseBytes,
  parseWalltime,
} from '../../src/jobqueue/index.js';

describe('parseBytes', () => {
  test.each([
    ['28GB', 28e9],
    ['2GiB', 2 ** 31],
    ['1 GB', 1e9],
    ['100M', 1e8],
    ['16 gb', 16e9],
    ['512 kib', 524_288],
    ['1.5GiB', 1_610_612_736],
    ['1e9', 1e9],
    ['1234', 1234],
    ['  3 TiB ', 3 * 1024 ** 4],
    ['7 b', 7],
  ])('%j is %d bytes', (text, bytes) => {
    expect(parseBytes(text)).toBe(bytes);
  });

  test('a bare number is bytes', () => {
    expect(parseBytes(4096)).toBe(4096);
    expect(parseBytes(10.9)).toBe(10);
  });

  test.each(['16 GX', '-1 GB', '', 'GB', '1,5 GB'])('%j is refused with the value and the accepted units', (text) => {
    expect(() => parseBytes(text, 'memory')).toThrow(ConfigurationError);
    expect(() => parseBytes(text, 'memory')).toThrow(`got ${JSON.stringify(text)}`);
    expect(() => parseBytes(text, 'memory')).toThrow(/Known units/);
  });

  test.each([-5, Number.NaN, Infinity])('the number %d is refused', (value) => {
    expect(() => parseBytes(value)).toThrow(ConfigurationError);
  });
});

describe('memory formats', () => {
  test.each([
    ['28GB', '27G'],
    ['8GB', '8G'],
    ['7GB', '7G'],
    ['16GB', '15G'],
    ['1GB', '954M'],
    ['2GiB', '2G'],
    ['100MB', '96M'],
    ['2048', '2K'],
    ['500', '1K'],
  ])('SLURM writes %s as %s', (text, expected) => {
    expect(formatSlurmBytes(parseBytes(text))).toBe(expected);
  });

  test.each([
    ['28GB', '27GB'],
    ['8GB', '7630MB'],
    ['2GB', '1908MB'],
    ['1GB', '954MB'],
    ['100GB', '94GB'],
    ['12345678', '12MB'],
    ['1234567890', '1178MB'],
    ['20000', '20kB'],
    ['500', '500B'],
  ])('PBS writes %s as %s', (text, expected) => {
    expect(formatPbsBytes(parseBytes(text))).toBe(expected);
  });

  test('LSF is decimal, rounded up, with an explicit unit unless one is configured', () => {
    expect(formatLsfMemory(8e9)).toBe('8000MB');
    expect(formatLsfMemory(8e9 + 1)).toBe('8001MB');
    expect(formatLsfMemory(8e9, 'KB')).toBe('8000000');
    expect(formatLsfMemory(8e9, 'MB')).toBe('8000');
    expect(formatLsfMemory(8.5e9, 'GB')).toBe('9');
    expect(formatLsfMemory(2e12, 'TB')).toBe('2');
  });
});

describe('walltime', () => {
  test.each([
    ['01:00:00', 3600],
    ['00:30:00', 1800],
    ['30:00', 1800],
    ['00:00:45', 45],
    ['90', 5400],
    ['1-12:00:00', 129_600],
    ['2-00', 172_800],
    ['1-02:03', 93_780],
    ['100:00:00', 360_000],
  ])('%j is %d seconds (two fields read as minutes:seconds)', (text, seconds) => {
    expect(parseWalltime(text)).toBe(seconds);
  });

  test('a two-field walltime is hours:minutes where the system reads it so (LSF)', () => {
    expect(parseWalltime('01:30', 'hours:minutes')).toBe(5400);
    expect(parseWalltime('01:30', 'minutes:seconds')).toBe(90);
    expect(parseWalltime('00:30', 'hours:minutes')).toBe(1800);
  });

  test('a number is minutes', () => {
    expect(parseWalltime(90)).toBe(5400);
    expect(parseWalltime(0.5)).toBe(30);
  });

  test.each(['1:2:3:4', 'abc', '00:00:00', '00:75:00', '1h', ''])('%j is refused with examples', (text) => {
    expect(() => parseWalltime(text)).toThrow(ConfigurationError);
    expect(() => parseWalltime(text)).toThrow(/'HH:MM:SS'/);
  });

  test.each([0, -5, Number.NaN])('%d minutes is refused', (minutes) => {
    expect(() => parseWalltime(minutes)).toThrow(ConfigurationError);
  });

  test('HH:MM:SS for SLURM, SGE and PBS; hours may exceed a day', () => {
    expect(formatWalltimeHMS(3600)).toBe('01:00:00');
    expect(formatWalltimeHMS(61)).toBe('00:01:01');
    expect(formatWalltimeHMS(129_600)).toBe('36:00:00');
    expect(formatWalltimeHMS(360_000)).toBe('100:00:00');
  });

  test('HH:MM for LSF, rounded up to the minute', () => {
    expect(formatWalltimeHM(1800)).toBe('00:30');
    expect(formatWalltimeHM(5400)).toBe('01:30');
    expect(formatWalltimeHM(61)).toBe('00:02');
    expect(formatWalltimeHM(360_000)).toBe('100:00');
  });
});
