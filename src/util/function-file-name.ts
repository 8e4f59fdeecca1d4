/**
 * How a shipped function's module file is named on a worker (`fn-<name>-<hash>.mjs`), and the task
 * group read back from such a URL: what a worker knows of a task's group without asking the scheduler.
 */

/** The function's name as it appears in its module's file name. */
export function safeFunctionName(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40) || 'anonymous';
}

/** The (safe) function name in a function module's URL, or undefined for another URL. */
export function functionNameOfUrl(url: string): string | undefined {
  return /fn-([^/]*?)-[0-9a-f]+\.mjs/.exec(url)?.[1];
}
