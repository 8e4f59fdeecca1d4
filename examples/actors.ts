/**
 * Actors: stateful workers, as in the two stateful workloads of Ray's benchmark ("10x faster parallel
 * Python without Python multiprocessing"), on a LocalCluster of 2 workers.
 *
 * 1. A streaming aggregator. Documents arrive one by one; each goes to one of two `PrefixCounter`
 *    actors, which keep counts of word prefixes across calls. At the end, their popular prefixes are
 *    merged (a task takes the futures of the actors' calls as its inputs) and checked against a count
 *    made here.
 * 2. A model that is expensive to initialise. Each `Model` actor builds its weights once in its
 *    constructor, then serves many `predict` calls; a task scores the predictions, taking the calls'
 *    futures as inputs, without bringing them back here first.
 * 3. Losing an actor. A method that ends the actor's thread makes its call fail with ActorLostError;
 *    with `maxRestarts` the actor is constructed again (its state starts anew) and serves later calls.
 *
 * Run:  npm run build && node dist/examples/actors.js
 */
import { ActorLostError, Client, LocalCluster } from 'flotilla';

/** The prefixes of one word that the counters keep: its first 3 letters and up. */
function prefixesOf(word: string): string[] {
  const out: string[] = [];
  for (let length = 3; length <= word.length; length++) out.push(word.slice(0, length));
  return out;
}

/** Counts word prefixes over a stream of documents (Ray's `StreamingPrefixCount`). */
class PrefixCounter {
  readonly counts = new Map<string, number>();
  documents = 0;

  addDocument(document: string): number {
    for (const word of document.split(' ')) {
      for (const prefix of prefixesOf(word)) this.counts.set(prefix, (this.counts.get(prefix) ?? 0) + 1);
    }
    return ++this.documents;
  }

  /** The prefixes seen at least `min` times, with their counts. */
  popular(min: number): Record<string, number> {
    return Object.fromEntries([...this.counts].filter(([, count]) => count >= min));
  }
}

/** A model whose weights take long to build (Ray's example loads a network); built once per actor. */
class Model {
  readonly weights: Float64Array;
  served = 0;

  constructor(inputs: number, seed: number) {
    // The expensive part: a deterministic pseudo-training loop.
    this.weights = new Float64Array(inputs);
    let state = seed;
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < inputs; i++) {
        state = (state * 1103515245 + 12345) % 2147483648;
        this.weights[i] = 0.9 * this.weights[i]! + 0.1 * (state / 2147483648 - 0.5);
      }
    }
  }

  /** The class (0 or 1) of each row of a batch. */
  predict(batch: number[][]): number[] {
    this.served++;
    return batch.map((row) => (row.reduce((sum, x, i) => sum + x * this.weights[i]!, 0) >= 0 ? 1 : 0));
  }
}

/** An actor that can be made to fail: `crash` ends its thread, as a crash in native code would. */
class Fragile {
  count = 0;
  add(): number {
    return ++this.count;
  }
  crash(): void {
    process.exit(1); // in a worker thread, this ends the thread only
  }
}

/** A document of `words` words from a small vocabulary, reproducibly from `seed`. */
function document(seed: number, words: number): string {
  const vocabulary = ['flotilla', 'floating', 'flow', 'cluster', 'clustering', 'actor', 'action', 'active', 'stream', 'streaming', 'strength'];
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(vocabulary[(seed * 7 + i * 13) % vocabulary.length]!);
  return out.join(' ');
}

const cluster = new LocalCluster({ nWorkers: 2, threadsPerWorker: 1, dashboardAddress: false });
const client = await Client.connect(cluster);
try {
  // 1. Streaming aggregation with two stateful counters.
  const counters = [client.submitActor(PrefixCounter), client.submitActor(PrefixCounter)];
  const documents = Array.from({ length: 200 }, (_, i) => document(i, 20));
  const added = documents.map((doc, i) => counters[i % 2]!.addDocument(doc));
  const lastCounts = await client.gather([added[added.length - 2]!, added[added.length - 1]!]);
  const merged = client.submit((parts: Array<Record<string, number>>) => {
    const total: Record<string, number> = {};
    for (const part of parts) for (const [prefix, count] of Object.entries(part)) total[prefix] = (total[prefix] ?? 0) + count;
    return total;
  }, counters.map((counter) => counter.popular(1)));
  const local = new PrefixCounter();
  for (const doc of documents) local.addDocument(doc);
  const remote = await merged;
  const same = JSON.stringify(Object.entries(remote).sort()) === JSON.stringify(Object.entries(local.popular(1)).sort());
  console.log(`streamed ${documents.length} documents to 2 counters (${lastCounts.join(' + ')} each); prefix counts match a local count: ${same}`);
  console.log(`most frequent prefix: ${Object.entries(remote).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]!.join(' × ')}`);

  // 2. An expensive model, built once per actor, serving many calls.
  const models = [client.submitActor(Model, [64, 1]), client.submitActor(Model, [64, 1])];
  const batches = Array.from({ length: 40 }, (_, b) => Array.from({ length: 16 }, (_, r) => Array.from({ length: 64 }, (_, i) => Math.sin(b * 31 + r * 7 + i))));
  const predictions = batches.map((batch, b) => models[b % 2]!.predict(batch));
  // The futures of the calls go to a task as inputs: the predictions never come back here.
  const ones = client.submit((all: number[][]) => all.flat().filter((p) => p === 1).length, predictions);
  const served = await client.gather(models.map((model) => model.served));
  const reference = new Model(64, 1);
  const expectedOnes = batches.flatMap((batch) => reference.predict(batch)).filter((p) => p === 1).length;
  console.log(`2 models, each built once, served ${served.join(' + ')} batches; class 1 predicted ${await ones} times (local model: ${expectedOnes})`);

  // 3. A lost actor, restarted.
  const fragile = client.submitActor(Fragile, [], { maxRestarts: 1 });
  const before = await client.gather([fragile.add(), fragile.add()]);
  const lost = await fragile.crash().then(() => 'no error', (error: unknown) => (error instanceof ActorLostError && error.actor === fragile.actorKey ? 'ActorLostError' : String(error)));
  console.log(`fragile counted ${before.join(', ')}; the crashing call failed with ${lost}; restarted, it counts ${await fragile.add()} again`);
  for (const actor of [...counters, ...models, fragile]) actor.release();
} finally {
  await client.close();
  await cluster.close();
}
