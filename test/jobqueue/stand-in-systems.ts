/**
 * Stand-ins for the submit, status and cancel commands of HTCondor, OAR and Moab, for systems with no
 * real installation here: small Node programs that print what the real commands print (as their
 * manuals show it) and run each submitted job with bash or sh on this machine, in its own process
 * group, with the job-id variable the real system sets. Every call is recorded in `calls.log`.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PROGRAM = String.raw`
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const [state, command, ...args] = process.argv.slice(2);
appendFileSync(join(state, 'calls.log'), JSON.stringify([command, ...args]) + '\n');
const alive = (pid) => {
  try { return /^\d+ \(.*\) (\S)/.exec(readFileSync('/proc/' + pid + '/stat', 'utf8'))[1] !== 'Z'; } catch { return false; }
};
const nextId = () => {
  const file = join(state, 'next-id');
  const id = existsSync(file) ? Number(readFileSync(file, 'utf8')) : 100;
  writeFileSync(file, String(id + 1));
  return id;
};
const start = (id, argv, env, out, err) => {
  const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ['ignore', out, err], env: { ...process.env, ...env } });
  writeFileSync(join(state, id + '.pid'), String(child.pid));
  child.unref();
};
const pidOf = (id) => (existsSync(join(state, id + '.pid')) ? Number(readFileSync(join(state, id + '.pid'), 'utf8')) : undefined);
const cancel = (id) => {
  const pid = pidOf(id);
  if (pid === undefined || !alive(pid)) return false;
  process.kill(-pid, 'SIGTERM');
  return true;
};
const open = (path) => (path === undefined ? 'ignore' : openSync(path, 'a'));
/** HTCondor's "new" argument syntax: words split on spaces, '…' groups them, '' and "" stand for ' and ". */
const condorWords = (text) => {
  const words = []; let word = ''; let inQuote = false; let any = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' && text[i + 1] === '"') { word += '"'; i++; any = true; continue; }
    if (c === "'" && inQuote && text[i + 1] === "'") { word += "'"; i++; continue; }
    if (c === "'") { inQuote = !inQuote; any = true; continue; }
    if (c === ' ' && !inQuote) { if (any || word) words.push(word); word = ''; any = false; continue; }
    word += c; any = true;
  }
  if (any || word) words.push(word);
  return words;
};
switch (command) {
  case 'condor_submit': {
    const text = readFileSync(args[args.length - 1], 'utf8');
    const value = (key) => new RegExp('^' + key + ' = (.*)$', 'm').exec(text)?.[1];
    const id = nextId();
    const expand = (s) => s && s.replaceAll('$(ClusterId)', String(id)).replaceAll('$(ProcId)', '0');
    const argv = ['/bin/sh', ...condorWords(value('Arguments').slice(1, -1))];
    const env = Object.fromEntries(value('Environment').slice(1, -1).split(' ').map((pair) => pair.split('=')).map(([k, v]) => [k, expand(v)]));
    start(id + '.0', argv, env, open(expand(value('Output'))), open(expand(value('Error'))));
    console.log('Submitting job(s).\n1 job(s) submitted to cluster ' + id + '.');
    break;
  }
  case 'condor_q': {
    const ids = args.slice(0, args.indexOf('-af:j'));
    for (const id of ids) if (pidOf(id) !== undefined && alive(pidOf(id))) console.log(id + ' 2');
    break;
  }
  case 'condor_rm': {
    for (const id of args) console.log(cancel(id) ? 'Job ' + id + ' marked for removal' : 'Job ' + id + ' not found');
    break;
  }
  case 'oarsub': {
    const script = args[args.indexOf('-S') + 1];
    const text = readFileSync(script, 'utf8');
    const id = nextId();
    const directive = (flag) => new RegExp('^#OAR ' + flag + ' (.*)$', 'm').exec(text)?.[1]?.replaceAll('%jobid%', String(id));
    start(String(id), ['bash', script], { OAR_JOB_ID: String(id) }, open(directive('-O')), open(directive('-E')));
    console.log('[ADMISSION RULE] Modify resource description with type constraints\nOAR_JOB_ID=' + id);
    break;
  }
  case 'oarstat': {
    for (let i = 0; i < args.length; i++) {
      if (args[i] !== '-j') continue;
      const id = args[++i];
      if (pidOf(id) !== undefined) console.log(id + ': ' + (alive(pidOf(id)) ? 'Running' : 'Terminated'));
    }
    break;
  }
  case 'oardel': {
    for (const id of args) console.log(cancel(id) ? 'Deleting the job = ' + id + ' ...REGISTERED.' : 'The job ' + id + ' is already finished');
    break;
  }
  case 'msub': {
    const script = args[args.length - 1];
    const text = readFileSync(script, 'utf8');
    const id = nextId();
    const name = /^#PBS -N (.*)$/m.exec(text)[1];
    const dir = /^#PBS -o (.*)\/$/m.exec(text)[1];
    start(String(id), ['bash', script], { MOAB_JOBID: String(id) }, open(join(dir, name + '.o' + id)), open(join(dir, name + '.e' + id)));
    console.log('\n' + id);
    break;
  }
  case 'showq': {
    console.log('active jobs------------------------\nJOBID              USERNAME      STATE PROCS   REMAINING            STARTTIME\n');
    const running = [];
    for (let id = 100; existsSync(join(state, id + '.pid')); id++) if (alive(pidOf(String(id)))) running.push(id);
    for (const id of running) console.log(String(id).padEnd(18) + '  user    Running     1    00:29:10  Thu Dec  3 12:00:00');
    console.log('\n' + running.length + ' active jobs               1 of 2 processors in use by local jobs (50.00%)\n\nTotal jobs:  ' + running.length);
    break;
  }
  case 'canceljob': {
    for (const id of args) {
      if (cancel(id)) console.log("job '" + id + "' cancelled");
      else { console.log('ERROR:  invalid job specified (' + id + ')'); process.exitCode = 1; }
    }
    break;
  }
}
`;

/** The command names each stand-in system provides. */
export const STAND_IN_COMMANDS = {
  htcondor: ['condor_submit', 'condor_q', 'condor_rm'],
  oar: ['oarsub', 'oarstat', 'oardel'],
  moab: ['msub', 'showq', 'canceljob'],
} as const;

/**
 * Writes the stand-in commands into `<directory>/bin` (put it first on the batch commands' PATH with
 * `commandPath`); their state and `calls.log` go to `<directory>/state`.
 */
export function writeStandIns(directory: string): { bin: string; state: string } {
  const bin = join(directory, 'bin');
  const state = join(directory, 'state');
  mkdirSync(bin, { recursive: true });
  mkdirSync(state, { recursive: true });
  const program = join(directory, 'stand-in.mjs');
  writeFileSync(program, PROGRAM);
  for (const name of Object.values(STAND_IN_COMMANDS).flat()) {
    const path = join(bin, name);
    writeFileSync(path, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(program)} ${JSON.stringify(state)} ${name} "$@"\n`);
    chmodSync(path, 0o755);
  }
  return { bin, state };
}
