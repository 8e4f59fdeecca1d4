/**
 * Serialises work on one path within this process, so two recombinations into the same combined
 * file do not both copy the old version and lose each other's parts. (Other processes are not
 * covered: do not recombine into one file from two processes at once.)
 */
const tails = new Map<string, Promise<unknown>>();

/** Runs `work` once every earlier `withPathLock` on `path` (in this process) has settled. */
export async function withPathLock<T>(path: string, work: () => Promise<T>): Promise<T> {
  const previous = tails.get(path) ?? Promise.resolve();
  const run = previous.then(work, work);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  tails.set(path, tail);
  try {
    return await run;
  } finally {
    if (tails.get(path) === tail) tails.delete(path);
  }
}
