/**
 * Finding and stopping what is left of a process group this bench started (the Dask side runs in
 * its own group). Linux only: it reads /proc; elsewhere it finds nothing and kills nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Pids in process group `pgid` that are still running (zombies, which are already dead, excluded). */
export function livingGroupMembers(pgid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const living: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // Fields after the command name (which may hold spaces and parentheses): state ppid pgrp ...
    const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(group) === pgid && state !== 'Z' && state !== 'X') living.push(Number(entry));
  }
  return living;
}

/**
 * Gives the members of group `pgid` up to `graceMs` to exit by themselves (Dask's helper processes
 * exit just after the main one), then kills the rest with SIGKILL. Returns the pids it killed.
 */
export async function reapProcessGroup(pgid: number, graceMs: number): Promise<number[]> {
  const deadline = performance.now() + graceMs;
  let living = livingGroupMembers(pgid);
  for (let attempt = 0; attempt < 100 && living.length > 0 && performance.now() < deadline; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    living = livingGroupMembers(pgid);
  }
  for (const pid of living) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone in the meantime.
    }
  }
  return living;
}
