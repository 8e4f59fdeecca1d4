import { describe, expect, test } from 'vitest';
import { directiveKey, quoteShellWord, runCommand, shellCommand, skipEntryMatches } from '../../src/jobqueue/index.js';

describe('quoteShellWord, checked by bash itself', () => {
  const env = { ...process.env, FLOTILLA_QUOTE_TEST: 'expanded value', SLURM_JOB_ID: '4242' };
  const through = async (words: string[]) =>
    (await runCommand(['bash', '-c', `printf '%s\\0' ${shellCommand(words)}`], { env })).stdout.split('\0').slice(0, -1);

  test('literal words arrive unchanged', async () => {
    const words = ['plain', 'with space', "it's", 'say "hi"', 'back\\slash', '`uname`', '$(uname)', '!bang', 'a;b|c&d', '*', '~', '', 'tab\there', 'new\nline', '$', '$1', '$@'];
    expect(await through(words)).toEqual(words);
  });

  test('$NAME and ${NAME} expand in the job; everything around them stays literal', async () => {
    expect(
      await through(['$FLOTILLA_QUOTE_TEST', 'w-${SLURM_JOB_ID}-x', '"$SLURM_JOB_ID" and `$(x)` $5', '$UNSET_FLOTILLA_VARIABLE/dir']),
    ).toEqual(['expanded value', 'w-4242-x', '"4242" and `$(x)` $5', '/dir']);
  });

  test('safe words stay bare, so scripts read naturally', () => {
    expect(shellCommand(['/usr/bin/node', '--nthreads', '2', 'tcp://10.0.0.1:8786', 'GPU=1', '--mem=8G'])).toBe(
      '/usr/bin/node --nthreads 2 tcp://10.0.0.1:8786 GPU=1 --mem=8G',
    );
    expect(quoteShellWord('a b')).toBe("'a b'");
    expect(quoteShellWord('w-$SLURM_JOB_ID')).toBe('"w-$SLURM_JOB_ID"');
  });
});

describe('directive keys and skip entries', () => {
  test.each([
    ['--mem=8G', { option: '--mem' }],
    ['--cpus-per-task=4', { option: '--cpus-per-task' }],
    ['-t 00:30:00', { option: '-t' }],
    ['-l h_rt=00:30:00', { option: '-l', resource: 'h_rt' }],
    ['-l select=1:ncpus=8:mem=7630MB', { option: '-l', resource: 'select' }],
    ['-l walltime=01:00:00', { option: '-l', resource: 'walltime' }],
    ['-R "span[hosts=1]"', { option: '-R' }],
    ['-cwd', { option: '-cwd' }],
  ])('%s', (body, key) => {
    expect(directiveKey(body)).toEqual(key);
  });

  test.each([
    ['--mem', '--mem=8G', true],
    ['--mem', '--mem-per-cpu=2G', false],
    ['--cpus', '--cpus-per-task=4', false],
    ['-n', '-N 1', false],
    ['-l h_rt', '-l h_rt=00:30:00', true],
    ['-l h_rt', '-l h_vmem=6G', false],
    ['-l', '-l h_vmem=6G', true],
    ['-l walltime', '-l select=1:ncpus=2', false],
    ['#SBATCH -N 1', '-N 1', true],
    ['#SBATCH  --mem=8G', '--mem=8G', true],
    ['-N 2', '-N 1', false],
    ['  ', '-N 1', false],
  ])('skip entry %j on directive %j: %s', (entry, body, matches) => {
    expect(skipEntryMatches(entry, body, '#SBATCH')).toBe(matches);
  });
});
