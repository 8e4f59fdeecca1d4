/** Command-line options of `npm run bench` (`node dist/bench/run.js`). */
import { DEFAULT_PYTHON } from './dask-runner.js';
import type { TeamBench } from './workloads/team-benches.js';
import type { BaselineId, WorkloadId } from './workload-types.js';

export type SelectableId = WorkloadId | BaselineId | TeamBench['id'];

/**
 * Everything `--only` accepts. The raw zeromq.js baselines also run with the workloads they scale:
 * `rawZmqThroughput` whenever `noopMap` or `ladder` is selected, `rawZmqRoundTrip` whenever
 * `roundTrip` or `run` is; naming one alone measures just that baseline.
 */
export const SELECTABLE: readonly SelectableId[] = ['noopMap', 'ladder', 'roundTrip', 'clusterStart', 'run', 'rawZmqRoundTrip', 'rawZmqThroughput', 'codec', 'recombination', 'dataTransfer', 'objectStore', 'functionCapture', 'dependentsDrain'];

export interface BenchArgs {
  /** Print only the JSON object (on stdout), no table and no progress. */
  json: boolean;
  /** Also run every workload on Dask distributed, when it can be imported. */
  compareDask: boolean;
  /** Interpreter for the Dask side. @defaultValue '/usr/bin/python3' */
  python: string;
  /** Workloads to run, in this order. @defaultValue all */
  only: SelectableId[];
  help: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]     (or: node dist/bench/run.js [options])

  --json               print only the JSON object on stdout (no table, no progress)
  --compare-dask       also run each workload on Dask distributed (LocalCluster, 2 workers x 1 thread)
                       when '<python> -c "import distributed"' works, and print flotilla/Dask ratios
  --python=<path>      interpreter for the Dask side (default ${DEFAULT_PYTHON})
  --only=<a,b,...>     run only these: ${SELECTABLE.join(', ')}
                       (the raw zeromq.js baselines also run with what they scale: rawZmqThroughput
                       with noopMap or ladder, rawZmqRoundTrip with roundTrip or run)
  --help               show this text

Without --json the table goes to stderr and the JSON to stdout, so 'npm run bench > bench.json' keeps both apart.`;

/** Parses argv (without node and script). @throws Error naming the bad option and listing the valid ones. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { json: false, compareDask: false, python: DEFAULT_PYTHON, only: [...SELECTABLE], help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${name} needs a value, e.g. ${name}=${name === '--python' ? DEFAULT_PYTHON : 'noopMap,run'}`);
      return v;
    };
    switch (name) {
      case '--json': args.json = true; break;
      case '--compare-dask': args.compareDask = true; break;
      case '--python': args.python = value(); break;
      case '--only': args.only = parseOnly(value()); break;
      case '--help': case '-h': args.help = true; break;
      default: throw new Error(`unknown option ${JSON.stringify(arg)}; valid options: --json, --compare-dask, --python=<path>, --only=<ids>, --help`);
    }
  }
  return args;
}

function parseOnly(list: string): SelectableId[] {
  const ids = list.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = ids.filter((id) => !SELECTABLE.includes(id as SelectableId));
  if (unknown.length > 0) throw new Error(`--only got unknown workload(s) ${unknown.join(', ')}; choose from ${SELECTABLE.join(', ')}`);
  return ids as SelectableId[];
}
