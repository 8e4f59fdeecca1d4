/** Command-line options of `npm run bench` (`node dist/bench/run.js`). */
import { DEFAULT_PYTHON } from './dask-runner.js';
import type { TeamBench } from './workloads/team-benches.js';
import { BENCH_ROUNDS } from './params.js';
import type { WorkloadId } from './workload-types.js';

export type SelectableId = WorkloadId | TeamBench['id'];

/**
 * Everything `--only` accepts. Each workload brings its raw zeromq.js baseline along (targets.ts
 * RAW_BASELINE_OF), in alternating rounds.
 */
export const SELECTABLE: readonly SelectableId[] = ['noopMap', 'ladder', 'roundTrip', 'run', 'scatterGather', 'actorRoundTrip', 'clusterStart', 'codec', 'recombination', 'objectStore', 'functionCapture', 'nodeCopies'];

/** The most rounds `--rounds` accepts (each round of every workload costs seconds). */
export const MAX_ROUNDS = 10;

export interface BenchArgs {
  /** Print only the JSON object (on stdout), no table and no progress. */
  json: boolean;
  /** Also run every workload on Dask distributed, when it can be imported. */
  compareDask: boolean;
  /** Interpreter for the Dask side. @defaultValue '/usr/bin/python3' */
  python: string;
  /** Workloads to run, in this order. @defaultValue all */
  only: SelectableId[];
  /** Alternating rounds (raw, flotilla) per workload. @defaultValue BENCH_ROUNDS */
  rounds: number;
  help: boolean;
  /** `--scale[=N]`: run only the scale workload, a gated root with N dependents (default 1,000,000). */
  scale?: number;
}

export const USAGE = `Usage: npm run bench -- [options]     (or: node dist/bench/run.js [options])

  --json               print only the JSON object on stdout (no table, no progress)
  --compare-dask       also run each workload on Dask distributed (LocalCluster, 2 workers x 1 thread)
                       when '<python> -c "import distributed"' works, and print flotilla/Dask ratios
  --python=<path>      interpreter for the Dask side (default ${DEFAULT_PYTHON})
  --only=<a,b,...>     run only these: ${SELECTABLE.join(', ')}
                       (each workload alternates with its raw zeromq.js baseline)
  --rounds=<n>         alternating rounds raw, flotilla, raw, flotilla… per workload, best of each
                       side kept (default ${BENCH_ROUNDS}, at most ${MAX_ROUNDS})
  --scale[=N]          run only the scale workload (by hand, not in CI): a gated root with N dependents
                       (default 1000000) submitted, drained, released, then N cancelled at once
  --help               show this text

Without --json the table goes to stderr and the JSON to stdout, so 'npm run bench > bench.json' keeps both apart.`;

/** Parses argv (without node and script). @throws Error naming the bad option and listing the valid ones. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { json: false, compareDask: false, python: DEFAULT_PYTHON, only: [...SELECTABLE], rounds: BENCH_ROUNDS, help: false };
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
      case '--rounds': args.rounds = parseRounds(value()); break;
      case '--help': case '-h': args.help = true; break;
      case '--scale': args.scale = parseScale(inline); break;
      default: throw new Error(`unknown option ${JSON.stringify(arg)}; valid options: --json, --compare-dask, --python=<path>, --only=<ids>, --rounds=<n>, --scale[=N], --help`);
    }
  }
  return args;
}

function parseScale(value: string | undefined): number {
  if (value === undefined) return 1_000_000;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--scale takes a whole number of dependents, e.g. --scale=300000; got ${JSON.stringify(value)}`);
  return n;
}

function parseOnly(list: string): SelectableId[] {
  const ids = list.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = ids.filter((id) => !SELECTABLE.includes(id as SelectableId));
  if (unknown.length > 0) throw new Error(`--only got unknown workload(s) ${unknown.join(', ')}; choose from ${SELECTABLE.join(', ')}`);
  return ids as SelectableId[];
}

function parseRounds(text: string): number {
  const rounds = Number(text);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > MAX_ROUNDS) throw new Error(`--rounds needs a whole number from 1 to ${MAX_ROUNDS}, got ${JSON.stringify(text)}; e.g. --rounds=3`);
  return rounds;
}
