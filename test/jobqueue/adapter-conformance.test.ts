/**
 * One conformance suite for every batch-system adapter: whole generated scripts for representative
 * options, the skip/extra rules, job-id parsing, status parsing and output file names.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { slurm } from '../../cluster-adapters/index.js';
import { ConfigurationError } from '../../src/errors/index.js';
import { buildJobScript, directiveKey, jobHeader, parseJobId } from '../../src/jobqueue/index.js';
import { ADDRESS, BASIC, CASES, FULL, FULL_PARAMETERS, SKIPS, TEMPLATE, LOG, NODE } from './adapter-cases.js';
import { resolveIsolated, temporaryDirectory } from './helpers.js';

describe.each(CASES)('$system.name adapter', (adapterCase) => {
  const { system } = adapterCase;

  test('basic options: the whole script', () => {
    const job = resolveIsolated(system, BASIC);
    expect(buildJobScript(system, job, ADDRESS)).toBe(adapterCase.expected.basic);
  });

  test('queue, account/project, walltime, prologue, epilogue, extra args, security file: the whole script', () => {
    const job = resolveIsolated(system, { ...FULL, ...adapterCase.systemOptions });
    expect(buildJobScript(system, job, ADDRESS, FULL_PARAMETERS)).toBe(adapterCase.expected.full);
  });

  test('skipped and extra directives, custom worker name: the whole script', () => {
    const job = resolveIsolated(system, { ...SKIPS, jobDirectivesSkip: adapterCase.skip, jobExtraDirectives: adapterCase.extra });
    expect(buildJobScript(system, job, ADDRESS, { workerName: 'custom-worker' })).toBe(adapterCase.expected.skipsAndExtras);
  });

  test('templateFile: every placeholder filled, empty-placeholder lines removed', () => {
    const templateFile = join(temporaryDirectory(), 'site.tmpl');
    writeFileSync(templateFile, TEMPLATE);
    const job = resolveIsolated(system, { cores: 2, memory: '4 GB', nodeExecutable: NODE, logDirectory: LOG, templateFile });
    expect(buildJobScript(system, job, ADDRESS)).toBe(adapterCase.expected.template);
  });

  test('jobHeader is exactly the directive block of the script', () => {
    const job = resolveIsolated(system, { ...FULL, ...adapterCase.systemOptions });
    const header = jobHeader(system, job);
    const headerLines = header === '' ? [] : header.split('\n');
    const scriptLines = buildJobScript(system, job, ADDRESS).split('\n');
    const prefixed = scriptLines.filter((line) => system.directivePrefix !== '' && line.startsWith(`${system.directivePrefix} `));
    if (system.directivePrefix !== '') expect(prefixed).toEqual(headerLines);
    else if (system.renderScript === undefined) expect(headerLines).toEqual([]);
    // A submit description (HTCondor) holds the header lines as one block after the shebang.
    else expect(buildJobScript(system, job, ADDRESS)).toContain(`\n\n${header}\n\n`);
  });

  test('skipping any generated directive by its option removes that directive and nothing else', () => {
    const job = resolveIsolated(system, { ...FULL, ...adapterCase.systemOptions });
    const generated = system.directives(job);
    for (const body of generated) {
      const key = directiveKey(body);
      const entry = key.resource === undefined ? key.option : `${key.option} ${key.resource}`;
      const skipped = resolveIsolated(system, { ...FULL, ...adapterCase.systemOptions, jobDirectivesSkip: [entry] });
      const expected = generated
        .filter((other) => {
          const otherKey = directiveKey(other);
          return !(otherKey.option === key.option && (key.resource === undefined || otherKey.resource === key.resource));
        })
        .map((other) => (system.directivePrefix === '' ? other : `${system.directivePrefix} ${other}`));
      expect(jobHeader(system, skipped).split('\n')).toEqual(expected);
    }
  });

  test('extra directives are appended last and are never skipped', () => {
    const generatedOptions = system.directives(resolveIsolated(system, BASIC)).map((body) => directiveKey(body).option);
    const extras = generatedOptions.map((option, index) => `${option} extra-${index}`);
    const job = resolveIsolated(system, { ...BASIC, jobDirectivesSkip: generatedOptions, jobExtraDirectives: extras });
    const expected = extras.map((extra) => (system.directivePrefix === '' ? extra : `${system.directivePrefix} ${extra}`));
    expect(jobHeader(system, job)).toBe(expected.join('\n'));
  });

  test('the job id is parsed from the submit output, as the job sees it', () => {
    for (const pattern of [system.jobIdPattern].flat()) expect(pattern.source).toContain('(?<jobId>');
    for (const [stdout, id] of adapterCase.submitOutputs) expect(parseJobId(system, stdout)).toBe(id);
  });

  test('status output is parsed into states, keeping the native word', () => {
    const reports = system.parseStatus(adapterCase.statusSample);
    const expected = new Map(
      Object.entries(adapterCase.statusExpected).map(([id, [state, native]]) => [id, { state, native }]),
    );
    expect(reports).toEqual(expected);
    expect(system.parseStatus('')).toEqual(new Map());
  });

  test('output files are named as the directives ask, in the log directory', () => {
    expect(system.outputFiles(resolveIsolated(system, BASIC), '123')).toEqual(adapterCase.outputFilesOf123);
  });

  test('commands are argument arrays', () => {
    const job = resolveIsolated(system, BASIC);
    for (const command of [system.submitCommand(job), system.cancelCommand(['1', '2'], job), system.statusCommand(['1', '2'], job)]) {
      expect(command.length).toBeGreaterThan(0);
      for (const word of command) expect(typeof word).toBe('string');
    }
    expect(system.cancelCommand(['1', '2'], job).join(' ')).toMatch(/1.*2/);
  });
});

describe('template errors', () => {
  test('an unknown placeholder names it, its line, the file and the known ones', () => {
    const templateFile = join(temporaryDirectory(), 'bad.tmpl');
    writeFileSync(templateFile, '{{shebang}}\n{{header}}\n#SBATCH -t {{walltme}}\n{{workerCommand}}\n');
    const job = resolveIsolated(slurm, { ...BASIC, templateFile });
    const attempt = () => buildJobScript(slurm, job, ADDRESS);
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(`Unknown placeholder {{walltme}} on line 3 of templateFile ${templateFile}. Did you mean \`walltime\`?`);
    expect(attempt).toThrow('Known placeholders: {{shebang}}, {{header}}');
  });

  test('a template file that cannot be read is an error naming it', () => {
    const templateFile = join(temporaryDirectory(), 'missing.tmpl');
    const job = resolveIsolated(slurm, { ...BASIC, templateFile });
    expect(() => buildJobScript(slurm, job, ADDRESS)).toThrow(`Cannot read templateFile ${templateFile}`);
  });
});
