/**
 * Executing a notebook for real: Debian's nbclient (for /usr/bin/python3) runs each cell in a tslab kernel
 * (`jslab` for JavaScript, `tslab` for TypeScript) whose kernelspecs scripts/install-jupyter.sh writes
 * under $FLOTILLA_NOTEBOOK_PREFIX (default /opt/flotilla-notebook). See run-notebook.py for the runner.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const PYTHON = '/usr/bin/python3';
const PREFIX = process.env.FLOTILLA_NOTEBOOK_PREFIX ?? '/opt/flotilla-notebook';
const RUNNER = join(dirname(fileURLToPath(import.meta.url)), 'run-notebook.py');

export type KernelName = 'jslab' | 'tslab';

export interface CellOutput {
  type: 'stream' | 'execute_result' | 'display_data' | 'error';
  name?: 'stdout' | 'stderr';
  text?: string;
  ename?: string;
  evalue?: string;
}

export interface ExecutedCell {
  source: string;
  /** The kernel's reply: `ok`, `error`, or `abort` (a request tslab cancelled). */
  status: string;
  outputs: CellOutput[];
}

export interface ExecutedNotebook {
  cells: ExecutedCell[];
  /** From the shutdown request until the kernel was gone (jupyter_client kills one that does not exit after a few seconds). */
  shutdown_seconds: number;
}

/** Why notebooks cannot run here, or undefined when they can. */
export function missingNotebookTools(): string | undefined {
  const fix = 'install them with: sudo bash scripts/install-jupyter.sh';
  if (!existsSync(PYTHON)) return `${PYTHON} is missing; ${fix}`;
  const probe = spawnSync(PYTHON, ['-c', 'import nbclient, nbformat, ipykernel, jupyter_client'], { encoding: 'utf8' });
  if (probe.status !== 0) return `${PYTHON} cannot import nbclient, nbformat, ipykernel and jupyter_client (${probe.stderr.trim().split('\n').at(-1)}); ${fix}`;
  for (const kernel of ['jslab', 'tslab']) {
    const spec = join(PREFIX, 'share/jupyter/kernels', kernel, 'kernel.json');
    if (!existsSync(spec)) return `the ${kernel} kernelspec ${spec} is missing; ${fix}`;
  }
  return undefined;
}

/** Writes `cells` as a notebook in `dir`, executes it in `kernel` with `dir` as working directory, and returns each cell's outputs. */
export async function executeNotebook(cells: string[], kernel: KernelName, dir: string, env: NodeJS.ProcessEnv): Promise<ExecutedNotebook> {
  const file = join(dir, `${kernel}.ipynb`);
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: kernel, display_name: kernel } },
    cells: cells.map((source, index) => ({ cell_type: 'code', id: `cell-${index}`, source, metadata: {}, outputs: [], execution_count: null })),
  };
  writeFileSync(file, JSON.stringify(notebook, null, 1));
  const { stdout } = await promisify(execFile)(PYTHON, [RUNNER, file, kernel, dir], {
    cwd: dir,
    env: { ...env, JUPYTER_PATH: join(PREFIX, 'share/jupyter') },
    timeout: 240_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as ExecutedNotebook;
}

/** All text a cell wrote to one stream, in order. */
export function streamText(cell: ExecutedCell, name: 'stdout' | 'stderr'): string {
  return cell.outputs.filter((output) => output.type === 'stream' && output.name === name).map((output) => output.text).join('');
}
