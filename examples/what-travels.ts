/**
 * What travels with a function: the task reads a module-scope constant, calls a helper function
 * (which reads a constant of its own), uses a class, a package import (`yaml`), a `node:` built-in
 * and a relative module import. None of them is passed as an argument: each travels with the task,
 * resolved when it is first submitted.
 *
 * Run:  npm run build && node dist/examples/what-travels.js
 */
import { basename } from 'node:path';
import { parse } from 'yaml';
import { Client, LocalCluster } from 'flotilla';
import { roundTo10th } from './what-travels-steps.js';

const config = parse('threshold: 0.5\nunit: mm\n') as { threshold: number; unit: string };
const SCALE = 2;

class Reading {
  constructor(readonly value: number) {}
  label(): string {
    return `${roundTo10th(this.value)} ${config.unit}`;
  }
}

function classify(x: number): 'high' | 'low' {
  return x * SCALE > config.threshold ? 'high' : 'low';
}

function analyse(x: number): string {
  return `${new Reading(x * SCALE).label()} is ${classify(x)} (${basename('/runs/run-7.txt')})`;
}

const cluster = new LocalCluster({ nWorkers: 2, threadsPerWorker: 1 });
const client = await Client.connect(cluster);
try {
  for (const line of await client.gather(client.map(analyse, [0.12, 0.31, 0.77]))) console.log(line);
} finally {
  await client.close();
  await cluster.close();
}
